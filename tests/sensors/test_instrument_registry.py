"""A new sensor kind is one module plus a registration: a dummy laser-ranging station
registered here loads from a scenario table, is evaluated by visibility, scheduled and
counted by coverage through the Instrument contract alone."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

import numpy as np
import pytest
from astropy.time import TimeDelta
from pydantic import BaseModel, ConfigDict, Field

from beltwatch.catalog import synthetic_geo_population
from beltwatch.errors import InputError
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import (
    FLAGS,
    InstrumentKind,
    default_scenario_path,
    instrument_kinds,
    register_instrument,
    scenario_from_dict,
    sensor_visibility,
)
from beltwatch.tasking import run_coverage
from beltwatch.timescales import time_grid


@dataclass(frozen=True)
class LaserRanger:
    """A satellite laser ranging station: one target per pass, range-limited, not photometric."""

    max_range_km: float
    dwell_s: float

    field_of_view_rad = None
    photometric = False

    def detection_snr(self, magnitude, angular_rate_rad_s):
        return np.full(np.shape(magnitude), np.inf)

    def pointing_dwell_s(self, frames_per_field: int) -> float:
        return self.dwell_s


class LaserConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_range_km: float = Field(gt=0)
    dwell_s: float = Field(gt=0, default=60.0)


LASER = InstrumentKind(
    "laser", "laser", LaserConfig, lambda _id, c: LaserRanger(c.max_range_km, c.dwell_s)
)


@pytest.fixture
def laser_scenario():
    register_instrument(LASER)
    data = tomllib.loads(default_scenario_path().read_text())
    data["sensors"] = [
        {
            "id": "slr",
            "kind": "laser",
            "site": data["sites"][0]["id"],
            "laser": {"max_range_km": 40_000.0, "dwell_s": 120.0},
            "constraints": {"min_elevation_deg": 20.0, "snr_threshold": None},
        }
    ]
    return data


def test_a_registered_kind_is_observed_through_the_contract(laser_scenario):
    assert "laser" in instrument_kinds()
    scenario = scenario_from_dict(laser_scenario, "laser.toml")
    sensor = scenario.sensors["slr"]
    assert isinstance(sensor.instrument, LaserRanger) and sensor.camera is None
    assert sensor.pointing_dwell_s() == 120.0
    catalog = synthetic_geo_population(seed=3)[:60]
    start = catalog.epoch.max()
    times = time_grid(start, start + TimeDelta(6 * 3600.0, format="sec"), 600.0)
    vis = sensor_visibility(sensor, Sgp4Propagator().propagate(catalog, times, "gcrs"))
    flags = vis.flags
    # GEO from a ground site is 35,800-41,700 km away: the 40,000 km limit must cut some.
    assert np.any(flags & FLAGS["range"]) and np.any(flags == 0)
    assert not np.any(flags & FLAGS["faint"])  # not photometric: never "faint"
    coverage = run_coverage(scenario, catalog, start, 6.0, 600.0)
    summary = coverage.summary()
    assert summary["per_sensor"]["slr"]["objects_observed"] > 0


def test_an_unknown_kind_or_a_missing_table_names_the_key(laser_scenario):
    laser_scenario["sensors"][0]["kind"] = "lidar"
    with pytest.raises(InputError, match="unknown sensor kind 'lidar'") as info:
        scenario_from_dict(laser_scenario, "bad.toml")
    assert info.value.field == "sensors[0].kind"
    laser_scenario["sensors"][0]["kind"] = "laser"
    laser_scenario["sensors"][0]["laser"] = {"max_range_km": -1.0}
    with pytest.raises(InputError) as info:
        scenario_from_dict(laser_scenario, "bad.toml")
    assert info.value.field == "sensors[0].laser.max_range_km"
    del laser_scenario["sensors"][0]["laser"]
    with pytest.raises(InputError, match=r"needs a \[sensors.laser\] table"):
        scenario_from_dict(laser_scenario, "bad.toml")
