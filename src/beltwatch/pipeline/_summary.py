"""Scoring against the simulation truth: the ``truth`` section of summary.json.

Everything here compares the run's outputs with the truth the simulation drew (truth ids
of the observation table, truth states from the simulation's truth model); nothing is
scored against the run's own output.
"""

from __future__ import annotations

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.pipeline._correlate import Correlated
from beltwatch.pipeline._orbits import Orbits
from beltwatch.pipeline._truth import Truth, simulated_truth_states, truth_states_at
from beltwatch.sensors import Scenario
from beltwatch.timescales import format_utc
from beltwatch.values import Event, EventKind

MANEUVER_TOLERANCE_S = 6 * 3600.0
TCA_TOLERANCE_S = 60.0


def new_object_truth(corr: Correlated) -> dict[int, int]:
    """New object number -> the truth object most of its observations came from."""
    table = corr.result.table
    assert table.truth_id is not None
    out = {}
    for o in corr.new:
        ids, counts = np.unique(table.truth_id[o.rows], return_counts=True)
        out[o.object_id] = int(ids[np.argmax(counts)])
    return out


def _percentiles(errors: np.ndarray) -> dict:
    if not errors.size:
        return {"objects": 0, "p50_km": None, "p90_km": None, "max_km": None}
    return {
        "objects": int(errors.size),
        "p50_km": round(float(np.percentile(errors, 50)), 4),
        "p90_km": round(float(np.percentile(errors, 90)), 4),
        "max_km": round(float(errors.max()), 4),
    }


def od_errors_km(truth: Truth, orbits: Orbits, mapping: dict[int, int]) -> dict[int, float]:
    """Position error (km) of each orbit at the common epoch against the truth object it
    belongs to (new objects through ``mapping``)."""
    if not orbits.at_epoch or orbits.common_epoch is None:
        return {}
    ids, states = truth_states_at(truth, orbits.common_epoch)
    index = {int(n): k for k, n in enumerate(ids)}
    out = {}
    for n, x in orbits.at_epoch.items():
        k = index.get(mapping.get(n, n))
        if k is not None:
            out[n] = float(np.linalg.norm(x[:3] - states[k, :3]))
    return out


def truth_tca(truth: Truth, sensors: Scenario) -> tuple[Time, float] | None:
    """(TCA, miss km) of the injected approach in the truth (1 s grid, +-1 h)."""
    a = truth.injected.approach
    if a is None:
        return None
    host = sensors.hosts[a["asset"]]
    grid = a["tca"] + TimeDelta(np.arange(-3600.0, 3601.0, 1.0), format="sec")
    part = next(p for p in truth.parts if a["norad_id"] in p.targets.norad_id)
    row = np.flatnonzero(part.targets.norad_id == a["norad_id"])
    x = simulated_truth_states(part.targets[row], truth.start, grid, part.seed)[0]
    r_host, _ = host.states_gcrs(grid)
    d = np.linalg.norm(x[:, :3] - r_host, axis=1)
    k = int(np.argmin(d))
    return grid[k], float(d[k])


