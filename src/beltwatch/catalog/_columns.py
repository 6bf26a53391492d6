"""Accumulates parsed element sets row by row, then builds a Catalog in one go."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time

from beltwatch.catalog._catalog import Catalog
from beltwatch.constants import DEG_RAD


@dataclass
class ElementRow:
    """One element set as read from a file (angles in degrees, as printed)."""

    norad_id: int
    name: str
    intl_designator: str
    classification: str
    epoch_jd1: float
    epoch_jd2: float
    mean_motion_rev_per_day: float
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    bstar: float
    ndot_over_2: float
    nddot_over_6: float
    element_set_no: int
    rev_at_epoch: int
    ephemeris_type: int


@dataclass
class RowCollector:
    rows: list[ElementRow] = field(default_factory=list)

    def append(self, row: ElementRow) -> None:
        self.rows.append(row)

    def to_catalog(self) -> Catalog:
        if not self.rows:
            return Catalog.empty()

        def col(name: str, dtype: type = float) -> np.ndarray:
            return np.array([getattr(r, name) for r in self.rows], dtype=dtype)

        epoch = Time(col("epoch_jd1"), col("epoch_jd2"), format="jd", scale="utc")
        return Catalog.from_columns(
            norad_id=col("norad_id", np.int64),
            name=col("name", object),
            intl_designator=col("intl_designator", object),
            classification=col("classification", object),
            epoch=epoch,
            mean_motion_rev_per_day=col("mean_motion_rev_per_day"),
            eccentricity=col("eccentricity"),
            inclination_rad=col("inclination_deg") * DEG_RAD,
            raan_rad=col("raan_deg") * DEG_RAD,
            arg_perigee_rad=col("arg_perigee_deg") * DEG_RAD,
            mean_anomaly_rad=col("mean_anomaly_deg") * DEG_RAD,
            bstar=col("bstar"),
            ndot_over_2=col("ndot_over_2"),
            nddot_over_6=col("nddot_over_6"),
            element_set_no=col("element_set_no", np.int64),
            rev_at_epoch=col("rev_at_epoch", np.int64),
            ephemeris_type=col("ephemeris_type", np.int64),
        )
