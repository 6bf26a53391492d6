"""Maneuver events from our own orbit determination (no second detector: the OD finds them).

* Batch least squares with the maneuver solve-for (``BatchOptions.maneuver_time``)
  estimates the delta-v (GCRS) and its covariance: an event when its size exceeds
  ``min_sigma`` standard deviations along its direction; split into RTN at the burn
  when a propagator is given.
* The extended Kalman filter rejects a row whose normalised innovation squared (NIS)
  exceeds its chi-square gate: a run of ``min_run`` consecutive rejections of one
  object is the signature of an unmodelled maneuver; the event is at the first of them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from astropy.time import Time

from beltwatch.analytics._events import event_id
from beltwatch.orbit_determination import FilterResult, MeasurementSet, OrbitEstimate
from beltwatch.propagation import NumericalPropagator
from beltwatch.values import Event, EventKind, Markings


def _rtn(position_km: np.ndarray, velocity_km_s: np.ndarray) -> np.ndarray:
    radial = position_km / np.linalg.norm(position_km)
    normal = np.cross(position_km, velocity_km_s)
    normal = normal / np.linalg.norm(normal)
    return np.vstack([radial, np.cross(normal, radial), normal])


def maneuver_event_from_estimate(
    estimate: OrbitEstimate,
    maneuver_time: Time,
    markings: Markings,
    *,
    norad_id: int | None = None,
    propagator: NumericalPropagator | None = None,
    min_sigma: float = 3.0,
) -> Event | None:
    """The maneuver a batch-LS fit with the solve-for estimated, or None when insignificant."""
    dv = estimate.maneuver_dv_km_s
    cov = estimate.maneuver_covariance
    if dv is None or cov is None:
        return None
    size = float(np.linalg.norm(dv))
    direction = dv / size if size > 0 else np.array([1.0, 0.0, 0.0])
    sigma = float(np.sqrt(max(direction @ cov @ direction, 0.0)))
    if size <= min_sigma * sigma:
        return None
    norad = norad_id if norad_id is not None else (estimate.orbit.norad_id or -1)
    evidence: dict = {
        "type": "solved-for (batch least squares)",
        "delta_v_gcrs_m_s": (dv * 1000.0).tolist(),
        "delta_v_sigma_ratio": round(size / sigma, 1) if sigma > 0 else None,
        "fit_rms_weighted": estimate.rms_weighted,
    }
    if propagator is not None:
        state = replace(estimate.orbit, covariance=None)  # only the trajectory is needed
        at_burn = propagator.propagate_state(state, maneuver_time)
        rtn = _rtn(at_burn.position_km, at_burn.velocity_km_s) @ dv * 1000.0
        evidence["delta_v_rtn_m_s"] = rtn.tolist()
        largest = int(np.argmax(np.abs(rtn)))
        evidence["type"] = ("radial", "east-west", "north-south")[largest]
    return Event(
        event_id=event_id(EventKind.MANEUVER, [norad], maneuver_time),
        kind=EventKind.MANEUVER,
        norad_ids=(norad,),
        time=maneuver_time,
        markings=markings,
        figures={"delta_v_m_s": size * 1000.0, "delta_v_sigma_m_s": sigma * 1000.0},
        evidence=evidence,
        summary=f"{norad}: maneuver of {size * 1000:.3f} +- {sigma * 1000:.3f} m/s (OD solve-for)",
    )


def maneuver_events_from_filter(
    result: FilterResult,
    measurements: MeasurementSet,
    markings: Markings,
    norad_ids: np.ndarray,
    *,
    min_run: int = 3,
) -> list[Event]:
    """Events where an object's filter rejected ``min_run`` or more rows in a row."""
    events = []
    times = measurements.times
    for obj in np.unique(measurements.object_index):
        rows = np.flatnonzero(measurements.object_index == obj)
        rows = rows[np.argsort(times[rows].jd)]
        rejected = ~result.accepted[rows] & np.isfinite(result.nis[rows])
        run_start, run = None, 0
        for k, bad in enumerate(np.append(rejected, False)):
            if bad:
                run_start = k if run == 0 else run_start
                run += 1
                continue
            if run >= min_run and run_start is not None:
                first = int(rows[run_start])
                norad = int(norad_ids[obj])
                nis = result.nis[rows[run_start : run_start + run]]
                events.append(
                    Event(
                        event_id=event_id(EventKind.MANEUVER, [norad], times[first]),
                        kind=EventKind.MANEUVER,
                        norad_ids=(norad,),
                        time=times[first],
                        markings=markings,
                        figures={"rejected_rows": float(run), "median_nis": float(np.median(nis))},
                        evidence={
                            "type": "unmodelled (filter innovations)",
                            "nis": [round(float(x), 1) for x in nis],
                        },
                        summary=f"{norad}: {run} observations in a row outside the filter's gate",
                    )
                )
            run = 0
    return events
