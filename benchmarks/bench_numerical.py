"""Numerical propagator throughput: many GEO objects integrated together vs one at a time.

Work: GEO objects (states from the real GEO catalog by SGP4 when ../shared is present,
else synthetic) under the full force model (two-body, J2-J4, Sun, Moon, SRP), 3 days,
hourly output. Ours: all objects in one stacked DOP853 integration. Baseline, in the
same run: a plain loop of scipy ``solve_ivp`` (DOP853, same tolerances, same force
functions) per object, on a subset, scaled per object-day.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from astropy.time import Time
from scipy.integrate import solve_ivp

from beltwatch.propagation import Environment, ForceModel, NumericalPropagator, Sgp4Propagator

GEO_TLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "geo" / "geo-latest.tle"
N_OBJECTS = 200
N_BASELINE = 10
DAYS = 3.0


def _initial_states(epoch: Time) -> tuple[np.ndarray, str]:
    if GEO_TLE.exists():
        from beltwatch.catalog import load_catalog

        catalog = load_catalog(GEO_TLE).catalog
        catalog = catalog[np.linspace(0, len(catalog) - 1, N_OBJECTS).astype(int)]
        eph = Sgp4Propagator(workers=1).propagate(catalog, epoch, frame="gcrs")
        states = np.concatenate([eph.position_km[:, 0], eph.velocity_km_s[:, 0]], axis=1)
        return states[np.all(np.isfinite(states), axis=1)], "real GEO catalog (SGP4 states)"
    rng = np.random.default_rng(0)
    lon = rng.uniform(0, 2 * np.pi, N_OBJECTS)
    r = 42164.0 * np.stack([np.cos(lon), np.sin(lon), np.zeros_like(lon)], 1)
    v = 3.0747 * np.stack([-np.sin(lon), np.cos(lon), rng.uniform(0, 0.01, N_OBJECTS)], 1)
    return np.hstack([r, v]), "synthetic GEO"


def run() -> dict:
    model = ForceModel.geo_default()
    prop = NumericalPropagator(model)
    states0, source = _initial_states(Time("2026-05-30T00:00:00", scale="utc"))
    epoch = Time("2026-05-30T00:00:00", scale="utc")
    offsets = np.arange(0.0, DAYS * 86400.0 + 1.0, 3600.0)
    prop.propagate_offsets(epoch, states0[:2], offsets[:3])  # warm-up (IERS tables, imports)

    started = time.perf_counter()
    ours, _ = prop.propagate_offsets(epoch, states0, offsets)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    prop.propagate_offsets(epoch, states0[:N_BASELINE], offsets, with_stm=True)
    stm_s = time.perf_counter() - started

    env = Environment(epoch, 0.0, offsets[-1])

    def rhs(t, y):
        r, v = y[None, :3], y[None, 3:]
        return np.concatenate([y[3:], model.acceleration(t, r, v, env)[0]])

    started = time.perf_counter()
    worst_m = 0.0
    for i in range(N_BASELINE):
        sol = solve_ivp(
            rhs,
            (0.0, offsets[-1]),
            states0[i],
            method="DOP853",
            t_eval=offsets,
            rtol=prop.rtol,
            atol=np.r_[[prop.atol_km] * 3, [prop.atol_km_s] * 3],
        )
        worst_m = max(worst_m, float(np.abs(sol.y[:3].T - ours[i, :, :3]).max() * 1000.0))
    baseline_s = time.perf_counter() - started

    ours_rate = len(states0) * DAYS / ours_s
    baseline_rate = N_BASELINE * DAYS / baseline_s
    return {
        "work": f"{len(states0)} objects ({source}) x {DAYS:g} days, full force model, hourly out",
        "ours_object_days_per_s": round(ours_rate, 1),
        "ours_with_stm_object_days_per_s": round(N_BASELINE * DAYS / stm_s, 1),
        "baseline": f"per-object scipy solve_ivp DOP853 loop, same forces/tolerances, "
        f"{N_BASELINE} objects",
        "baseline_object_days_per_s": round(baseline_rate, 1),
        "ratio": round(ours_rate / baseline_rate, 2),
        "baseline_vs_ours_max_diff_m": round(worst_m, 4),
    }
