"""The fits the run publishes: the publication gate, the batch options, a gated fit, and
orbits carried to given times (shared by the orbit stage and the maneuver recheck)."""

from __future__ import annotations

import numpy as np
from astropy.time import Time

from beltwatch.orbit_determination import (
    BatchOptions,
    ConsistencyGate,
    MeasurementSet,
    OrbitEstimate,
    OrbitPrior,
    fit_object,
    od_propagator,
)
from beltwatch.values import OrbitState

PUBLISH_MAX_POSITION_SIGMA_KM = 10.0  # above: the arc cannot serve the catalog
PUBLISH_GATE = ConsistencyGate(max_position_sigma_km=PUBLISH_MAX_POSITION_SIGMA_KM)
# Day-long batch fits solve for C_R: without it a fit to an object whose C_R differs from
# the nominal one is overconfident (see _orbits.batch_refits).
FIT_OPTIONS = BatchOptions(estimate_cr=True)


def gated_fit(
    meas: MeasurementSet, prior: OrbitPrior, options: BatchOptions | None = None
) -> tuple[OrbitEstimate | None, str, str]:
    """``fit_object`` through ``PUBLISH_GATE``: (estimate or None, its start, why not); a
    degenerate IOD arc (LinAlgError) is a failure with that reason, not an exception."""
    try:
        est, source, failure = fit_object(meas, prior, od_propagator(), options, PUBLISH_GATE)
    except np.linalg.LinAlgError as exc:
        return None, "", f"orbit determination failed: {exc}"
    return est, source, "" if failure is None else str(failure)


def states_at(states: list[OrbitState], times: Time) -> np.ndarray:
    """(n, m, 6) GCRS states at ``times`` (one vectorised propagation per distinct epoch)."""
    prop = od_propagator()
    out = np.full((len(states), len(times), 6), np.nan)
    epochs = np.array([s.epoch.tai.jd1 + s.epoch.tai.jd2 for s in states])
    for e in np.unique(epochs):
        idx = np.flatnonzero(epochs == e)
        x0 = np.array(
            [np.concatenate([states[i].position_km, states[i].velocity_km_s]) for i in idx]
        )
        x, _ = prop.propagate(states[idx[0]].epoch, x0, times)
        out[idx] = x
    return out
