"""Longitude histories of GEO objects: drift rates, station keeping, who sits where."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.analytics._geo_elements import (
    earth_rotation_angle_rad,
    synchronous_elements,
    wrap_rad,
)
from beltwatch.catalog import Catalog, OrbitClass
from beltwatch.constants import GMST1982_TURNS_PER_UT1_DAY
from beltwatch.propagation import Ephemeris

STATIONARY_MAX_DRIFT_DEG_PER_DAY = 0.05
# Above this inclination an object's longitude swings daily (IGSO, uncontrolled GEO):
# the belt chart's "inclined" class, not "drifting".
INCLINED_MIN_DEG = 2.0
# Longitude window watched by the QZS-6 hosted payload (deg east): an assumption.
INDO_PACIFIC_WINDOW_DEG = (30.0, 150.0)


@dataclass(frozen=True, eq=False)
class BeltTrack:
    """Earth-fixed longitude (deg, unwrapped) of GEO objects over time."""

    norad_id: np.ndarray
    name: np.ndarray
    times: Time
    longitude_deg: np.ndarray  # (n_objects, n_times), unwrapped
    inclination_deg: np.ndarray

    @property
    def drift_deg_per_day(self) -> np.ndarray:
        """Mean longitude drift rate.

        Fits longitude = offset + drift t + daily and twice-daily harmonics (one turn
        per sidereal day) to every object at once: the libration of an eccentric
        orbit (+-2e rad, daily) and of an inclined one (~i^2/4 rad, twice daily) would
        otherwise bias a straight-line fit over a day or less by as much again.
        """
        days = (self.times - self.times[0]).to_value("day")
        if days.size < 7:
            return np.full(self.norad_id.size, np.nan)
        phase = 2.0 * np.pi * GMST1982_TURNS_PER_UT1_DAY * days
        design = np.stack(
            [
                np.ones_like(days),
                days,
                np.cos(phase),
                np.sin(phase),
                np.cos(2 * phase),
                np.sin(2 * phase),
            ],
            axis=1,
        )
        coefficients, *_ = np.linalg.lstsq(design, self.longitude_deg.T, rcond=None)
        return coefficients[1]

    @property
    def start_longitude_deg(self) -> np.ndarray:
        """Longitude at the first epoch, in [-180, 180)."""
        return np.mod(self.longitude_deg[:, 0] + 180.0, 360.0) - 180.0


def belt_tracks(catalog: Catalog, eph: Ephemeris, mean: bool = False) -> BeltTrack:
    """Longitude histories of GEO-class objects with valid states throughout.

    ``mean``: the Earth-fixed *mean* longitude (mean longitude of the orbit less the
    Earth's rotation angle), free of the daily swing of eccentric and inclined orbits
    (IGSO: +-10 deg and more), which shows who sits where and who drifts (the belt
    chart's choice); else (default) the sub-satellite longitude of the ITRS positions.
    """
    geo = (catalog.orbit_class() == OrbitClass.GEO.value) & np.all(eph.valid, axis=1)
    if mean:
        teme = eph if eph.frame == "teme" else eph.to_frame("teme")
        elements = synchronous_elements(teme.position_km[geo], teme.velocity_km_s[geo])
        theta = earth_rotation_angle_rad(eph.times)
        lon = np.unwrap(wrap_rad(elements.mean_longitude_rad - theta[None, :]), axis=1)
    else:
        itrs = eph if eph.frame == "itrs" else eph.to_frame("itrs")
        lon = np.unwrap(
            np.arctan2(itrs.position_km[geo, :, 1], itrs.position_km[geo, :, 0]), axis=1
        )
    return BeltTrack(
        norad_id=catalog.norad_id[geo],
        name=catalog.name[geo],
        times=eph.times,
        longitude_deg=np.degrees(lon),
        inclination_deg=np.degrees(catalog.inclination_rad[geo]),
    )


def belt_classes(track: BeltTrack) -> np.ndarray:
    """Per object: ``drifting`` (mean drift above STATIONARY_MAX_DRIFT_DEG_PER_DAY), else
    ``inclined`` (above INCLINED_MIN_DEG: IGSO or uncontrolled, its longitude swinging
    daily about a fixed mean), else ``station-kept``."""
    drifting = np.abs(track.drift_deg_per_day) >= STATIONARY_MAX_DRIFT_DEG_PER_DAY
    inclined = track.inclination_deg > INCLINED_MIN_DEG
    out = np.where(inclined, "inclined", "station-kept")
    return np.where(drifting, "drifting", out).astype(object)


def belt_track_from_history(
    norad_id: np.ndarray,
    name: np.ndarray,
    epochs_days: list[np.ndarray],
    longitudes_deg: list[np.ndarray],
    inclination_deg: np.ndarray,
    start: Time,
    step_h: float = 1.0,
) -> BeltTrack:
    """A BeltTrack on an hourly grid from per-object element-set longitudes (days from
    ``start``), linearly interpolated between sets (unwrapped), NaN outside each history."""
    last = max(float(np.max(d)) for d in epochs_days) if epochs_days else 0.0
    grid_days = np.arange(0.0, last + step_h / 24.0, step_h / 24.0)
    lon = np.full((len(epochs_days), grid_days.size), np.nan)
    for k, (days, values) in enumerate(zip(epochs_days, longitudes_deg, strict=True)):
        unwrapped = np.degrees(np.unwrap(np.radians(values)))
        inside = (grid_days >= days.min()) & (grid_days <= days.max())
        lon[k, inside] = np.interp(grid_days[inside], days, unwrapped)
    times = start + TimeDelta(grid_days * 86400.0, format="sec")
    return BeltTrack(norad_id, name, times, lon, inclination_deg)


def belt_summary(track: BeltTrack) -> dict:
    """Counts a belt analyst asks first: how many, stationary or drifting, where."""
    drift = track.drift_deg_per_day
    start = track.start_longitude_deg
    lo, hi = INDO_PACIFIC_WINDOW_DEG
    bins = np.arange(-180, 181, 30)
    counts, _ = np.histogram(start, bins)
    return {
        "geo_objects": int(drift.size),
        "stationary": int(np.sum(np.abs(drift) < STATIONARY_MAX_DRIFT_DEG_PER_DAY)),
        "drifting": int(np.sum(np.abs(drift) >= STATIONARY_MAX_DRIFT_DEG_PER_DAY)),
        "inclination_above_1_deg": int(np.sum(track.inclination_deg > 1.0)),
        "classes": {
            str(k): int(v)
            for k, v in zip(*np.unique(belt_classes(track), return_counts=True), strict=True)
        },
        "in_indo_pacific_window": int(np.sum((start >= lo) & (start <= hi))),
        "indo_pacific_window_deg": [lo, hi],
        "median_abs_drift_deg_per_day": float(np.median(np.abs(drift))) if drift.size else None,
        "objects_per_30deg_longitude": {
            f"{a:+d}..{b:+d}": int(c) for a, b, c in zip(bins[:-1], bins[1:], counts, strict=True)
        },
    }
