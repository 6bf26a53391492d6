"""Element-set histories as GEO quantities: per set, and per consecutive pair of sets.

Per set (at its epoch, from its own SGP4 state): Earth-fixed mean longitude (deg,
east, -180..180), drift rate (deg/day: the change of that longitude over +-12 h of
SGP4 from the set), inclination (deg), eccentricity, semi-major axis.

Per consecutive pair of one object's sets (k -> k+1), the *innovation*: set k
propagated by SGP4 to set k+1's epoch, compared with set k+1 there, in synchronous
elements (a, mean longitude L, e vector, orbit-normal h_xy). A new element set is a
re-fit of the same orbit, so without a maneuver the innovation is fit noise plus
what SGP4 does not model (solar radiation pressure on e); a burn adds a jump.
All SGP4 evaluations of a history are one pass over its rows (years of element sets
of one object: a few thousand evaluations, well under a second).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.analytics._geo_elements import (
    SynchronousElements,
    earth_rotation_angle_rad,
    synchronous_elements,
    wrap_rad,
)
from beltwatch.catalog import Catalog
from beltwatch.constants import J2000_JD
from beltwatch.errors import InputError
from beltwatch.propagation import Sgp4Rows
from beltwatch.timescales import jd_pair

HALF_DAY_S = 43_200.0
# Mean motion window of the GEO regime (rev/day), as Catalog.orbit_class.
GEO_MEAN_MOTION = (0.9, 1.1)


@dataclass(frozen=True, eq=False)
class SetQuantities:
    """Per element set of a (sorted, de-duplicated) history."""

    catalog: Catalog
    longitude_deg: np.ndarray
    drift_deg_per_day: np.ndarray
    inclination_deg: np.ndarray
    eccentricity: np.ndarray
    a_km: np.ndarray
    mean_longitude_rad: np.ndarray
    valid: np.ndarray

    @property
    def norad_id(self) -> np.ndarray:
        return self.catalog.norad_id

    @cached_property
    def sgp4(self) -> Sgp4Rows:
        """SGP4 of every set, initialised once."""
        return Sgp4Rows(self.catalog)

    @property
    def epoch(self) -> Time:
        return self.catalog.epoch


@dataclass(frozen=True, eq=False)
class Innovations:
    """Per consecutive pair (rows ``before`` -> ``after`` of the history): set ``before``
    predicted to ``after``'s epoch minus set ``after``, as synchronous elements."""

    before: np.ndarray
    after: np.ndarray
    norad_id: np.ndarray
    dt_days: np.ndarray
    da_km: np.ndarray
    dl_rad: np.ndarray
    de: np.ndarray  # (p, 2)
    dh: np.ndarray  # (p, 2)
    valid: np.ndarray


def _dedupe(history: Catalog) -> Catalog:
    """Sorted by object and epoch, exact repeats of a set (same object and epoch) dropped."""
    ordered = history.sorted_by_object_and_epoch()
    epoch = ordered.epoch.utc
    key = np.round(((epoch.jd1 - J2000_JD) + epoch.jd2) * 86400.0 * 1e3)  # ms
    keep = np.r_[True, (ordered.norad_id[1:] != ordered.norad_id[:-1]) | (np.diff(key) != 0)]
    return ordered[keep]


def _states_at(sgp4: Sgp4Rows, rows: np.ndarray, times: Time):
    jd, fr = jd_pair(times, "utc")
    error, r, v = sgp4.teme(rows, np.reshape(jd, (rows.size, -1)), np.reshape(fr, (rows.size, -1)))
    return error == 0, r, v


