"""Time scales.

One internal representation: :class:`astropy.time.Time`, vectorised, two-double
precision, in whatever scale it was built (conversions UTC/TAI/TT/TDB/UT1 are
astropy's). Earth orientation (UT1-UTC, polar motion) comes from the IERS tables
bundled by the ``astropy-iers-data`` package; nothing is downloaded at run time.
Outside the bundled table, UT1-UTC and polar motion fall back to the last
predicted values with a warning (``iers_degraded_accuracy = "warn"``).
"""

from beltwatch.timescales._eop import EarthOrientation, earth_orientation
from beltwatch.timescales._time import (
    as_time,
    ccsds_time,
    ccsds_times,
    format_utc,
    jd_pair,
    parse_utc,
    seconds_between,
    stack_utc,
    tai_seconds_since_j2000,
    time_from_tai_seconds,
    time_grid,
)

__all__ = [
    "EarthOrientation",
    "as_time",
    "ccsds_time",
    "ccsds_times",
    "earth_orientation",
    "format_utc",
    "jd_pair",
    "parse_utc",
    "seconds_between",
    "stack_utc",
    "tai_seconds_since_j2000",
    "time_from_tai_seconds",
    "time_grid",
]
