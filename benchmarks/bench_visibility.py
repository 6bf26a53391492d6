"""Visibility throughput (object-epochs/s) next to SGP4 propagation throughput, same run.

Work: the QZS-6 survey camera of the default scenario; 1 day at 60 s steps for
the real GEO catalog (574 objects) and for the active catalog (~16,000
objects, processed in blocks of 2,000 to bound memory). Propagation: SGP4 on
all cores, TEME -> GCRS (the baseline). Visibility: light time, occultation,
Sun/Moon/limb exclusion, shadow, phase, photometry and SNR for every
object-epoch, given the GCRS ephemeris. ratio = visibility / propagation throughput.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from beltwatch.catalog import load_catalog
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import default_scenario, observer_context, sensor_visibility
from beltwatch.timescales import time_grid

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GEO_TLE = SHARED / "geo" / "geo-latest.tle"
ACTIVE_CSV = SHARED / "catalog" / "active-gp-2026-07-10.csv"
BLOCK = 2000


def _measure(catalog, start: str, stop: str) -> dict:
    sensor = default_scenario().sensors["qzs6-wfc"]
    times = time_grid(start, stop, 60.0)
    context = observer_context(sensor, times)
    propagator = Sgp4Propagator()
    prop_s = vis_s = 0.0
    visible = total = 0
    for lo in range(0, len(catalog), BLOCK):
        block = catalog[np.arange(lo, min(lo + BLOCK, len(catalog)))]
        started = time.perf_counter()
        eph = propagator.propagate(block, times, "gcrs")
        prop_s += time.perf_counter() - started
        started = time.perf_counter()
        vis = sensor_visibility(sensor, eph, context=context)
        vis_s += time.perf_counter() - started
        visible += int(vis.visible.sum())
        total += vis.flags.size
    return {
        "objects": len(catalog),
        "epochs": int(times.size),
        "object_epochs": total,
        "propagation_object_epochs_per_s": round(total / prop_s),
        "visibility_object_epochs_per_s": round(total / vis_s),
        "propagation_s": round(prop_s, 2),
        "visibility_s": round(vis_s, 2),
        "ratio_visibility_over_propagation": round(prop_s / vis_s, 3),
        "visible_fraction": round(visible / total, 4),
    }


def run() -> dict:
    if not GEO_TLE.exists():
        return {"skipped": f"reference data not found at {SHARED}"}
    out = {}
    geo = load_catalog(GEO_TLE).catalog
    _measure(geo[:20], "2026-05-30T00:00:00Z", "2026-05-30T01:00:00Z")  # warm-up
    out["geo_574_1day_60s"] = _measure(geo, "2026-05-30T00:00:00Z", "2026-05-31T00:00:00Z")
    if ACTIVE_CSV.exists():
        active = load_catalog(ACTIVE_CSV, skip_bad=True).catalog
        out["active_16k_1day_60s"] = _measure(
            active, "2026-07-10T00:00:00Z", "2026-07-11T00:00:00Z"
        )
    return out
