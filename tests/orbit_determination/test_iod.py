"""IOD: a published textbook example, and GEO objects seen from QZS-6 and from a ground site."""

from __future__ import annotations

import numpy as np
import pytest

from beltwatch.frames import light_time_direction
from beltwatch.orbit_determination import (
    classical_elements,
    gauss,
    gooding,
    semi_major_axis_km,
    sphere_range_km,
)
from beltwatch.sensors import GroundSite

from ._scenario import earth_clear, grid, host_states, target_states

DEG = np.pi / 180


def curtis_example_inputs():
    """Curtis, Orbital Mechanics for Engineering Students (Elsevier), Example 5.11/5.12:
    site at 40 deg N, 1 km height (Re = 6378 km, f = 1/298.26), local sidereal times,
    topocentric RA/Dec at t = 0, 118.104, 237.577 s; mu = 398600 km^3/s^2."""
    mu, re, f, h, phi = 398600.0, 6378.0, 1 / 298.26, 1.0, 40 * DEG
    t = np.array([0.0, 118.104, 237.577])
    ra = np.array([43.5365, 54.4196, 64.3178]) * DEG
    dec = np.array([-8.78334, -12.0739, -15.1054]) * DEG
    lst = np.array([44.5065, 45.000, 45.4992]) * DEG
    den = np.sqrt(1 - (2 * f - f * f) * np.sin(phi) ** 2)
    site = np.stack(
        [
            (re / den + h) * np.cos(phi) * np.cos(lst),
            (re / den + h) * np.cos(phi) * np.sin(lst),
            np.full(3, (re * (1 - f) ** 2 / den + h) * np.sin(phi)),
        ],
        axis=-1,
    )
    los = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    return mu, t, los, site


def test_curtis_example_5_12_gauss_with_iterative_improvement():
    mu, t, los, site = curtis_example_inputs()
    (sol,) = gauss(t, los, site, mu=mu, light_time=False)
    # Printed answers (Example 5.12): r2 = [5662.1, 6538.0, 3269.0] km,
    # v2 = [-3.8856, 5.1214, -2.2433] km/s; h = 62,818 km^2/s, e = 0.1000, i = 30 deg,
    # RAAN = 270 deg, argument of perigee = 90 deg, true anomaly = 45.01 deg, a = 10,000 km.
    np.testing.assert_allclose(sol.position_km, [5662.1, 6538.0, 3269.0], atol=0.15)
    np.testing.assert_allclose(sol.velocity_km_s, [-3.8856, 5.1214, -2.2433], atol=5e-4)
    el = classical_elements(sol.position_km, sol.velocity_km_s, mu)
    assert el["h"] == pytest.approx(62818, abs=5)
    assert el["e"] == pytest.approx(0.1000, abs=5e-4)
    assert el["a"] == pytest.approx(10000, rel=1e-3)
    assert el["i"] / DEG == pytest.approx(30.0, abs=0.01)
    assert el["raan"] / DEG == pytest.approx(270.0, abs=0.01)
    assert el["argp"] / DEG == pytest.approx(90.0, abs=0.1)
    assert el["nu"] / DEG == pytest.approx(45.01, abs=0.05)


def test_curtis_example_gooding_reaches_the_same_orbit():
    mu, t, los, site = curtis_example_inputs()
    sol = gooding(t, los, site, (1000.0, 1000.0), mu=mu, light_time=False)
    assert sol is not None
    el = classical_elements(sol.position_km, sol.velocity_km_s, mu)
    assert el["a"] == pytest.approx(10000, rel=1e-3)
    assert el["e"] == pytest.approx(0.1000, abs=5e-4)


def _geo_cases(geo_catalog, observer, n=60, span_s=1200.0):
    from astropy.time import Time

    t0 = Time("2026-05-30T12:00:00", scale="utc")
    secs = np.array([0.0, 0.5, 1.0]) * span_s
    times = grid(t0, secs)
    ro = host_states(geo_catalog, times)[0] if observer is None else observer.states_gcrs(times)[0]
    _, r, v = target_states(geo_catalog, times)
    up_ok = np.ones(r.shape[0], dtype=bool)
    if observer is not None:  # above 10 deg elevation at the ground site
        up = observer.up_gcrs(times)
        d = r - ro
        el = np.arcsin(np.sum(d * up, axis=-1) / np.linalg.norm(d, axis=-1))
        up_ok = np.all(el > 10 * DEG, axis=1)
    clear = earth_clear(r, ro[None]).all(axis=1) if observer is None else up_ok
    ok = np.isfinite(r).all(axis=(1, 2)) & clear
    for i in np.flatnonzero(ok)[:n]:
        u, _, _ = light_time_direction(r[i], v[i], ro)
        yield secs, u, ro, semi_major_axis_km(r[i, 0], v[i, 0])


@pytest.mark.parametrize("where", ["space", "ground"])
def test_geo_iod_recovers_semi_major_axis(geo_catalog, where):
    """Three noise-free observations 20 min apart (truth: SGP4 of the real catalog)."""
    site = None if where == "space" else GroundSite("tokyo", 35.7 * DEG, 139.7 * DEG, 0.05)
    ok_gauss, ok_gooding, total = 0, 0, 0
    for secs, u, ro, a_true in _geo_cases(geo_catalog, site):
        total += 1
        with np.errstate(all="ignore"):
            sols = gauss(secs, u, ro)
        if sols:  # several roots: the one nearest the GEO radius (hypothesis selection)
            a = [semi_major_axis_km(s.position_km, s.velocity_km_s) for s in sols]
            ok_gauss += abs(min(a, key=lambda x: abs(x - 42164.0)) / a_true - 1) < 0.01
        guess = sphere_range_km(u[[0, 2]], ro[[0, 2]], 42164.0)
        sol = gooding(secs, u, ro, tuple(guess))
        if sol is not None:
            ok_gooding += (
                abs(semi_major_axis_km(sol.position_km, sol.velocity_km_s) / a_true - 1) < 0.01
            )
    print(f"{where}: {total} objects, Gauss {ok_gauss}, Gooding {ok_gooding} within 1 %")
    assert total >= 20
    # Measured: space-based 84 % (Gauss) / 87 % (Gooding) of 100 objects within 1 %;
    # failures are short-arc ill-conditioning (see docs/orbit_determination.md).
    assert ok_gauss / total >= 0.75
    assert ok_gooding / total >= 0.75
