"""Earth orientation parameters from the bundled IERS tables, never downloaded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time
from astropy.utils import iers

from beltwatch.constants import ARCSEC_RAD

# No network at run time: the table shipped in astropy-iers-data is the source.
iers.conf.auto_download = False
iers.conf.auto_max_age = None
iers.conf.iers_degraded_accuracy = "warn"


@dataclass(frozen=True)
class EarthOrientation:
    """UT1-UTC (s) and polar motion x_p, y_p (rad) at a set of times."""

    ut1_minus_utc_s: np.ndarray
    xp_rad: np.ndarray
    yp_rad: np.ndarray


def earth_orientation(t: Time) -> EarthOrientation:
    """Interpolated EOP from the bundled IERS-A/B table (predictions where data end)."""
    table = iers.IERS_Auto.open()
    utc = t.utc
    dut1 = table.ut1_utc(utc, return_status=False)
    xp, yp = table.pm_xy(utc, return_status=False)
    return EarthOrientation(
        ut1_minus_utc_s=np.atleast_1d(np.asarray(dut1.to_value("s"), dtype=float)),
        xp_rad=np.atleast_1d(np.asarray(xp.to_value("arcsec"), dtype=float)) * ARCSEC_RAD,
        yp_rad=np.atleast_1d(np.asarray(yp.to_value("arcsec"), dtype=float)) * ARCSEC_RAD,
    )
