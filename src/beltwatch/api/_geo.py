"""Earth-fixed longitudes of released orbits and element sets, and where on the belt a
sensor's released observations looked (for the belt chart and coverage)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from beltwatch.catalog import Catalog
from beltwatch.constants import GEO_RADIUS_KM
from beltwatch.frames import transform_states, unit_vector_from_radec
from beltwatch.propagation import propagate_rows_teme
from beltwatch.timescales import stack_utc
from beltwatch.values import ElementSet, Observation, OrbitState


def _longitude_deg(itrs_km: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(itrs_km[..., 1], itrs_km[..., 0]))


def orbit_longitudes_deg(states: Sequence[OrbitState]) -> list[float | None]:
    """Sub-satellite longitude (deg east, [-180, 180]) of each state at its epoch."""
    out: list[float | None] = [None] * len(states)
    by_frame: dict[str, list[int]] = {}
    for i, s in enumerate(states):
        by_frame.setdefault(s.frame, []).append(i)
    for frame, rows in by_frame.items():
        times = stack_utc([states[i].epoch for i in rows])
        r = np.array([states[i].position_km for i in rows], dtype=float)
        v = np.array([states[i].velocity_km_s for i in rows], dtype=float)
        try:
            itrs, _ = transform_states(r, v, times, frame, "itrs")
        except Exception:  # an unknown frame: no longitude, the record still shows
            continue
        for i, lon in zip(rows, _longitude_deg(itrs), strict=True):
            out[i] = float(lon) if np.isfinite(lon) else None
    return out


def element_longitudes_deg(sets: Sequence[ElementSet]) -> list[float | None]:
    """Sub-satellite longitude (deg east) of each element set at its epoch (SGP4)."""
    if not sets:
        return []
    catalog = Catalog.from_element_sets(list(sets))
    error, r, v = propagate_rows_teme(catalog, catalog.epoch)
    itrs, _ = transform_states(r[:, 0, :], v[:, 0, :], catalog.epoch, "teme", "itrs")
    lon = _longitude_deg(itrs)
    return [
        float(x) if e == 0 and np.isfinite(x) else None
        for x, e in zip(lon, error[:, 0], strict=True)
    ]


def belt_longitudes_deg(observations: Sequence[Observation]) -> np.ndarray:
    """Earth-fixed longitude (deg) where each observation's line of sight crosses the GEO
    radius (NaN where it does not, or where the observer's position was withheld)."""
    if not observations:
        return np.zeros(0)
    origin = np.array([o.observer_position_km for o in observations], dtype=float)
    ra = np.array([o.ra_rad for o in observations])
    dec = np.array([o.dec_rad for o in observations])
    u = unit_vector_from_radec(ra, dec)
    # |origin + s u| = R: s = -(o.u) + sqrt((o.u)^2 - |o|^2 + R^2), the far root.
    ou = np.sum(origin * u, axis=1)
    disc = ou**2 - np.sum(origin * origin, axis=1) + GEO_RADIUS_KM**2
    with np.errstate(invalid="ignore"):
        s = -ou + np.sqrt(disc)
    point = origin + s[:, None] * u
    good = np.all(np.isfinite(point), axis=1) & (s > 0)
    out = np.full(len(observations), np.nan)
    if np.any(good):
        idx = np.flatnonzero(good)
        times = stack_utc([observations[int(i)].time for i in idx])
        itrs, _ = transform_states(point[idx], np.zeros((idx.size, 3)), times, "gcrs", "itrs")
        out[idx] = _longitude_deg(itrs)
    return out