def injected_found(
    truth: Truth, sensors: Scenario, events: list[Event], mapping: dict[int, int]
) -> dict:
    """For each injection: what was injected, the matching event (if any), found or not."""
    out: dict = {}
    inj = truth.injected
    if inj.maneuver is not None:
        m = inj.maneuver
        hits = [
            e for e in events
            if e.kind == EventKind.MANEUVER and m["norad_id"] in e.norad_ids
        ]  # fmt: skip
        errs = [abs(float((e.time - m["time"]).to_value("s"))) for e in hits]
        best = int(np.argmin(errs)) if errs else None
        out["maneuver"] = {
            "norad_id": m["norad_id"],
            "truth_utc": format_utc(m["time"]),
            "found_utc": None if best is None else format_utc(hits[best].time),
            "epoch_error_h": None if best is None else round(errs[best] / 3600.0, 3),
            "found": best is not None and errs[best] <= MANEUVER_TOLERANCE_S,
        }
    if inj.approach is not None:
        a = inj.approach
        t_tca = truth_tca(truth, sensors)
        assert t_tca is not None
        hits = [
            e for e in events
            if e.kind == EventKind.CONJUNCTION and a["norad_id"] in e.norad_ids
        ]  # fmt: skip
        errs = [abs(float((e.time - t_tca[0]).to_value("s"))) for e in hits]
        best = int(np.argmin(errs)) if errs else None
        out["close_approach"] = {
            "asset": a["asset"],
            "norad_id": a["norad_id"],
            "truth_tca_utc": format_utc(t_tca[0]),
            "truth_miss_km": round(t_tca[1], 4),
            "found_tca_utc": None if best is None else format_utc(hits[best].time),
            "tca_error_s": None if best is None else round(errs[best], 2),
            "found_miss_km": None
            if best is None
            else round(float(hits[best].figures["miss_distance_km"]), 4),
            "pc": None if best is None else hits[best].figures.get("pc"),
            "found": best is not None and errs[best] <= TCA_TOLERANCE_S,
        }
    if inj.new_object is not None:
        n = inj.new_object["norad_id"]
        found = [k for k, v in mapping.items() if v == n]
        out["new_object"] = {"norad_id": n, "found_as": found, "found": bool(found)}
    return out


def tagged_correctly(corr: Correlated) -> tuple[np.ndarray, np.ndarray]:
    """(tagged rows, whether each is tagged to the truth object it came from; new objects
    through their majority truth)."""
    table = corr.result.table
    assert table.truth_id is not None
    mapping = new_object_truth(corr)
    rows, ids = corr.tagged()
    expected = np.array([mapping.get(int(i), int(i)) for i in ids], dtype=np.int64)
    return rows, expected == table.truth_id[rows]


def frame_tagging(corr: Correlated) -> dict:
    """How the frame observations (ids ``frame:...``) were correlated: tagged, and tagged
    to the truth object they came from (new objects through their majority truth)."""
    table = corr.result.table
    is_frame = np.char.startswith(table.obs_id.astype(str), "frame:")
    rows, correct = tagged_correctly(corr)
    mine = is_frame[rows]
    correct = correct[mine]
    return {
        "observations_in_table": int(is_frame.sum()),
        "observations_tagged": int(mine.sum()),
        "correctly_tagged_fraction": round(float(correct.mean()), 5) if correct.size else None,
    }


def truth_section(
    truth: Truth, corr: Correlated, orbits: Orbits, events: list[Event], sensors: Scenario
) -> dict:
    table = corr.result.table
    assert table.truth_id is not None
    mapping = new_object_truth(corr)
    rows, correct = tagged_correctly(corr)
    observed = np.unique(table.truth_id)
    missing_observed = np.intersect1d(truth.missing, observed)
    found = np.intersect1d(missing_observed, list(mapping.values()))
    errors = od_errors_km(truth, orbits, mapping)
    family = {n: m.split(" (")[0] for n, m in orbits.method.items()}
    by_method = {
        m: _percentiles(np.array([e for n, e in errors.items() if family[n] == m]))
        for m in sorted(set(family.values()))
    }
    return {
        "truth_objects": len(truth.population),
        "objects_observed": int(observed.size),
        "observations": len(table),
        "observations_tagged": int(rows.size),
        "tagged_fraction": round(rows.size / max(len(table), 1), 5),
        "correctly_tagged_fraction": round(float(correct.mean()) if correct.size else 0.0, 5),
        "missing_from_catalog": int(truth.missing.size),
        "missing_observed": int(missing_observed.size),
        "new_objects_found": int(found.size),
        "new_objects_reported": len(mapping),
        "new_objects_false": int(sum(1 for v in mapping.values() if v not in truth.missing)),
        "od_common_epoch_utc": None
        if orbits.common_epoch is None
        else format_utc(orbits.common_epoch),
        "od_position_error": _percentiles(np.array(list(errors.values()))),
        "od_position_error_by_method": by_method,
        "injected": injected_found(truth, sensors, events, mapping),
        "_od_errors_km": errors,  # for the report; dropped from summary.json
    }
