"""Coverage of a catalog by scheduled sensors: who was observed when, revisits, what limited it.

An optical pointing observes every catalog object inside its field (a square
field aligned with the GCRS north direction, gnomonic projection) that is
visible (flags == 0: geometry, exclusions, illumination, SNR) at that time. A
radar dwell observes its one target if visible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.catalog import Catalog
from beltwatch.frames import tangent_plane_basis, transform_states
from beltwatch.propagation import Ephemeris, Sgp4Propagator
from beltwatch.sensors import (
    FLAGS,
    Scenario,
    Sensor,
    Visibility,
    evaluate_visibility,
    observer_context,
)
from beltwatch.sensors import sensor_visibility as _sensor_visibility
from beltwatch.tasking._scheduler import FOLLOWUP, Schedule, direction_at, schedule, time_major
from beltwatch.tasking._survey import belt_tiles
from beltwatch.timescales import time_grid

# Why an object was never observed, tested in this order (the first that explains it).
LIMIT_GROUPS: dict[str, int] = {
    "no_ephemeris": FLAGS["invalid"],  # propagation failed, or the object is the host itself
    "earth_blockage": FLAGS["occulted"] | FLAGS["earth_limb"] | FLAGS["elevation"],
    "range": FLAGS["range"],
    "field_of_regard": FLAGS["field_of_regard"],
    "sun_moon_exclusion": FLAGS["sun"] | FLAGS["moon"] | FLAGS["daylight"],
    "eclipse": FLAGS["eclipsed"],
    "magnitude": FLAGS["faint"],
}


def in_field(los: np.ndarray, boresight: np.ndarray, half_width_rad: float, half_height_rad: float):
    """True where unit vectors ``los`` (..., 3) fall in a square field around ``boresight`` (3,).

    Field axes: x toward increasing RA (east), y toward the GCRS north pole, gnomonic projection.
    """
    b = boresight / np.linalg.norm(boresight)
    x, y = tangent_plane_basis(b)
    depth = los @ b
    with np.errstate(divide="ignore", invalid="ignore"):
        u, v = (los @ x) / depth, (los @ y) / depth
    return (
        (depth > 0) & (np.abs(u) <= np.tan(half_width_rad)) & (np.abs(v) <= np.tan(half_height_rad))
    )


def observed_times(
    sensor: Sensor, plan: Schedule, vis: Visibility, grid_s: np.ndarray
) -> list[np.ndarray]:
    """Per catalog object (rows of ``vis``), the pointing mid-times (s) at which it was seen."""
    n = vis.flags.shape[0]
    seen: list[list[float]] = [[] for _ in range(n)]
    if not len(plan):
        return [np.zeros(0) for _ in range(n)]
    mids = plan.mid_s
    nearest = np.clip(
        np.rint(np.interp(mids, grid_s, np.arange(grid_s.size))).astype(int), 0, grid_s.size - 1
    )
    visible = np.ascontiguousarray((vis.flags == 0).T)  # (m, n)
    index_of = {int(k): i for i, k in enumerate(vis.norad_id)}
    fov = sensor.instrument.field_of_view_rad
    if fov is None:  # one target per pointing (radar): the dwell's own target
        for k in range(len(plan)):
            i = index_of.get(int(plan.norad_id[k]))
            if i is not None and visible[nearest[k], i]:
                seen[i].append(float(mids[k]))
        return [np.array(s) for s in seen]
    half_w, half_h = fov[0] / 2.0, fov[1] / 2.0
    los_tm = time_major(vis.los_unit_gcrs)
    for k in range(len(plan)):
        candidates = np.flatnonzero(visible[nearest[k]])
        if not candidates.size:
            continue
        los = direction_at(los_tm, grid_s, float(mids[k]), candidates)
        for i in candidates[in_field(los, plan.direction_gcrs[k], half_w, half_h)]:
            seen[i].append(float(mids[k]))
    return [np.array(s) for s in seen]


def revisit_intervals_h(times: list[np.ndarray], min_gap_s: float = 600.0) -> np.ndarray:
    """All intervals (h) between consecutive observations of each object.

    Observations closer than ``min_gap_s`` belong to one visit (a tracklet).
    """
    out = []
    for t in times:
        if t.size < 2:
            continue
        t = np.sort(t)
        visits = t[np.r_[True, np.diff(t) >= min_gap_s]]
        out.append(np.diff(visits) / 3600.0)
    return np.concatenate(out) if out else np.zeros(0)


def limiting_reason(flags: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Per object, why it was not observed: the first group in LIMIT_GROUPS that fails at every
    epoch where the earlier groups pass; 'scheduling' if it was visible but not pointed at."""
    out = np.full(flags.shape[0], "observed", dtype=object)
    remaining = np.ones(flags.shape, dtype=bool)
    explained = observed.copy()
    for name, bits in LIMIT_GROUPS.items():
        passes = remaining & ((flags & bits) == 0)
        blocked = ~explained & ~passes.any(axis=1)
        out[blocked] = name
        explained |= blocked
        remaining = passes
    out[~explained] = "scheduling"
    return out


