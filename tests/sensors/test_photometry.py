"""CCD equation, limiting magnitude and photometric models against hand computations."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from beltwatch.constants import EARTH_RADIUS_WGS84_KM, SUN_RADIUS_IAU2015_KM
from beltwatch.frames import sunlit_fraction
from beltwatch.sensors import (
    apparent_magnitude,
    default_scenario,
    diffuse_sphere_phase_function,
    lambertian_plate_phase_function,
    reflected_flux_ratio,
)


@pytest.fixture(scope="module")
def camera():
    return default_scenario().sensors["qzs6-wfc"].camera


def test_snr_and_limiting_magnitude_by_hand(camera):
    """The default QZS-6 camera, magnitude 14, point source, worked step by step (Howell 4.4)."""
    assert (camera.aperture_m, camera.focal_length_m, camera.pixel_pitch_um) == (0.15, 0.45, 15.0)
    area = math.pi * 0.075**2  # m^2
    e_per_s_mag0 = 1.0e10 * area * 0.7 * 0.75  # zero point * area * throughput * QE
    scale = 15e-6 / 0.45 * 206264.806  # arcsec/pixel
    sky = e_per_s_mag0 * 10 ** (-0.4 * 22.0) * scale**2  # e/s/pixel at 22 mag/arcsec^2
    r = 12.0 / scale  # aperture radius = FWHM, pixels
    n_pix = math.pi * r**2
    per_pixel = sky * 2.0 + 0.5 * 2.0 + 8.0**2  # sky + dark over 2 s, read noise^2
    signal = e_per_s_mag0 * 10 ** (-0.4 * 14.0) * 2.0 * (1 - 2**-4)  # Gaussian PSF within FWHM
    snr_hand = signal / math.sqrt(signal + n_pix * per_pixel)
    assert snr_hand == pytest.approx(12.66, abs=0.01)  # the number written out by hand
    assert float(camera.snr(14.0)) == pytest.approx(snr_hand, rel=1e-9)
    # Limiting magnitude at SNR 6: N^2 = 36 (N + n_pix * per_pixel), the positive root.
    b = n_pix * per_pixel
    n_limit = (36 + math.sqrt(36**2 + 4 * 36 * b)) / 2
    m_limit = -2.5 * math.log10(n_limit / (2.0 * (1 - 2**-4)) / e_per_s_mag0)
    assert m_limit == pytest.approx(14.94, abs=0.01)
    assert float(camera.limiting_magnitude(6.0)) == pytest.approx(m_limit, abs=1e-9)


def test_limiting_magnitude_follows_sensor_parameters(camera):
    base = float(camera.limiting_magnitude(6.0))
    assert float(camera.snr(base)) == pytest.approx(6.0, rel=1e-9)
    bigger = dataclasses.replace(camera, aperture_m=0.30)
    longer = dataclasses.replace(camera, exposure_s=8.0)
    noisier = dataclasses.replace(camera, read_noise_e=30.0)
    assert float(bigger.limiting_magnitude(6.0)) > base + 1.0
    assert float(longer.limiting_magnitude(6.0)) > base + 0.5
    assert float(noisier.limiting_magnitude(6.0)) < base
    streaked = float(camera.limiting_magnitude(6.0, streak_px=20.0))
    assert streaked < base  # a streak spreads the light over more noisy pixels
    assert float(camera.snr(streaked, 20.0)) == pytest.approx(6.0, rel=1e-9)


def test_streak_length(camera):
    # 15 arcsec/s (a GEO object against the stars) for 2 s at 6.875 arcsec/pixel.
    rate = 15.0 / 206264.806
    assert float(camera.streak_px(rate)) == pytest.approx(30.0 / camera.pixel_scale_arcsec)


def test_diffuse_sphere_magnitude_by_hand():
    # r = 1 m, albedo 0.2, full phase, 36,000 km, 1 au from the Sun:
    # ratio = 0.2 * pi (1e-3 km)^2 * 2 / (3 pi) / 36000^2 = 1.0288e-16 -> +39.969 mag.
    m = apparent_magnitude(1.0, 0.2, 0.0, 36_000.0)
    assert float(m) == pytest.approx(-26.74 + 39.969, abs=0.001)
    assert diffuse_sphere_phase_function(np.pi) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(("model", "specular"), [("diffuse_sphere", 0.0), ("diffuse_sphere", 1.0)])
def test_spheres_conserve_energy(model, specular):
    """A sphere of albedo rho scatters rho times the sunlight it intercepts, over all directions."""
    phi = np.linspace(0.0, np.pi, 20001)
    ratio = reflected_flux_ratio(1e3, 0.3, phi, 1.0, model, specular)  # r = 1 km, R = 1 km
    total = 2 * np.pi * np.trapezoid(ratio * np.sin(phi), phi)
    assert total == pytest.approx(0.3 * np.pi, rel=1e-6)


def test_plate_and_glint():
    assert float(lambertian_plate_phase_function(0.0)) == pytest.approx(1 / np.pi)
    assert float(lambertian_plate_phase_function(np.pi / 2)) == pytest.approx(0.5 / np.pi)
    # A glint-dominated object is much brighter than a diffuse one at large phase angle.
    diffuse = apparent_magnitude(1.5, 0.2, 2.5, 36_000.0)
    glint = apparent_magnitude(1.5, 0.2, 2.5, 36_000.0, specular_fraction=0.5)
    assert float(glint) < float(diffuse) - 2.0


def test_sunlit_fraction_matches_numerical_disc_overlap():
    """Conical shadow: flat-disc overlap vs counting sample points of the solar disc."""
    sun = np.array([1.496e8, 0.0, 0.0])
    a = np.arcsin(SUN_RADIUS_IAU2015_KM / 1.496e8)
    rng = np.random.default_rng(1)
    u, w = rng.random(200_000), rng.random(200_000)
    disc = np.sqrt(u)[:, None] * np.stack([np.cos(2 * np.pi * w), np.sin(2 * np.pi * w)], 1)
    partial = 0
    for y in np.linspace(6000.0, 7000.0, 9):  # across the penumbra at GEO distance
        target = np.array([-42164.0, y, 0.0])
        to_sun = sun - target
        b = np.arcsin(EARTH_RADIUS_WGS84_KM / np.linalg.norm(target))
        c = np.arccos(np.dot(-target, to_sun) / np.linalg.norm(target) / np.linalg.norm(to_sun))
        # Sample the Sun's disc (small angles); hidden where within b of Earth's centre.
        hidden = np.hypot(c + a * disc[:, 0], a * disc[:, 1]) < b
        expected = 1.0 - hidden.mean()
        assert float(sunlit_fraction(target, sun)) == pytest.approx(expected, abs=0.005)
        partial += 0.05 < expected < 0.95
    assert partial >= 2
    assert float(sunlit_fraction(np.array([-42164.0, 0.0, 0.0]), sun)) == 0.0
    assert float(sunlit_fraction(np.array([0.0, 42164.0, 0.0]), sun)) == 1.0
