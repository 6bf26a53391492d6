"""Host platforms and sensor models (optical, radar), visibility and photometry.

Platforms give GCRS states at times (``states_gcrs(times) -> (r_km, v_km_s)``,
each (n_times, 3)): :class:`HostPlatform` (SGP4 from an element set),
:class:`GeoSlotHost` (station-kept geosynchronous slot), :class:`GroundSite`.
Scenarios (TOML) load with :func:`load_scenario` / :func:`default_scenario`.
"""

from beltwatch.sensors._optical import OpticalSensor
from beltwatch.sensors._platforms import (
    GEOSYNCHRONOUS_RADIUS_KM,
    GeoSlotHost,
    GroundSite,
    HostPlatform,
    Observer,
)
from beltwatch.sensors._scenario import (
    Scenario,
    default_scenario,
    default_scenario_path,
    load_scenario,
    scenario_from_dict,
)
from beltwatch.sensors._sensor import Constraints, Mount, RadarParameters, Sensor

__all__ = [
    "GEOSYNCHRONOUS_RADIUS_KM",
    "Constraints",
    "GeoSlotHost",
    "GroundSite",
    "HostPlatform",
    "Mount",
    "Observer",
    "OpticalSensor",
    "RadarParameters",
    "Scenario",
    "Sensor",
    "default_scenario",
    "default_scenario_path",
    "load_scenario",
    "scenario_from_dict",
]
