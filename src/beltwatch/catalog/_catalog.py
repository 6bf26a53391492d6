"""The vectorised Catalog of SGP4 mean element sets."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

import numpy as np
from astropy.time import Time

from beltwatch.constants import GM_EARTH_WGS72_KM3_S2
from beltwatch.timescales import tai_seconds_since_j2000
from beltwatch.values import ElementSet

MINUTES_PER_DAY = 1440.0
TWO_PI = 2.0 * np.pi


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class OrbitClass(StrEnum):
    """Coarse orbit regimes by mean motion and eccentricity."""

    LEO = "LEO"
    MEO = "MEO"
    GEO = "GEO"
    HEO = "HEO"
    OTHER = "OTHER"


@dataclass(frozen=True, eq=False)
class Catalog:
    """Element sets as arrays, one row per set (angles in radians, SGP4/TLE conventions).

    ``ndot_over_2`` and ``nddot_over_6`` are the TLE/OMM fields MEAN_MOTION_DOT
    (rev/day^2) and MEAN_MOTION_DDOT (rev/day^3) as printed; ``bstar`` is in
    1/earth-radii. ``radius_m`` and ``albedo`` are NaN where unknown.
    """

    norad_id: np.ndarray
    name: np.ndarray
    intl_designator: np.ndarray
    classification: np.ndarray
    epoch: Time
    mean_motion_rev_per_day: np.ndarray
    eccentricity: np.ndarray
    inclination_rad: np.ndarray
    raan_rad: np.ndarray
    arg_perigee_rad: np.ndarray
    mean_anomaly_rad: np.ndarray
    bstar: np.ndarray
    ndot_over_2: np.ndarray
    nddot_over_6: np.ndarray
    element_set_no: np.ndarray
    rev_at_epoch: np.ndarray
    ephemeris_type: np.ndarray
    radius_m: np.ndarray
    albedo: np.ndarray

    def __len__(self) -> int:
        return int(self.norad_id.shape[0])

    def __getitem__(self, index: np.ndarray | slice | list[int]) -> Catalog:
        """Rows selected by a boolean mask, index array or slice."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concatenate(cls, parts: list[Catalog]) -> Catalog:
        """Rows of several catalogs, in order."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        values = {}
        for f in fields(cls):
            if f.name == "epoch":
                jd1 = np.concatenate([p.epoch.utc.jd1 for p in parts])
                jd2 = np.concatenate([p.epoch.utc.jd2 for p in parts])
                values[f.name] = Time(jd1, jd2, format="jd", scale="utc")
            else:
                values[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
        return cls(**values)

    @classmethod
    def empty(cls) -> Catalog:
        return cls.from_columns(
            norad_id=np.zeros(0, dtype=np.int64),
            epoch=Time(np.zeros(0), format="jd", scale="utc"),
            mean_motion_rev_per_day=np.zeros(0),
            eccentricity=np.zeros(0),
            inclination_rad=np.zeros(0),
            raan_rad=np.zeros(0),
            arg_perigee_rad=np.zeros(0),
            mean_anomaly_rad=np.zeros(0),
        )

    @classmethod
    def from_columns(cls, **columns: Any) -> Catalog:
        """Build from the required element columns; optional ones get neutral defaults."""
        n = len(np.atleast_1d(columns["norad_id"]))
        defaults = {
            "name": np.array([""] * n, dtype=object),
            "intl_designator": np.array([""] * n, dtype=object),
            "classification": np.array(["U"] * n, dtype=object),
            "bstar": np.zeros(n),
            "ndot_over_2": np.zeros(n),
            "nddot_over_6": np.zeros(n),
            "element_set_no": np.full(n, 999, dtype=np.int64),
            "rev_at_epoch": np.zeros(n, dtype=np.int64),
            "ephemeris_type": np.zeros(n, dtype=np.int64),
            "radius_m": np.full(n, np.nan),
            "albedo": np.full(n, np.nan),
        }
        values = {**defaults, **columns}
        for key, column in values.items():
            if key in ("name", "intl_designator", "classification"):
                values[key] = np.asarray(column, dtype=object)
            elif key in ("norad_id", "element_set_no", "rev_at_epoch", "ephemeris_type"):
                values[key] = np.asarray(column, dtype=np.int64)
            elif key != "epoch":
                values[key] = np.asarray(column, dtype=float)
        return cls(**values)

    # Columns that are one ElementSet field each (same name, same units).
    _ELEMENT_COLUMNS = (
        "norad_id",
        "name",
        "intl_designator",
        "classification",
        "mean_motion_rev_per_day",
        "eccentricity",
        "inclination_rad",
        "raan_rad",
        "arg_perigee_rad",
        "mean_anomaly_rad",
        "bstar",
        "ndot_over_2",
        "nddot_over_6",
        "element_set_no",
        "rev_at_epoch",
        "ephemeris_type",
    )

    @classmethod
    def from_element_sets(cls, sets: list[ElementSet]) -> Catalog:
        """One row per element set, in order (epochs converted in one call)."""
        if not sets:
            return cls.empty()
        utc = [s.epoch.utc for s in sets]
        epoch = Time(
            np.array([float(t.jd1) for t in utc]),
            np.array([float(t.jd2) for t in utc]),
            format="jd",
            scale="utc",
        )
        columns = {name: [getattr(s, name) for s in sets] for name in cls._ELEMENT_COLUMNS}
        return cls.from_columns(epoch=epoch, **columns)

    def element_set(self, row: int) -> ElementSet:
        """Row ``row`` as one :class:`~beltwatch.values.ElementSet`."""
        values = {name: _scalar(getattr(self, name)[row]) for name in self._ELEMENT_COLUMNS}
        return ElementSet(epoch=self.epoch[row], **values)

    def element_sets(self) -> list[ElementSet]:
        """Every row as an element set."""
        return [self.element_set(i) for i in range(len(self))]

    # --- derived quantities -------------------------------------------------

    @property
    def mean_motion_rad_per_min(self) -> np.ndarray:
        return self.mean_motion_rev_per_day * TWO_PI / MINUTES_PER_DAY

    @property
    def period_min(self) -> np.ndarray:
        return MINUTES_PER_DAY / self.mean_motion_rev_per_day

    @property
    def semi_major_axis_km(self) -> np.ndarray:
        """Kepler semi-major axis from the mean motion (WGS-72 mu), km."""
        n_rad_s = self.mean_motion_rev_per_day * TWO_PI / 86400.0
        return np.cbrt(GM_EARTH_WGS72_KM3_S2 / n_rad_s**2)

    def orbit_class(self) -> np.ndarray:
        """OrbitClass value per row (LEO: n >= 11.25 rev/day; GEO: 0.9 <= n <= 1.1, e < 0.1)."""
        n, e = self.mean_motion_rev_per_day, self.eccentricity
        out = np.full(len(self), OrbitClass.OTHER.value, dtype=object)
        out[(n > 1.1) & (n < 11.25)] = OrbitClass.MEO.value
        out[n >= 11.25] = OrbitClass.LEO.value
        out[(n >= 0.9) & (n <= 1.1) & (e < 0.1)] = OrbitClass.GEO.value
        out[e >= 0.25] = OrbitClass.HEO.value
        return out

    # --- history ------------------------------------------------------------

    def sorted_by_object_and_epoch(self) -> Catalog:
        order = np.lexsort((tai_seconds_since_j2000(self.epoch), self.norad_id))
        return self[order]

    def object_ids(self) -> np.ndarray:
        """Distinct catalog numbers, ascending."""
        return np.unique(self.norad_id)

    def history(self, norad_id: int) -> Catalog:
        """All element sets of one object, oldest first."""
        rows = self[self.norad_id == norad_id]
        return rows.sorted_by_object_and_epoch()

    def latest(self) -> Catalog:
        """The newest element set of each object, ordered by catalog number."""
        ordered = self.sorted_by_object_and_epoch()
        if not len(ordered):
            return ordered
        last = np.r_[ordered.norad_id[1:] != ordered.norad_id[:-1], True]
        return ordered[last]
