"""Tesseral gravity against an independently written potential and GEO drift physics.

Reference potential: the spherical-harmonic series summed directly with scipy's associated
Legendre functions (lpmv, Condon-Shortley phase removed), differentiated numerically; the
force under test uses the Cunningham recursion. Physics: the published equilibrium
longitudes of geostationary satellites (stable near 75 E and 255 E, unstable near 162 E
and 348 E) and the size of the east-west drift acceleration (~0.002 deg/day^2; Soop,
*Handbook of Geostationary Orbits*).
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time, TimeDelta
from scipy.special import lpmv

from beltwatch.constants import EARTH_RADIUS_EGM2008_KM, GEO_RADIUS_KM, GM_EARTH_EGM2008_KM3_S2
from beltwatch.frames import rotation_matrices
from beltwatch.propagation import TesseralHarmonics
from beltwatch.propagation._environment import Environment
from beltwatch.propagation._geopotential import EGM2008_CS_NM, unnormalised


def _potential(p: np.ndarray) -> float:
    x, y, z = p
    r = np.sqrt(x * x + y * y + z * z)
    sin_lat, lon = z / r, np.arctan2(y, x)
    total = 0.0
    for (n, m), (c, s) in EGM2008_CS_NM.items():
        legendre = (-1) ** m * lpmv(m, n, sin_lat)
        trig = unnormalised(n, m, c) * np.cos(m * lon) + unnormalised(n, m, s) * np.sin(m * lon)
        total += (EARTH_RADIUS_EGM2008_KM / r) ** n * legendre * trig
    return GM_EARTH_EGM2008_KM3_S2 / r * total


def test_acceleration_is_the_gradient_of_the_series():
    rng = np.random.default_rng(0)
    unit = rng.normal(size=(20, 3))
    points = unit / np.linalg.norm(unit, axis=1)[:, None] * rng.uniform(6800, 45000, 20)[:, None]
    ours = TesseralHarmonics().acceleration_itrs(points)
    h = 1e-2
    for p, a in zip(points, ours, strict=True):
        grad = np.array(
            [(_potential(p + h * e) - _potential(p - h * e)) / (2 * h) for e in np.eye(3)]
        )
        np.testing.assert_allclose(a, grad, rtol=0, atol=1e-7 * np.abs(grad).max())


def test_geostationary_equilibrium_longitudes():
    lon = np.radians(np.arange(0.0, 360.0, 0.05))
    p = GEO_RADIUS_KM * np.stack([np.cos(lon), np.sin(lon), np.zeros_like(lon)], axis=1)
    acc = TesseralHarmonics().acceleration_itrs(p)
    east = -acc[:, 0] * np.sin(lon) + acc[:, 1] * np.cos(lon)
    # Along-track force f changes the semi-major axis (da/dt = 2f/n) and so the drift:
    # d2(lambda)/dt2 = -3 f / a.
    lam_dd = np.degrees(-3.0 * east / GEO_RADIUS_KM) * 86400.0**2  # deg/day^2
    cross = np.flatnonzero(np.sign(lam_dd[:-1]) != np.sign(lam_dd[1:]))
    stable = np.degrees(lon[cross[lam_dd[cross] > 0]])  # pushed back from both sides
    unstable = np.degrees(lon[cross[lam_dd[cross] < 0]])
    np.testing.assert_allclose(np.sort(stable), [75.1, 255.1], atol=1.0)
    np.testing.assert_allclose(np.sort(unstable), [161.9, 348.5], atol=1.0)
    assert 0.0015 < np.abs(lam_dd).max() < 0.0023


def test_environment_rotation_matches_frames():
    epoch = Time("2026-05-30T00:00:00", scale="utc")
    env = Environment(epoch, 0.0, 3 * 86400.0)
    offsets = np.array([0.0, 1234.5, 40000.3, 200000.7])
    for t_s in offsets:
        m = rotation_matrices(epoch + TimeDelta(t_s, format="sec"))
        expected = (m["polar"] @ m["teme_to_pef"] @ m["gcrs_to_teme"])[0]
        # 1e-11 rad is 0.4 mm at GEO radius.
        np.testing.assert_allclose(env.gcrs_to_itrs(t_s), expected, atol=1e-11)


def test_orders_without_coefficients_are_refused():
    with pytest.raises(ValueError, match="coefficients"):
        TesseralHarmonics(degree=6, order=6)