@dataclass(frozen=True, eq=False)
class SensorCoverage:
    sensor_id: str
    plan: Schedule
    visibility: Visibility
    times_seen_s: list[np.ndarray]

    @property
    def observed(self) -> np.ndarray:
        return np.array([t.size > 0 for t in self.times_seen_s])


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Coverage of ``norad_id`` over ``hours`` from ``start`` by each sensor and all together."""

    start: Time
    hours: float
    norad_id: np.ndarray
    longitude_rad: np.ndarray  # mean sub-satellite longitude over the window (ITRS)
    inclination_rad: np.ndarray
    per_sensor: dict[str, SensorCoverage] = field(default_factory=dict)

    def combined_times(self, sensor_ids: list[str] | None = None) -> list[np.ndarray]:
        ids = list(self.per_sensor) if sensor_ids is None else sensor_ids
        n = self.norad_id.size
        return [
            np.sort(
                np.concatenate([self.per_sensor[s].times_seen_s[i] for s in ids] + [np.zeros(0)])
            )
            for i in range(n)
        ]

    def summary(self) -> dict:
        """Figures as plain JSON-ready values."""

        def figures(times: list[np.ndarray]) -> dict:
            observed = np.array([t.size > 0 for t in times])
            revisits = revisit_intervals_h(times)
            return {
                "objects_observed": int(observed.sum()),
                "fraction_observed": round(float(observed.mean()), 4) if observed.size else 0.0,
                "median_revisit_h": round(float(np.median(revisits)), 3) if revisits.size else None,
                "revisit_intervals": int(revisits.size),
            }

        per_sensor = {}
        for sid, cov in self.per_sensor.items():
            reasons = limiting_reason(cov.visibility.flags, cov.observed)
            values, counts = np.unique(reasons[reasons != "observed"], return_counts=True)
            per_sensor[sid] = {
                **figures(cov.times_seen_s),
                "pointings": len(cov.plan),
                "survey_pointings": cov.plan.count("survey"),
                "followup_pointings": cov.plan.count(FOLLOWUP),
                "not_observed_because": {
                    str(v): int(c) for v, c in zip(values, counts, strict=True)
                },
                # Share of object-epochs failing each constraint (several may fail at once).
                "epochs_failing": {
                    k: round(c / cov.visibility.flags.size, 4)
                    for k, c in cov.visibility.reason_counts().items()
                    if c
                },
                "epochs_visible": round(float(cov.visibility.visible.mean()), 4),
            }
        combined = figures(self.combined_times())
        return {
            "start_utc": self.start.utc.isot + "Z",
            "hours": self.hours,
            "objects_total": int(self.norad_id.size),
            **{k: v for k, v in combined.items() if k != "revisit_intervals"},
            "per_sensor": per_sensor,
        }


def _tile_visibility(sensor: Sensor, tiles, times: Time, context) -> Visibility:
    r = tiles.positions_gcrs_km(times)
    itrs = np.broadcast_to(tiles.position_itrs_km[:, None, :], r.shape).copy()
    _, v = transform_states(itrs, np.zeros_like(itrs), times, "itrs", "gcrs")
    return evaluate_visibility(sensor, r, v, context)


def run_coverage(
    scenario: Scenario,
    catalog: Catalog,
    start: Time,
    hours: float = 24.0,
    step_s: float = 60.0,
    followup_norad_ids: list[int] | None = None,
    ephemeris: Ephemeris | None = None,
) -> CoverageResult:
    """Schedule every sensor of ``scenario`` over ``hours`` and measure catalog coverage.

    Optical sensors survey the belt and follow ``followup_norad_ids``; radars
    keep custody of the whole catalog (each dwell one object, stalest first).
    """
    times = time_grid(start, start + TimeDelta(hours * 3600.0, format="sec"), step_s)
    grid_s = np.asarray((times - times[0]).to_value("sec"), dtype=float)
    eph = ephemeris if ephemeris is not None else Sgp4Propagator().propagate(catalog, times, "gcrs")
    itrs, _ = transform_states(eph.position_km, eph.velocity_km_s, times, eph.frame, "itrs")
    lon = np.angle(np.nanmean(np.exp(1j * np.arctan2(itrs[..., 1], itrs[..., 0])), axis=1))
    result = CoverageResult(
        start, hours, eph.norad_id, np.mod(lon, 2 * np.pi), catalog.inclination_rad.copy()
    )
    follow = set(followup_norad_ids or [])
    photometry = scenario.photometry
    for sid, sensor in scenario.sensors.items():
        context = observer_context(sensor, times)
        vis = _sensor_visibility(
            sensor,
            eph,
            radius_m=catalog.radius_m,
            albedo=catalog.albedo,
            model=photometry.model,
            specular_fraction=photometry.specular_fraction,
            default_radius_m=photometry.default_radius_m,
            default_albedo=photometry.default_albedo,
            context=context,
        )
        if sensor.instrument.field_of_view_rad is not None:  # survey the belt in tiles
            band = np.radians(scenario.tasking.belt_latitude_band_deg)
            tiles = belt_tiles(sensor, times[0], band, scenario.tasking.tile_overlap)
            tile_vis = _tile_visibility(sensor, tiles, times, context) if len(tiles) else None
            rows = np.flatnonzero(np.isin(eph.norad_id, list(follow)))
            targets = _subset(vis, rows) if rows.size else None
        else:
            tile_vis, targets = None, vis
        plan = schedule(
            sensor, grid_s, times[0], tiles=tile_vis, targets=targets, config=scenario.tasking
        )
        result.per_sensor[sid] = SensorCoverage(
            sid, plan, vis, observed_times(sensor, plan, vis, grid_s)
        )
    return result


def _subset(vis: Visibility, rows: np.ndarray) -> Visibility:
    values = {}
    for name in Visibility.__dataclass_fields__:
        value = getattr(vis, name)
        values[name] = (
            value[rows]
            if isinstance(value, np.ndarray) and value.ndim >= 1 and name != "times"
            else value
        )
    return Visibility(**values)
