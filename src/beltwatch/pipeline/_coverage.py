"""Coverage and the belt chart of the run (the scenario's sensors over the truth)."""

from __future__ import annotations

from astropy.time import Time, TimeDelta

from beltwatch._limits import check_memory
from beltwatch.analytics import BeltTrack, belt_tracks
from beltwatch.catalog import Catalog
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import Scenario
from beltwatch.tasking import CoverageResult, run_coverage
from beltwatch.timescales import time_grid

# Working memory per object-epoch: the GCRS ephemeris plus each sensor's visibility arrays.
BYTES_PER_OBJECT_EPOCH = 160


def coverage_and_belt(
    population: Catalog, sensors: Scenario, start: Time, hours: float, step_s: float
) -> tuple[CoverageResult, BeltTrack]:
    """Coverage of every sensor of the scenario and the belt's longitude-time track."""
    n_times = int(hours * 3600.0 / step_s) + 1
    check_memory(
        len(population) * n_times * BYTES_PER_OBJECT_EPOCH * (1 + len(sensors.sensors)),
        f"{len(population)} objects x {n_times} epochs x {len(sensors.sensors)} sensors",
        "shorten the run or use fewer objects",
    )
    times = time_grid(start, start + TimeDelta(hours * 3600.0, format="sec"), step_s)
    eph = Sgp4Propagator().propagate(population, times, "gcrs")
    coverage = run_coverage(sensors, population, start, hours, step_s, ephemeris=eph)
    return coverage, belt_tracks(population, eph, mean=True)
