"""Non-smooth SGP4 points are found from the node positions (8th differences), and the
stated bound holds: on synthetic orbits with an injected kink or jump, and against direct
SGP4 on the real catalogs (every object, full grids)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.catalog import load_catalog
from beltwatch.constants import GM_EARTH_WGS72_KM3_S2
from beltwatch.propagation import InterpolatedEphemeris, Sgp4Propagator
from beltwatch.propagation import _interpolated as interpolated
from beltwatch.propagation._interpolated import _cubic_coefficients, smooth_bounds_km
from beltwatch.propagation._sgp4 import Sgp4Rows
from beltwatch.propagation._smoothness import (
    KINK_ERROR_PER_DIFFERENCE,
    difference_norms_km,
    flagged_intervals,
    smooth_difference_bound_km,
)
from beltwatch.timescales import jd_pair

pytestmark = pytest.mark.xdist_group("interpolated_kinks")

GM = GM_EARTH_WGS72_KM3_S2  # the test's own Kepler orbits


def kepler_positions(a_km: float, e: float, t_s: np.ndarray) -> np.ndarray:
    """Planar Kepler orbit (km), perigee at t = 0, solved here independently."""
    n = np.sqrt(GM / a_km**3)
    mean = n * t_s
    ecc = mean.copy()
    for _ in range(50):
        ecc -= (ecc - e * np.sin(ecc) - mean) / (1 - e * np.cos(ecc))
    x = a_km * (np.cos(ecc) - e)
    y = a_km * np.sqrt(1 - e * e) * np.sin(ecc)
    return np.stack([x, y, np.zeros_like(x)], axis=-1)


def perigee_terms(a_km: float, e: float) -> tuple[float, float]:
    n = np.sqrt(GM / a_km**3)
    return n * (1 + e) ** 2 / (1 - e * e) ** 1.5, a_km * (1 - e)


@pytest.mark.parametrize(
    ("a_km", "e", "step_s"),
    [(42164.0, 0.0, 600.0), (7000.0, 0.001, 60.0), (26000.0, 0.7, 120.0), (9000.0, 0.2, 60.0)],
)
def test_smooth_orbits_stay_below_the_difference_bound(a_km, e, step_s) -> None:
    # Kepler's own 8th differences are at most half the bound (the other half is for SGP4).
    t = np.arange(-2, 4000) * step_s
    norms, valid = difference_norms_km(
        kepler_positions(a_km, e, t)[None], np.ones((1, t.size), bool)
    )
    n_p, r_p = perigee_terms(a_km, e)
    limit = smooth_difference_bound_km(step_s, n_p, r_p, e)
    assert valid.all()
    assert norms.max() <= limit / 2
    assert not flagged_intervals(norms, valid, np.array([limit]), t.size - 5).any()


def _interpolation_error_km(r_nodes, truth, step_s):
    """Largest |cubic - truth| over every interval, at 64 points each."""
    coefficients, _ = _cubic_coefficients(
        r_nodes[None], np.ones((1, r_nodes.shape[0]), bool), step_s
    )
    u = np.arange(64) / 64
    j = np.arange(coefficients.shape[1])
    power = np.stack([np.ones_like(u), u, u * u, u**3], axis=1)
    cubic = np.einsum("jpc,up->juc", coefficients[0], power)
    exact = truth((j[:, None] + u[None, :]) * step_s)
    return np.linalg.norm(cubic - exact, axis=-1).max(axis=1)


@pytest.mark.parametrize("kind", ["kink", "jump", "second-derivative jump"])
@pytest.mark.parametrize("where", [0.37, 5.5, 20.02, 197.8])  # in node spacings; 0.37: the edge
def test_an_injected_non_smooth_point_is_flagged_and_bounded(kind, where) -> None:
    a_km, e, step_s = 42164.0, 0.0, 600.0
    n_p, r_p = perigee_terms(a_km, e)
    t_point = where * step_s
    size = {"kink": 0.04 / step_s, "jump": 0.005, "second-derivative jump": 3e-6}[kind]  # km, s
    direction = np.array([0.3, -0.5, 0.81]) / np.linalg.norm([0.3, -0.5, 0.81])

    def truth(t):
        t = np.asarray(t, float)
        dt = t - t_point
        extra = {
            "kink": size * np.maximum(dt, 0),
            "jump": size * (dt > 0),
            "second-derivative jump": size * np.maximum(dt, 0) ** 2 / 2,
        }[kind]
        return kepler_positions(a_km, e, t) + extra[..., None] * direction

    count = 200  # nodes 0 .. 199 plus two either side
    t_nodes = (np.arange(count + 4) - 2) * step_s
    r_nodes = truth(t_nodes)
    norms, valid = difference_norms_km(r_nodes[None], np.ones((1, t_nodes.size), bool))
    smooth = smooth_difference_bound_km(step_s, n_p, r_p, e)
    hermite = interpolated.hermite_bound_km(step_s, n_p, r_p)
    flags = flagged_intervals(norms, valid, np.array([smooth]), count - 1)[0]
    error = _interpolation_error_km(r_nodes, truth, step_s)
    # Every interval whose error exceeds the smooth bound is flagged ...
    assert flags[error > hermite].all()
    assert error.max() > hermite  # (the injected point matters)
    # ... the stated bound from the differences holds ...
    assert error.max() <= hermite + KINK_ERROR_PER_DIFFERENCE * (norms.max() + smooth)
    # ... and only intervals near the point are flagged.
    near = np.abs(np.arange(count - 1) + 0.5 - where) <= 12
    assert not flags[~near].any()


class _KinkedPropagator(Sgp4Propagator):
    """SGP4 plus a velocity jump of one object at one time (nodes)."""

    def __init__(self, norad_id, t_kink, dv_km_s) -> None:
        super().__init__(workers=1)
        self.norad_id, self.t_kink, self.dv = norad_id, t_kink, dv_km_s

    def propagate_teme(self, catalog, times):
        error, r, v = super().propagate_teme(catalog, times)
        dt = (times - self.t_kink).sec
        rows = catalog.norad_id == self.norad_id
        r[rows] += (self.dv * np.maximum(dt, 0.0))[None, :, None] * np.array([0.0, 0.6, 0.8])
        return error, r, v


class _KinkedRows(Sgp4Rows):
    """The same kink for the SGP4 checks inside flagged intervals."""

    kink: _KinkedPropagator
    evaluated = 0  # SGP4 states computed through this class

    def __init__(self, catalog) -> None:
        super().__init__(catalog)
        self.ids = catalog.norad_id

    def teme(self, rows, jd, fr):
        error, r, v = super().teme(rows, jd, fr)
        _KinkedRows.evaluated += error.size
        t_jd, t_fr = jd_pair(self.kink.t_kink, "utc")
        dt = ((np.asarray(jd) - t_jd) + (np.asarray(fr) - t_fr)).reshape(r.shape[:2]) * 86400.0
        hit = self.ids[np.asarray(rows)] == self.kink.norad_id
        r[hit] += (self.kink.dv * np.maximum(dt[hit], 0.0))[..., None] * np.array([0.0, 0.6, 0.8])
        return error, r, v


@pytest.mark.parametrize("verify", [True, False])
def test_injected_kink_in_a_build_is_found_and_within_the_bound(
    geo_catalog, monkeypatch, verify
) -> None:
    catalog = geo_catalog[:30]
    start = catalog.epoch.max()
    span = 86400.0
    target = int(catalog.norad_id[7])
    kinked = _KinkedPropagator(target, start + TimeDelta(31_234.0, format="sec"), 1e-4)  # 10 cm/s
    _KinkedRows.kink = kinked
    monkeypatch.setattr(interpolated, "Sgp4Rows", _KinkedRows)
    _KinkedRows.evaluated = 0
    clean = InterpolatedEphemeris.build(catalog, start, span, verify=verify)
    assert _KinkedRows.evaluated == 0  # no interval flagged here: SGP4 at the nodes only
    assert clean.flagged_intervals == 0
    eph = InterpolatedEphemeris.build(catalog, start, span, propagator=kinked, verify=verify)
    assert eph.flagged_intervals > 0
    assert _KinkedRows.evaluated == (3 * eph.flagged_intervals if verify else 0)
    assert eph.checked_states == _KinkedRows.evaluated
    fine = np.arange(0.0, span + 1.0, 20.0)
    r, _, ok = eph.grid(fine)
    error, r_true, _ = kinked.propagate_teme(catalog, start + TimeDelta(fine, format="sec"))
    err = np.where(ok & (error == 0), np.linalg.norm(r - r_true, axis=-1), 0.0).max(axis=1)
    row = 7
    assert err[row] > 3 * clean.bound_km[row]  # the kink matters
    assert np.all(err <= eph.bound_km)
    others = np.arange(len(catalog)) != row
    np.testing.assert_array_equal(eph.bound_km[others], clean.bound_km[others])


def test_smooth_objects_get_no_sgp4_checks(geo_catalog) -> None:
    start = geo_catalog.epoch.max()
    eph = InterpolatedEphemeris.build(geo_catalog, start, 86400.0)
    _, _, smooth_bound = smooth_bounds_km(eph.step_s, geo_catalog)
    counted = InterpolatedEphemeris.build(geo_catalog, start, 86400.0, verify=False)
    assert counted.checked_states == 0
    assert eph.flagged_intervals == counted.flagged_intervals
    assert eph.checked_states == 3 * eph.flagged_intervals
    assert eph.flagged_intervals < 0.01 * sum(g.ok.size for g in eph.groups)
    # Objects without non-smooth points keep the smooth bound, within the tolerance.
    assert np.median(eph.bound_km) <= 1e-3
    assert np.mean(eph.bound_km <= smooth_bound + 1e-6) > 0.9


def _worst_errors_km(catalog, eph, offsets):
    propagator = Sgp4Propagator()
    r, _, ok = eph.grid(offsets)
    worst = np.zeros(len(catalog))
    for lo in range(0, len(catalog), 2000):
        part = slice(lo, lo + 2000)
        error, r_direct, _ = propagator.propagate_teme(
            catalog[part], eph.start + TimeDelta(offsets, format="sec")
        )
        good = ok[part] & (error == 0)
        worst[part] = np.where(good, np.linalg.norm(r[part] - r_direct, axis=-1), 0.0).max(axis=1)
    return worst


@pytest.mark.slow
def test_no_object_of_the_real_geo_catalog_over_its_bound_over_a_week(geo_catalog) -> None:
    start = geo_catalog.epoch.max()
    span = 7 * 86400.0
    offsets = np.arange(0.0, span + 1.0, 60.0)
    for verify in (True, False):
        eph = InterpolatedEphemeris.build(geo_catalog, start, span, verify=verify)
        worst = _worst_errors_km(geo_catalog, eph, offsets)
        assert np.all(worst <= eph.bound_km)
        assert worst.max() > 5e-3  # the kinks are there (10.6 m)


def test_no_object_of_the_active_catalog_over_its_bound(shared_data: Path) -> None:
    catalog = load_catalog(shared_data / "catalog" / "active-gp-2026-07-10.csv").catalog
    start = catalog.epoch.max()
    span = 2 * 3600.0
    offsets = np.arange(0.0, span + 1.0, 10.0)
    eph = InterpolatedEphemeris.build(catalog, start, span, verify="deep-space")
    worst = _worst_errors_km(catalog, eph, offsets)
    assert np.all(worst <= eph.bound_km)
    assert worst.max() > 2e-3  # a LEO set with a kink (2.3 m)


def test_a_short_span_still_gets_difference_stencils(geo_catalog) -> None:
    # 40 min at 10-min nodes: 5 nodes + 4 padding = 9, and 20 min: extra nodes past the span.
    start = geo_catalog.epoch.max()
    for span in (2400.0, 1200.0):
        eph = InterpolatedEphemeris.build(geo_catalog[:50], start, span)
        assert eph.flagged_intervals == 0 and eph.checked_states == 0
        offsets = np.arange(0.0, span + 1.0, 30.0)
        worst = _worst_errors_km(geo_catalog[:50], eph, offsets)
        assert np.all(worst <= eph.bound_km)
        assert np.all(eph.grid(offsets)[2])
