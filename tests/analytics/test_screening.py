"""Screening misses nothing a brute-force fine-step SGP4 search finds; the bounds it
relies on (interpolation error, radial bands) hold on the real catalogs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.analytics import (
    ScreeningOptions,
    brute_force_close_approaches,
    radial_bands_km,
    screen_catalog,
)
from beltwatch.catalog import load_catalog
from beltwatch.propagation import InterpolatedEphemeris, Sgp4Propagator


def _match(fast, reference):
    """(unmatched reference approaches, extra fast approaches, max |dt| s, max |dmiss| km)."""
    ours: dict = {}
    for a in fast:
        ours.setdefault((a.index1, a.index2), []).append(a)
    missed, dts, dmiss, used = [], [], [], set()
    for b in reference:
        cands = ours.get((b.index1, b.index2), [])
        best = min(cands, key=lambda c: abs((c.tca - b.tca).sec), default=None)
        if best is None or abs((best.tca - b.tca).sec) > 120:
            missed.append(b)
            continue
        used.add(id(best))
        dts.append(abs((best.tca - b.tca).sec))
        dmiss.append(abs(best.miss_km - b.miss_km))
    extra = [a for a in fast if id(a) not in used]
    return missed, extra, max(dts, default=0.0), max(dmiss, default=0.0)


@pytest.mark.slow
def test_all_pairs_of_the_real_geo_catalog_match_brute_force(geo_catalog) -> None:
    catalog = geo_catalog[:520]
    start = catalog.epoch.max()
    options = ScreeningOptions(threshold_km=50.0, days=7.0)
    fast = screen_catalog(catalog, start=start, options=options).approaches
    reference = brute_force_close_approaches(catalog, start, 7.0, 50.0, step_s=60.0)
    assert len(reference) > 100  # events exist at this threshold
    missed, extra, dt, dmiss = _match(fast, reference)
    assert missed == []
    assert extra == []
    assert dmiss < 1e-3  # both refine SGP4's own distance: agree to 1 m
    assert dt < 1.0
    for a in fast:  # a stationary point of the distance (Newton converged to 0.1 ms)
        rel = a.state2_teme - a.state1_teme
        if a.miss_km > 0 and not a.at_window_edge:
            assert abs(rel[:3] @ rel[3:]) / (a.miss_km * max(np.linalg.norm(rel[3:]), 1e-9)) < 1e-3


def test_assets_against_the_catalog_match_brute_force(geo_catalog) -> None:
    ids = (28358, 42070, 44476)  # Intelsat 10-02 (MEV-2 docked), EchoStar 23, Intelsat 39
    assets = np.array([int(np.flatnonzero(geo_catalog.norad_id == n)[0]) for n in ids])
    start = geo_catalog.epoch.max()
    options = ScreeningOptions(threshold_km=100.0, days=3.0)
    fast = screen_catalog(geo_catalog, start=start, assets=assets, options=options).approaches
    reference = brute_force_close_approaches(
        geo_catalog, start, 3.0, 100.0, step_s=60.0, assets=assets
    )
    assert len(reference) >= 5
    missed, extra, _, dmiss = _match(fast, reference)
    assert missed == [] and extra == []
    assert dmiss < 1e-3
    assert any(a.identical for a in fast)  # the docked pair: one approach, distance 0


def test_interpolation_error_within_the_stated_bound(geo_catalog) -> None:
    start = geo_catalog.epoch.max()
    span = 3 * 86400.0
    eph = InterpolatedEphemeris.build(geo_catalog, start, span)
    fine = np.arange(0.0, span + 1.0, 30.0)
    r, _, ok = eph.grid(fine)
    error, r_direct, _ = Sgp4Propagator().propagate_teme(
        geo_catalog, start + TimeDelta(fine, format="sec")
    )
    good = ok & (error == 0)
    err = np.where(good, np.linalg.norm(r - r_direct, axis=-1), 0.0).max(axis=1)
    assert np.all(err <= eph.bound_km)
    assert np.median(eph.bound_km) <= 1e-3  # the default tolerance: 1 m
    # The evaluations at arbitrary times agree with the grid.
    rows = np.arange(0, len(geo_catalog), 37)
    t = np.linspace(0, span, rows.size)
    r_pt, _, _ = eph.states(rows, t)
    r_grid, _, _ = eph.grid(t, rows)
    np.testing.assert_allclose(r_pt, r_grid[np.arange(rows.size), np.arange(rows.size)], atol=1e-9)


def test_interpolant_acceleration_bound_covers_sgp4(geo_catalog) -> None:
    start = geo_catalog.epoch.max()
    eph = InterpolatedEphemeris.build(geo_catalog, start, 86400.0)
    h = 10.0
    t = np.arange(h, 86400.0 - h, 450.0)
    _, r, _ = Sgp4Propagator().propagate_teme(
        geo_catalog, start + TimeDelta(np.concatenate([t - h, t, t + h]), format="sec")
    )
    m = t.size
    accel = np.linalg.norm(r[:, :m] - 2 * r[:, m : 2 * m] + r[:, 2 * m :], axis=-1) / h**2
    assert np.all(np.nanmax(accel, axis=1) <= 1.001 * eph.acceleration_bound_km_s2())


@pytest.mark.slow
def test_radial_bands_hold_over_a_week(shared_data: Path) -> None:
    catalog = load_catalog(shared_data / "catalog" / "active-gp-2026-07-10.csv").catalog
    start = catalog.epoch.max()
    low, high = radial_bands_km(catalog, 7.0)
    lowest = np.full(len(catalog), np.inf)
    highest = np.zeros(len(catalog))
    for day in range(7):
        times = start + TimeDelta(day * 86400.0 + np.arange(0, 86400.0, 120.0), format="sec")
        error, r, _ = Sgp4Propagator().propagate_teme(catalog, times)
        radius = np.linalg.norm(r, axis=-1)
        good = error == 0
        lowest = np.minimum(lowest, np.where(good, radius, np.inf).min(axis=1))
        highest = np.maximum(highest, np.where(good, radius, 0.0).max(axis=1))
    seen = np.isfinite(lowest) & (highest > 0)
    assert np.all(lowest[seen] >= low[seen])
    assert np.all(highest[seen] <= high[seen])
