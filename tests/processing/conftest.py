"""A small simulated GEO-belt sequence from QZS-6 (real GEO catalog), shared by the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time

from beltwatch.sensors import HostPlatform, OpticalSensor
from beltwatch.simulation import FrameSettings, densest_field, simulate_sequence, write_frame

QZS6 = 62876
# A 1024 x 1024 test camera (15.5 arcsec/px, 4.4 deg field) keeps tests fast.
TEST_CAMERA = OpticalSensor(
    "qzs6-test", aperture_m=0.2, focal_length_m=0.2, pixel_pitch_um=15.0,
    detector_cols=1024, detector_rows=1024, quantum_efficiency=0.6, read_noise_e=8.0,
    dark_current_e_per_s=0.5, exposure_s=5.0, readout_s=1.0, psf_fwhm_arcsec=30.0,
    sky_background_mag_per_arcsec2=22.0,
)  # fmt: skip
START = Time("2026-05-28T06:00:00", scale="utc")


@pytest.fixture(scope="session")
def belt_setup(geo_catalog):
    host = HostPlatform.from_catalog("QZS-6", geo_catalog, QZS6)
    rsos = geo_catalog[geo_catalog.norad_id != QZS6]
    ra, dec = densest_field(TEST_CAMERA, host, rsos, START)
    return host, rsos, ra, dec


def _sequence(belt_setup, tmp_path_factory, tracking: str) -> Path:
    host, rsos, ra, dec = belt_setup
    frames = simulate_sequence(
        TEST_CAMERA, host, rsos, START, 6, ra, dec, 0.3,
        FrameSettings(tracking=tracking, seed=5),
    )  # fmt: skip
    out = tmp_path_factory.mktemp(f"frames-{tracking}")
    for frame in frames:
        write_frame(out, frame)
    return out


@pytest.fixture(scope="session")
def sidereal_dir(belt_setup, tmp_path_factory) -> Path:
    return _sequence(belt_setup, tmp_path_factory, "sidereal")


@pytest.fixture(scope="session")
def rate_dir(belt_setup, tmp_path_factory) -> Path:
    return _sequence(belt_setup, tmp_path_factory, "rate")


@pytest.fixture(scope="session")
def pixel_scale_rad() -> float:
    return float(np.radians(TEST_CAMERA.pixel_scale_arcsec / 3600.0))
