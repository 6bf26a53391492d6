"""Pattern of life of GEO objects from their element-set histories, and departures from it.

Per object: where it lives (slot: median Earth-fixed mean longitude; box: half the
longitude range), how it moves (drift: robust slope of longitude over the history;
inclination and its trend), what it does (maneuvers by type, station-keeping cadence)
and a status:

* ``station-kept``: maneuvers seen, or no drift and an inclination held below
  :data:`NS_KEPT_INCLINATION_DEG` (only north-south station keeping holds that), in a
  box narrower than :data:`KEPT_BOX_DEG`;
* ``relocating``: maneuvers and a drift above :data:`KEPT_DRIFT_DEG_PER_DAY`;
* ``drifting``: no maneuvers, drift above that;
* ``inclined``: inclination above :data:`INCLINED_DEG` (IGSO, or uncontrolled), not
  drifting and not station-kept by the rules above;
* ``inactive``: none of those (no maneuvers, slow drift, inclination not held: a dead
  satellite librating about a stable point, or a kept one resting between burns).

Anomalies (``STATUS_CHANGE`` events): a kept object that started drifting (a relocation
start, or a drift above the threshold in its last day while its first days were kept),
one that stopped, and a drifting or relocating object that moved into within
:data:`NEIGHBOUR_DEG` of a station-kept object's slot it was not near at the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from beltwatch.analytics._events import event_id
from beltwatch.analytics._history import is_geo
from beltwatch.analytics._maneuvers import (
    KEPT_DRIFT_DEG_PER_DAY,
    ManeuverAnalysis,
)
from beltwatch.constants import J2000_JD
from beltwatch.values import Event, EventKind, Markings

NS_KEPT_INCLINATION_DEG = 0.15
KEPT_BOX_DEG = 0.5
INCLINED_DEG = 2.0
NEIGHBOUR_DEG = 0.1
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class ObjectPattern:
    """The pattern of life of one object over its history."""

    norad_id: int
    name: str
    status: str
    geo: bool
    slot_longitude_deg: float
    box_half_width_deg: float
    drift_deg_per_day: float
    inclination_deg: float
    inclination_trend_deg_per_year: float
    maneuvers: dict[str, int]
    station_keeping_cadence_days: float | None
    first_longitude_deg: float
    last_longitude_deg: float
    span_days: float
    anomalies: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "norad_id": self.norad_id,
            "name": self.name,
            "status": self.status,
            "geo": self.geo,
            "slot_longitude_deg": round(self.slot_longitude_deg, 4),
            "box_half_width_deg": round(self.box_half_width_deg, 4),
            "drift_deg_per_day": round(self.drift_deg_per_day, 5),
            "inclination_deg": round(self.inclination_deg, 4),
            "inclination_trend_deg_per_year": round(self.inclination_trend_deg_per_year, 3),
            "maneuvers": self.maneuvers,
            "station_keeping_cadence_days": None
            if self.station_keeping_cadence_days is None
            else round(self.station_keeping_cadence_days, 2),
            "span_days": round(self.span_days, 2),
            "anomalies": list(self.anomalies),
        }


def _wrap_deg(x):
    """Degrees into [-180, 180) (scalars or arrays)."""
    return np.mod(x + 180.0, 360.0) - 180.0


def _robust_slope(t: np.ndarray, y: np.ndarray) -> float:
    """Theil-Sen slope (median of pairwise slopes); 0 for fewer than two points."""
    if t.size < 2:
        return 0.0
    i, j = np.triu_indices(t.size, 1)
    dt = t[j] - t[i]
    keep = dt > 1e-6
    return float(np.median((y[j] - y[i])[keep] / dt[keep])) if keep.any() else 0.0


def _status(drift: float, box: float, inclination: float, maneuvers: int, geo: bool) -> str:
    if not geo:
        return "not-geo"
    if maneuvers and abs(drift) >= KEPT_DRIFT_DEG_PER_DAY:
        return "relocating"
    if abs(drift) >= KEPT_DRIFT_DEG_PER_DAY:
        return "drifting"
    if box <= KEPT_BOX_DEG and (maneuvers or inclination < NS_KEPT_INCLINATION_DEG):
        return "station-kept"
    if inclination > INCLINED_DEG:
        return "inclined"
    return "inactive"


def pattern_of_life(analysis: ManeuverAnalysis) -> list[ObjectPattern]:
    """One :class:`ObjectPattern` per object of the analysed history."""
    sets = analysis.sets
    epoch = sets.epoch.utc
    day = (epoch.jd1 - J2000_JD) + epoch.jd2
    geo = is_geo(sets.catalog)
    by_object: dict[int, list] = {}
    for m in analysis.maneuvers:
        by_object.setdefault(m.norad_id, []).append(m)
    out = []
    for norad in np.unique(sets.norad_id):
        rows = np.flatnonzero((sets.norad_id == norad) & sets.valid)
        if not rows.size:
            continue
        t = day[rows] - day[rows[0]]
        lon = np.degrees(np.unwrap(np.radians(sets.longitude_deg[rows])))
        slot = float(_wrap_deg(np.median(lon)))
        incl = sets.inclination_deg[rows]
        found = by_object.get(int(norad), [])
        kinds: dict[str, int] = {}
        for m in found:
            kinds[m.kind] = kinds.get(m.kind, 0) + 1
        times = sorted(day[m.row_before] + m.epoch_offset_s / 86400.0 for m in found)
        cadence = float(np.median(np.diff(times))) if len(times) >= 2 else None
        drift = _robust_slope(t, lon)
        box = float(0.5 * np.ptp(lon))
        inclination = float(np.median(incl))
        out.append(
            ObjectPattern(
                norad_id=int(norad),
                name=str(sets.catalog.name[rows[0]]).strip(),
                status=_status(drift, box, inclination, len(found), bool(geo[rows[0]])),
                geo=bool(geo[rows[0]]),
                slot_longitude_deg=slot,
                box_half_width_deg=box,
                drift_deg_per_day=drift,
                inclination_deg=inclination,
                inclination_trend_deg_per_year=_robust_slope(t, incl) * DAYS_PER_YEAR,
                maneuvers=kinds,
                station_keeping_cadence_days=cadence,
                first_longitude_deg=float(_wrap_deg(lon[0])),
                last_longitude_deg=float(_wrap_deg(lon[-1])),
                span_days=float(t[-1]) if t.size else 0.0,
            )
        )
    _anomalies(out, analysis)
    return out


def _anomalies(patterns: list[ObjectPattern], analysis: ManeuverAnalysis) -> None:
    """Fill each pattern's anomalies: started or stopped drifting, arriving at a slot."""
    kinds = {
        p.norad_id: {m.kind for m in analysis.maneuvers if m.norad_id == p.norad_id}
        for p in patterns
    }
    kept = [p for p in patterns if p.status == "station-kept"]
    for p in patterns:
        if not p.geo:
            continue
        if "relocation-start" in kinds[p.norad_id]:
            p.anomalies.append("started drifting (relocation start)")
        if "relocation-stop" in kinds[p.norad_id]:
            p.anomalies.append("stopped drifting (relocation stop)")
        moved = abs(_wrap_deg(p.last_longitude_deg - p.first_longitude_deg))
        if p.status not in ("drifting", "relocating") or moved < 4 * NEIGHBOUR_DEG:
            continue
        for other in kept:
            if other.norad_id == p.norad_id:
                continue
            near_end = abs(_wrap_deg(p.last_longitude_deg - other.slot_longitude_deg))
            near_start = abs(_wrap_deg(p.first_longitude_deg - other.slot_longitude_deg))
            if near_end < NEIGHBOUR_DEG <= near_start:
                p.anomalies.append(
                    f"arrived within {NEIGHBOUR_DEG} deg of {other.name or other.norad_id} "
                    f"({other.norad_id}) slot at {other.slot_longitude_deg:.2f} E"
                )


def status_events(
    patterns: list[ObjectPattern], analysis: ManeuverAnalysis, markings: Markings
) -> list[Event]:
    """A STATUS_CHANGE event per anomaly, at the end of the object's history."""
    sets = analysis.sets
    events = []
    for p in patterns:
        if not p.anomalies:
            continue
        rows = np.flatnonzero(sets.norad_id == p.norad_id)
        when = sets.epoch[int(rows[-1])]
        events.append(
            Event(
                event_id=event_id(EventKind.STATUS_CHANGE, [p.norad_id], when),
                kind=EventKind.STATUS_CHANGE,
                norad_ids=(p.norad_id,),
                time=when,
                markings=markings,
                figures={
                    "drift_deg_per_day": p.drift_deg_per_day,
                    "slot_longitude_deg": p.slot_longitude_deg,
                    "last_longitude_deg": p.last_longitude_deg,
                },
                evidence={"status": p.status, "anomalies": list(p.anomalies)},
                summary=f"{p.name or p.norad_id}: " + "; ".join(p.anomalies),
            )
        )
    return events
