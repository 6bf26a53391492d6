"""Tasking: belt survey tiles, follow-up of objects of interest, a priority scheduler, coverage.

:func:`belt_tiles` lays survey fields over the GEO belt as a sensor sees it;
:func:`schedule` trades survey against follow-up by priority, age and slew;
:func:`run_coverage` schedules every sensor of a scenario and measures which
catalog objects are observed, how often, and what limited the rest.
"""

from beltwatch.tasking._coverage import (
    LIMIT_GROUPS,
    CoverageResult,
    SensorCoverage,
    in_field,
    limiting_reason,
    observed_times,
    revisit_intervals_h,
    run_coverage,
)
from beltwatch.tasking._plots import coverage_figure
from beltwatch.tasking._scheduler import (
    FOLLOWUP,
    SURVEY,
    Schedule,
    direction_at,
    schedule,
    time_major,
)
from beltwatch.tasking._survey import SurveyTiles, belt_points_itrs, belt_tiles

__all__ = [
    "FOLLOWUP",
    "LIMIT_GROUPS",
    "SURVEY",
    "CoverageResult",
    "Schedule",
    "SensorCoverage",
    "SurveyTiles",
    "belt_points_itrs",
    "belt_tiles",
    "coverage_figure",
    "direction_at",
    "in_field",
    "limiting_reason",
    "observed_times",
    "revisit_intervals_h",
    "run_coverage",
    "schedule",
    "time_major",
]
