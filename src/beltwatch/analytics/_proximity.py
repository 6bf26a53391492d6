"""Proximity and RPO watch: who comes within a distance of a protected asset, and how.

Candidates are found by the conjunction screening (assets = the one asset, threshold =
the watch radius: nothing that comes within the radius is missed, see ``_screening``).
For each object that does, its track relative to the asset is sampled (interpolated
SGP4, every ``step_s``) in the asset's RIC frame (radial, in-track, cross-track: R
along the asset's position, C along its orbit normal, I = C x R), giving the
closest approach (from the screening: TCA to 0.1 ms, distance from SGP4), when it
entered and left the watch sphere, the range rate at entry (the approach rate:
negative while closing) and the relative speed at closest approach.

Closely spaced objects: pairs of GEO objects within a distance for part of the window
(co-located satellites of one operator, docked servicers, inspectors), with the
fraction of the window they spend within it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.analytics._events import event_id, event_time
from beltwatch.analytics._screening import ScreeningOptions, screen_catalog
from beltwatch.catalog import Catalog
from beltwatch.errors import InputError
from beltwatch.propagation import InterpolatedEphemeris, Sgp4Propagator
from beltwatch.values import Event, EventKind, Markings

DEFAULT_WITHIN_KM = 50.0
TRACK_STEP_S = 60.0


def ric_axes(position_km: np.ndarray, velocity_km_s: np.ndarray) -> np.ndarray:
    """(..., 3, 3): rows R, I, C of the RIC frame of states (..., 3)."""
    r = position_km / np.linalg.norm(position_km, axis=-1, keepdims=True)
    c = np.cross(position_km, velocity_km_s)
    c /= np.linalg.norm(c, axis=-1, keepdims=True)
    return np.stack([r, np.cross(c, r), c], axis=-2)


@dataclass(frozen=True, eq=False)
class ProximityTrack:
    """One object near the asset: its RIC track (km) and the figures of its approach."""

    norad_id: int
    name: str
    offsets_s: np.ndarray
    ric_km: np.ndarray  # (m, 3)
    range_km: np.ndarray
    closest_time: Time
    closest_km: float
    relative_speed_km_s: float
    entry_time: Time | None
    exit_time: Time | None
    approach_rate_km_s: float
    minima: int
    identical: bool = False

    def summary(self) -> dict:
        return {
            "norad_id": self.norad_id,
            "name": self.name,
            "closest_approach_utc": event_time(self.closest_time),
            "closest_km": self.closest_km,
            "relative_speed_km_s": self.relative_speed_km_s,
            "approach_rate_km_s": self.approach_rate_km_s,
            "entry_utc": None if self.entry_time is None else event_time(self.entry_time),
            "exit_utc": None if self.exit_time is None else event_time(self.exit_time),
            "local_minima": self.minima,
        }


@dataclass(frozen=True, eq=False)
class ProximityResult:
    """Objects within ``within_km`` of the asset over the window."""

    asset_norad_id: int
    asset_name: str
    start: Time
    days: float
    within_km: float
    tracks: list[ProximityTrack] = field(default_factory=list)


def _crossings(offsets: np.ndarray, distance: np.ndarray, radius: float):
    """(entry offset or None, exit offset or None) of the first stay inside ``radius``."""
    inside = distance < radius
    if not inside.any():
        return None, None
    first = int(np.argmax(inside))
    entry = (
        None
        if first == 0
        else float(np.interp(radius, distance[[first, first - 1]], offsets[[first, first - 1]]))
    )
    after = np.flatnonzero(~inside[first:])
    if not after.size:
        return entry, None
    k = first + int(after[0])
    return entry, float(np.interp(radius, distance[[k - 1, k]], offsets[[k - 1, k]]))


def proximity_watch(
    catalog: Catalog,
    asset: int,
    *,
    start: Time | None = None,
    days: float = 7.0,
    within_km: float = DEFAULT_WITHIN_KM,
    propagator: Sgp4Propagator | None = None,
) -> ProximityResult:
    """Objects coming within ``within_km`` of catalog row ``asset`` in the window."""
    if not (np.isfinite(within_km) and within_km > 0):
        raise InputError(f"watch radius must be positive, got {within_km}", field="within-km")
    options = ScreeningOptions(threshold_km=within_km, days=days)
    result = screen_catalog(
        catalog, start=start, assets=np.array([asset]), options=options, propagator=propagator
    )
    t0 = result.start
    by_object: dict[int, list] = {}
    for a in result.approaches:
        other = a.index2 if a.index1 == asset else a.index1
        by_object.setdefault(other, []).append(a)
    tracks = []
    if by_object:
        rows = np.array([asset, *sorted(by_object)])
        window = result.stats["window_s"]
        eph = InterpolatedEphemeris.build(catalog[rows], t0, window, propagator=propagator)
        offsets = np.arange(0.0, window + 0.5 * TRACK_STEP_S, TRACK_STEP_S)
        r, v, ok = eph.grid(offsets)
        axes = ric_axes(r[0], v[0])  # (m, 3, 3)
        for k, row in enumerate(rows[1:], start=1):
            tracks.append(
                _track(catalog, row, by_object[row], t0, offsets, r, v, ok, axes, k, within_km)
            )
    tracks.sort(key=lambda t: t.closest_km)
    return ProximityResult(
        asset_norad_id=int(catalog.norad_id[asset]),
        asset_name=str(catalog.name[asset]).strip(),
        start=t0,
        days=days,
        within_km=within_km,
        tracks=tracks,
    )


def _track(catalog, row, approaches, t0, offsets, r, v, ok, axes, k, within_km):
    rel = r[k] - r[0]
    rel_v = v[k] - v[0]
    valid = ok[0] & ok[k]
    ric = np.einsum("mij,mj->mi", axes, rel)
    ric[~valid] = np.nan
    distance = np.linalg.norm(rel, axis=1)
    distance[~valid] = np.inf
    entry, exit_ = _crossings(offsets, distance, within_km)
    at = 0 if entry is None else int(np.searchsorted(offsets, entry))
    at = min(at, offsets.size - 1)
    rate = float(np.dot(rel[at], rel_v[at]) / max(np.linalg.norm(rel[at]), 1e-12))
    best = min(approaches, key=lambda a: a.miss_km)
    return ProximityTrack(
        norad_id=int(catalog.norad_id[row]),
        name=str(catalog.name[row]).strip(),
        offsets_s=offsets,
        ric_km=ric,
        range_km=np.where(np.isfinite(distance), distance, np.nan),
        closest_time=best.tca,
        closest_km=float(best.miss_km),
        relative_speed_km_s=float(best.relative_speed_km_s),
        entry_time=None if entry is None else t0 + TimeDelta(entry, format="sec"),
        exit_time=None if exit_ is None else t0 + TimeDelta(exit_, format="sec"),
        approach_rate_km_s=rate,
        minima=len(approaches),
        identical=any(a.identical for a in approaches),
    )


def proximity_events(result: ProximityResult, markings: Markings) -> list[Event]:
    """A PROXIMITY event per object that came within the watch radius."""
    events = []
    for t in result.tracks:
        events.append(
            Event(
                event_id=event_id(
                    EventKind.PROXIMITY, [result.asset_norad_id, t.norad_id], t.closest_time
                ),
                kind=EventKind.PROXIMITY,
                norad_ids=(result.asset_norad_id, t.norad_id),
                time=t.closest_time,
                markings=markings,
                figures={
                    "closest_km": t.closest_km,
                    "relative_speed_km_s": t.relative_speed_km_s,
                    "approach_rate_km_s": t.approach_rate_km_s,
                    "within_km": result.within_km,
                },
                evidence={
                    **t.summary(),
                    "asset": result.asset_name,
                    "identical_element_sets": t.identical,
                },
                summary=(
                    f"{t.name or t.norad_id} within {t.closest_km:.2f} km of "
                    f"{result.asset_name} at {event_time(t.closest_time)}"
                ),
            )
        )
    return events


@dataclass(frozen=True)
class ClosePair:
    """Two objects within ``within_km`` for ``fraction`` of the window; closest distance."""

    index1: int
    index2: int
    closest_km: float
    fraction: float


def closely_spaced_pairs(
    catalog: Catalog,
    *,
    start: Time | None = None,
    days: float = 1.0,
    within_km: float = DEFAULT_WITHIN_KM,
    step_s: float = 600.0,
    propagator: Sgp4Propagator | None = None,
) -> list[ClosePair]:
    """Pairs of objects closer than ``within_km`` at some time of the window (screening),
    with the fraction of sampled times (every ``step_s``) they are."""
    options = ScreeningOptions(threshold_km=within_km, days=days)
    result = screen_catalog(catalog, start=start, options=options, propagator=propagator)
    pairs = sorted({(a.index1, a.index2) for a in result.approaches})
    if not pairs:
        return []
    closest: dict[tuple[int, int], float] = {}
    for a in result.approaches:
        key = (a.index1, a.index2)
        closest[key] = min(closest.get(key, np.inf), a.miss_km)
    rows = np.unique(np.array(pairs).ravel())
    eph = InterpolatedEphemeris.build(
        catalog[rows], result.start, result.stats["window_s"], propagator=propagator
    )
    offsets = np.arange(0.0, result.stats["window_s"] + 0.5 * step_s, step_s)
    r, _, ok = eph.grid(offsets)
    where = {int(x): n for n, x in enumerate(rows)}
    out = []
    for i, j in pairs:
        d = np.linalg.norm(r[where[j]] - r[where[i]], axis=1)
        good = ok[where[i]] & ok[where[j]]
        fraction = float(np.mean(d[good] < within_km)) if good.any() else 0.0
        out.append(ClosePair(int(i), int(j), float(closest[(i, j)]), fraction))
    out.sort(key=lambda p: (-p.fraction, p.closest_km))
    return out
