"""SGP4 catalog propagation throughput vs a plain sgp4.api.SatrecArray call, same work, same run.

Also the interpolated ephemeris (SGP4 at coarse nodes, cubic Hermite between, stated
error bound, non-smooth points found by 8th differences of the nodes and checked by SGP4
inside the flagged intervals only) against SatrecArray on the same fine grid: the ratio,
the worst position error against direct SGP4, objects over their bound, and how many
intervals were flagged and SGP4 states spent checking them.

Work: the 574-object real GEO catalog x 1,440 times (1 day at 60 s) and the
15,985-object active catalog (CelesTrak GP CSV) x 144 times (1 day at 600 s).
Baseline: sgp4's own ``SatrecArray(...).sgp4(jd, fr)`` (C++, one core), built
from twoline2rv / omm.initialize satrecs. Ours: ``Sgp4Propagator.propagate_teme``
(elements -> satrecs -> all cores) and ``propagate(..., "gcrs")`` (plus frames).
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
from astropy.time import TimeDelta
from sgp4 import omm
from sgp4.api import Satrec, SatrecArray

from beltwatch.catalog import load_catalog
from beltwatch.propagation import InterpolatedEphemeris, Sgp4Propagator
from beltwatch.timescales import jd_pair

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REPEATS = 3


def best_of(fn, repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def baseline_satrecs_tle(path: Path) -> list[Satrec]:
    lines = path.read_text().splitlines()
    return [Satrec.twoline2rv(lines[i + 1], lines[i + 2]) for i in range(0, len(lines) - 2, 3)]


def baseline_satrecs_csv(path: Path) -> list[Satrec]:
    satrecs = []
    with path.open() as handle:
        for fields in csv.DictReader(handle):
            sat = Satrec()
            omm.initialize(sat, fields)
            satrecs.append(sat)
    return satrecs


def measure(name: str, path: Path, satrecs: list[Satrec], step_s: float) -> dict:
    catalog = load_catalog(path).catalog
    start = catalog.epoch.max()
    times = start + TimeDelta(np.arange(0, 86400.0, step_s), format="sec")
    jd, fr = jd_pair(times, "utc")
    work = len(catalog) * len(times)
    array = SatrecArray(satrecs)
    baseline_s = best_of(lambda: array.sgp4(jd, fr))
    propagator = Sgp4Propagator()
    propagator.propagate_teme(catalog[:4], times[:2])  # warm caches (IERS table, imports)
    propagator.propagate(catalog[:4], times, "gcrs")
    ours_s = best_of(lambda: propagator.propagate_teme(catalog, times))
    ours_gcrs_s = best_of(lambda: propagator.propagate(catalog, times, "gcrs"))
    serial_s = best_of(lambda: Sgp4Propagator(workers=1).propagate_teme(catalog, times))
    return {
        "work": f"{len(catalog)} objects x {len(times)} times",
        "object_epochs": work,
        "baseline_satrecarray_per_s": round(work / baseline_s),
        "ours_teme_per_s": round(work / ours_s),
        "ours_teme_one_core_per_s": round(work / serial_s),
        "ours_gcrs_per_s": round(work / ours_gcrs_s),
        "ratio_teme_vs_baseline": round(baseline_s / ours_s, 2),
        "ratio_gcrs_vs_baseline": round(baseline_s / ours_gcrs_s, 2),
        "workers": propagator.workers_for(work),
    }


def measure_interpolated(
    path: Path,
    satrecs: list[Satrec],
    span_s: float,
    step_s: float,
    tolerance_km: float = 1e-3,
) -> dict:
    catalog = load_catalog(path).catalog
    start = catalog.epoch.max()
    offsets = np.arange(0.0, span_s + 0.5 * step_s, step_s)
    times = start + TimeDelta(offsets, format="sec")
    jd, fr = jd_pair(times, "utc")
    array = SatrecArray(satrecs)
    baseline_s = best_of(lambda: array.sgp4(jd, fr), repeats=2)
    error, r_direct, _ = array.sgp4(jd, fr)
    propagator = Sgp4Propagator()

    def build(verify: bool) -> InterpolatedEphemeris:
        return InterpolatedEphemeris.build(
            catalog, start, span_s, tolerance_km, propagator=propagator, verify=verify
        )

    def ours():
        eph = build(True)
        return eph, eph.grid(offsets)

    ours_s = best_of(ours, repeats=2)
    build_s = best_of(lambda: build(True), repeats=2)
    unchecked_s = best_of(lambda: build(False).grid(offsets), repeats=2)
    eph, (r, _, ok) = ours()
    good = ok & (error == 0)
    err = np.where(good, np.linalg.norm(r - r_direct, axis=-1), 0.0).max(axis=1)
    return {
        "work": f"{len(catalog)} x {offsets.size} times ({step_s:g} s, {span_s / 3600:g} h)",
        "tolerance_m": tolerance_km * 1000.0,
        "baseline_satrecarray_s": round(baseline_s, 2),
        "ours_s": round(ours_s, 2),
        "ours_build_s": round(build_s, 2),
        "ratio_vs_satrecarray": round(baseline_s / ours_s, 2),
        "ratio_without_sgp4_checks": round(baseline_s / unchecked_s, 2),
        "worst_error_m": round(float(err.max()) * 1000.0, 3),
        "median_worst_error_m": round(float(np.median(err)) * 1000.0, 4),
        "objects_over_bound": int(np.count_nonzero(err > eph.bound_km)),
        "largest_error_over_bound": round(float(np.max(err / eph.bound_km)), 3),
        "median_bound_m": round(float(np.median(eph.bound_km)) * 1000.0, 3),
        "max_bound_m": round(float(eph.bound_km.max()) * 1000.0, 3),
        "intervals": int(sum(g.ok.size for g in eph.groups)),
        "flagged_intervals": eph.flagged_intervals,
        "sgp4_checks": eph.checked_states,
        "sgp4_node_states": int(sum(g.ok.shape[0] * (g.ok.shape[1] + 5) for g in eph.groups)),
        "node_steps_s": {
            str(int(k)): int(v)
            for k, v in zip(*np.unique(eph.step_s, return_counts=True), strict=True)
        },
    }


def run() -> dict:
    geo = SHARED / "geo" / "geo-latest.tle"
    active = SHARED / "catalog" / "active-gp-2026-07-10.csv"
    if not geo.exists():
        return {"skipped": f"reference data not found at {SHARED}"}
    geo_satrecs, active_satrecs = baseline_satrecs_tle(geo), baseline_satrecs_csv(active)
    return {
        "geo_574x1440": measure("geo", geo, geo_satrecs, 60.0),
        "active_15985x144": measure("active", active, active_satrecs, 600.0),
        "interpolated_geo_7d_60s": measure_interpolated(geo, geo_satrecs, 7 * 86400.0, 60.0),
        "interpolated_geo_1d_10s": measure_interpolated(geo, geo_satrecs, 86400.0, 10.0),
        "interpolated_active_2h_10s": measure_interpolated(
            active, active_satrecs, 2 * 3600.0, 10.0
        ),
        "interpolated_active_2h_10s_tolerance_16m": measure_interpolated(
            active, active_satrecs, 2 * 3600.0, 10.0, tolerance_km=0.016
        ),
    }
