"""The measurement-level detection model: Pd monotone in SNR with its 50 % point at the
threshold, noise growing as the SNR falls, the expected SNR equal to the one the frame
renderer writes in its truth sidecar, and the survey dropping what is too faint."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from astropy.time import Time

from beltwatch.catalog import synthetic_geo_population
from beltwatch.constants import ARCSEC_RAD
from beltwatch.frames import sun_position_gcrs_km
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import default_scenario
from beltwatch.simulation import (
    DetectionModel,
    densest_field,
    expected_snr,
    exposure_times,
    rso_sizes,
    simulate_sequence,
    simulate_survey,
)

START = Time("2026-05-30T06:00:00", scale="utc")


@pytest.fixture(scope="module")
def qzs6():
    sensor = default_scenario().sensors["qzs6-wfc"]
    return sensor.platform, sensor.camera


@pytest.fixture(scope="module")
def population():
    return synthetic_geo_population(seed=2025)[:120]


def test_detection_probability_is_monotone_with_half_at_the_threshold():
    model = DetectionModel()
    snr = np.linspace(0.0, 30.0, 301)
    p = model.probability(snr)
    assert np.all(np.diff(p) >= 0)
    assert model.probability(np.array([model.threshold_snr]))[0] == pytest.approx(0.5)
    assert p[snr <= 3.0].max() < 1e-3 and p[snr >= 10.0].min() > 0.999
    assert model.probability(np.array([np.nan]))[0] == 0.0  # in the Earth's shadow


def test_astrometric_noise_grows_as_the_snr_falls_and_has_a_floor():
    model = DetectionModel(floor_arcsec=0.3, centroid_fwhm_factor=1.0)
    snr = np.array([5.0, 10.0, 50.0, 1e6])
    sigma = model.sigma_arcsec(snr, fwhm_arcsec=12.0)
    assert np.all(np.diff(sigma) < 0)
    assert sigma[0] == pytest.approx(np.hypot(0.3, 12.0 / 5.0))
    assert sigma[-1] == pytest.approx(0.3, rel=1e-6)


def test_expected_snr_is_the_snr_the_frame_renderer_writes(qzs6, population):
    """The model's SNR from states (magnitude, sidereal streak) against the sidecar's, which
    the renderer computes from its own pixel tracks and fluxes."""
    host, cam = qzs6
    ra, dec = densest_field(cam, host, population, START)
    (frame,) = simulate_sequence(cam, host, population, START, 1, ra, dec)
    rsos = frame.truth["rsos"]
    assert len(rsos) >= 5
    rows = np.searchsorted(population.norad_id, [r["norad_id"] for r in rsos])
    sub = population[rows]
    mid = exposure_times(cam, START, 1)[1:2]
    eph = Sgp4Propagator(workers=1).propagate(sub, mid, "gcrs")
    obs_r, obs_v = host.states_gcrs(mid)
    radius, albedo = rso_sizes(sub)
    snr, mag = expected_snr(
        cam, radius, albedo, eph.position_km[:, 0], eph.velocity_km_s[:, 0], obs_r, obs_v,
        sun_position_gcrs_km(mid),
    )  # fmt: skip
    np.testing.assert_allclose(mag, [r["mag"] for r in rsos], atol=1e-3)
    np.testing.assert_allclose(snr, [r["snr"] for r in rsos], rtol=0.02)


def _survey(population, host, cam, model):
    return simulate_survey(
        population, host, START, days=0.25, rng=np.random.default_rng(3),
        sequence_spacing_s=1800.0, detection=model, camera=cam,
    )  # fmt: skip


def test_the_survey_keeps_bright_objects_drops_faint_ones_and_short_tracklets(qzs6, population):
    host, cam = qzs6
    model = DetectionModel(floor_arcsec=0.5)
    every = _survey(population, host, cam, None)
    bright = _survey(replace(population, radius_m=np.full(len(population), 20.0)), host, cam, model)
    faint = _survey(replace(population, radius_m=np.full(len(population), 0.02)), host, cam, model)
    assert len(every) > 100
    assert len(bright) == len(every)  # 20-m spheres: SNR in the hundreds, all detected
    assert np.all(bright.sigma_rad < 0.6 * ARCSEC_RAD)  # near the floor at high SNR
    assert len(faint) == 0  # 2-cm spheres at GEO: far below the threshold
    mixed = _survey(population, host, cam, model)
    assert 0 < len(mixed) < len(every)
    _, counts = np.unique(mixed.track_id, return_counts=True)
    assert counts.min() >= model.min_frames
    assert mixed.sigma_rad.max() > 2.0 * mixed.sigma_rad.min()  # noise varies with SNR


def test_without_a_model_the_survey_is_unchanged(qzs6, population):
    """The default path draws exactly what it drew before the model existed: one noise
    sigma for every row."""
    host, cam = qzs6
    table = _survey(population, host, cam, None)
    np.testing.assert_array_equal(table.sigma_rad, np.full(len(table), 1.0 * ARCSEC_RAD))
