"""A conjunction from two estimated orbits (OPM states with covariances, e.g. from ``od``).

Both states are propagated numerically (``ForceModel.geo_default`` unless given) over
the search span after the later epoch; the closest sample on a ``step_s`` grid is
refined on a 0.5 s grid around it and then by a parabola through the three closest
samples (the squared distance is quadratic in time near a rectilinear closest
approach). The covariances are carried to TCA by the state transition matrix.
The grid step bounds what can be missed: an approach shorter than the step can fall
between samples, so the default 60 s is meant for GEO pairs (relative speeds below
~1 km/s cross a 60 km neighbourhood in more than a minute).
"""

from __future__ import annotations

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.errors import InputError
from beltwatch.formats import ConjunctionEvent
from beltwatch.propagation import ForceModel, NumericalPropagator
from beltwatch.values import Markings, OrbitState

FINE_STEP_S = 0.5


def _distances(
    propagator: NumericalPropagator, states: list[OrbitState], times: Time
) -> np.ndarray:
    eph = propagator.ephemeris(states, times)
    return np.linalg.norm(eph.position_km[1] - eph.position_km[0], axis=-1)


def _parabola_vertex(offsets: np.ndarray, d2: np.ndarray, k: int) -> float:
    k = int(np.clip(k, 1, len(offsets) - 2))
    h = offsets[k + 1] - offsets[k]
    left, mid, right = d2[k - 1], d2[k], d2[k + 1]
    curvature = left - 2 * mid + right
    if curvature <= 0:
        return float(offsets[k])
    return float(offsets[k] + 0.5 * h * (left - right) / curvature)


def closest_approach(
    state1: OrbitState,
    state2: OrbitState,
    *,
    days: float = 7.0,
    step_s: float = 60.0,
    propagator: NumericalPropagator | None = None,
) -> Time:
    """Time of the closest approach of two orbits within ``days`` after the later epoch."""
    if not (days > 0 and step_s > 0):
        raise InputError("search span and step must be positive", field="days")
    prop = propagator or NumericalPropagator(ForceModel.geo_default())
    epochs = Time([state1.epoch.utc, state2.epoch.utc])
    start = epochs[int(np.argmax(epochs.jd))]
    coarse = np.arange(0.0, days * 86400.0 + step_s, step_s)
    d = _distances(prop, [state1, state2], start + TimeDelta(coarse, format="sec"))
    k = int(np.argmin(d))
    fine = np.arange(coarse[k] - step_s, coarse[k] + step_s + FINE_STEP_S, FINE_STEP_S)
    fine = fine[(fine >= 0) & (fine <= coarse[-1])]
    d_fine = _distances(prop, [state1, state2], start + TimeDelta(fine, format="sec"))
    tca_s = _parabola_vertex(fine, d_fine**2, int(np.argmin(d_fine)))
    return start + TimeDelta(tca_s, format="sec")


def conjunction_from_orbits(
    state1: OrbitState,
    state2: OrbitState,
    markings: Markings,
    *,
    days: float = 7.0,
    step_s: float = 60.0,
    names: tuple[str, str] = ("UNKNOWN", "UNKNOWN"),
    propagator: NumericalPropagator | None = None,
) -> ConjunctionEvent:
    """The conjunction of two orbits at their closest approach, covariances mapped to TCA."""
    prop = propagator or NumericalPropagator(ForceModel.geo_default())
    tca = closest_approach(state1, state2, days=days, step_s=step_s, propagator=prop)
    at_tca = [prop.propagate_state(s, tca) for s in (state1, state2)]
    miss = float(np.linalg.norm(at_tca[1].position_km - at_tca[0].position_km))
    ids = "-".join(str(s.norad_id) for s in at_tca)
    return ConjunctionEvent(
        event_id=f"conjunction-{ids}-{tca.utc.strftime('%Y%m%dT%H%M%S')}Z",
        tca=tca,
        miss_distance_km=miss,
        object1=at_tca[0],
        object2=at_tca[1],
        markings=markings,
        object1_name=names[0],
        object2_name=names[1],
    )