def analyse_history(history: Catalog) -> tuple[SetQuantities, Innovations]:
    """Per-set quantities and per-pair innovations of an element-set history (any order)."""
    if len(history) == 0:
        raise InputError("the history holds no element sets", field="history")
    cat = _dedupe(history)
    n = len(cat)
    sgp4 = Sgp4Rows(cat)
    rows = np.arange(n)
    epochs = cat.epoch.utc
    same = np.r_[cat.norad_id[1:] == cat.norad_id[:-1], False]
    nxt = np.where(same, rows + 1, rows)
    # Per set: its epoch -12 h, its epoch, +12 h, and the next set's epoch (innovation).
    offsets = np.stack(
        [
            np.full(n, -HALF_DAY_S),
            np.zeros(n),
            np.full(n, HALF_DAY_S),
            (epochs[nxt] - epochs).to_value("sec"),
        ],
        axis=1,
    )
    times = Time(
        np.repeat(epochs.jd1, 4).reshape(n, 4),
        np.repeat(epochs.jd2, 4).reshape(n, 4),
        format="jd",
        scale="utc",
    ) + TimeDelta(offsets, format="sec")
    ok, r, v = _states_at(sgp4, rows, times)
    elements = synchronous_elements(r, v)
    theta = earth_rotation_angle_rad(times.ravel()).reshape(n, 4)
    fixed = np.degrees(wrap_rad(elements.mean_longitude_rad - theta))
    drift = np.degrees(wrap_rad(np.radians(fixed[:, 2] - fixed[:, 0])))  # deg per day
    sets = SetQuantities(
        catalog=cat,
        longitude_deg=fixed[:, 1],
        drift_deg_per_day=drift,
        inclination_deg=np.degrees(elements.inclination_rad[:, 1]),
        eccentricity=elements.eccentricity[:, 1],
        a_km=elements.a_km[:, 1],
        mean_longitude_rad=elements.mean_longitude_rad[:, 1],
        valid=ok[:, :3].all(axis=1),
    )
    sets.__dict__["sgp4"] = sgp4  # initialised above: reuse it
    before = np.flatnonzero(same)
    after = before + 1
    predicted = _pick(elements, before, 3)
    actual = _pick(elements, after, 1)
    innovations = Innovations(
        before=before,
        after=after,
        norad_id=cat.norad_id[before],
        dt_days=offsets[before, 3] / 86400.0,
        da_km=actual.a_km - predicted.a_km,
        dl_rad=wrap_rad(actual.mean_longitude_rad - predicted.mean_longitude_rad),
        de=np.stack([actual.ex - predicted.ex, actual.ey - predicted.ey], axis=1),
        dh=np.stack([actual.hx - predicted.hx, actual.hy - predicted.hy], axis=1),
        valid=ok[before, 3] & ok[after, 1],
    )
    return sets, innovations


def _pick(elements: SynchronousElements, rows: np.ndarray, column: int) -> SynchronousElements:
    return SynchronousElements(
        *(getattr(elements, f)[rows, column] for f in SynchronousElements.__dataclass_fields__)
    )


def elements_at(sets: SetQuantities, rows: np.ndarray, when: Time):
    """Synchronous elements of the sets ``rows``, each propagated to the one time ``when``,
    and which propagated without an SGP4 error."""
    rows = np.asarray(rows, dtype=np.int64)
    utc = when.utc
    jd1, jd2 = float(np.ravel(utc.jd1)[0]), float(np.ravel(utc.jd2)[0])
    # One Julian date for all rows (no Time objects per call: this runs per maneuver).
    error, r, v = sets.sgp4.teme(rows, np.full(rows.size, jd1), np.full(rows.size, jd2))
    ok = error == 0
    return synchronous_elements(r[:, 0], v[:, 0]), ok[:, 0]


def median_elements(el: SynchronousElements, use: np.ndarray) -> SynchronousElements:
    """Componentwise median of the selected entries (angles about the first)."""
    fields = {}
    for f in SynchronousElements.__dataclass_fields__:
        values = getattr(el, f)[use]
        if f == "mean_longitude_rad":
            values = values[0] + wrap_rad(values - values[0])
        fields[f] = np.atleast_1d(np.median(values))
    return SynchronousElements(**fields)


def is_geo(catalog: Catalog) -> np.ndarray:
    """Rows in the GEO mean-motion regime."""
    n = catalog.mean_motion_rev_per_day
    return (n >= GEO_MEAN_MOTION[0]) & (n <= GEO_MEAN_MOTION[1]) & (catalog.eccentricity < 0.1)
