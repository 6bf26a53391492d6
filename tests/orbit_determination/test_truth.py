"""The truth geopotential (tests/orbit_determination/_truth.py) checked three ways: its
coefficients to degree 4 against the values the propagation package carries (typed
separately), its field against the estimator's field to degree 4 (a different
algorithm), and the GEO equilibrium longitudes of the full 8x8 field against their
published positions (stable near 75 E and 105 W, unstable near 162 E and 11 W)."""

from __future__ import annotations

import numpy as np
from astropy.time import Time

from beltwatch.constants import GEO_RADIUS_KM
from beltwatch.propagation import (
    EGM2008_J,
    Environment,
    PointMassEarth,
    TesseralHarmonics,
    ZonalHarmonics,
)

from ._truth import EGM2008_8X8, SphericalHarmonicGravity


def test_coefficients_agree_with_the_propagation_tables():
    for (n, m), (c, s) in TesseralHarmonics().coefficients:  # the estimator's table
        assert EGM2008_8X8[(n, m)] == (c, s), (n, m)
    for n, j in EGM2008_J.items():
        assert -np.sqrt(2 * n + 1) * EGM2008_8X8[(n, 0)][0] == j
    assert len(EGM2008_8X8) == sum(n + 1 for n in range(2, 9))


def test_degree_4_field_matches_the_estimator():
    rng = np.random.default_rng(0)
    r = rng.normal(size=(50, 3))
    r *= rng.uniform(7000, 45000, 50)[:, None] / np.linalg.norm(r, axis=1, keepdims=True)
    truth4 = SphericalHarmonicGravity(degree=4).acceleration_itrs(r)
    tess = TesseralHarmonics(4, 4).acceleration_itrs(r)
    env = Environment(Time("2026-05-30T00:00:00", scale="utc"), 0.0, 60.0)
    # In ITRS the pole is z: the estimator's zonal term with the GCRS-z pole, fed ITRS r.
    zonal = ZonalHarmonics(degree=4, pole="gcrs").acceleration(0.0, r, r * 0, env)
    central = PointMassEarth().acceleration(0.0, r, r * 0, env)
    est = central + zonal + tess
    assert np.max(np.linalg.norm(truth4 - est, axis=1) / np.linalg.norm(est, axis=1)) < 1e-12


def test_geo_equilibrium_longitudes():
    lon = np.radians(np.arange(0.0, 360.0, 0.05))
    r = GEO_RADIUS_KM * np.stack([np.cos(lon), np.sin(lon), 0 * lon], axis=1)
    a = SphericalHarmonicGravity().acceleration_itrs(r)
    east = np.stack([-np.sin(lon), np.cos(lon), 0 * lon], axis=1)
    along = np.sum(a * east, axis=1)
    k = np.flatnonzero(np.sign(along) != np.sign(np.roll(along, -1)))
    found = np.sort(np.degrees(lon[k]))
    # Published (e.g. Soop, Handbook of Geostationary Orbits): 75.1 E, 161.9 E, 254.9 E
    # (105.1 W), 348.5 E (11.5 W); stated to about 0.5 deg across gravity models.
    np.testing.assert_allclose(found, [75.1, 161.9, 254.9, 348.5], atol=0.5)
