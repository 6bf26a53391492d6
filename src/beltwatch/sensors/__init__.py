"""Host platforms and sensor models (optical, radar, the camera's pixel <-> direction
mapping), visibility and photometry.

Platforms give GCRS states at times (``states_gcrs(times) -> (r_km, v_km_s)``,
each (n_times, 3)): :class:`HostPlatform` (SGP4 from an element set),
:class:`GeoSlotHost` (station-kept geosynchronous slot), :class:`GroundSite`.
Scenarios (TOML) load with :func:`load_scenario` / :func:`default_scenario`.
"""

from beltwatch.sensors._camera import (
    camera_wcs,
    pixels_from_units,
    rotation_about_z,
    units_from_pixels,
)
from beltwatch.sensors._geometry import (
    angle_between,
    angular_rate,
    earth_occulted,
)
from beltwatch.sensors._instrument import (
    Instrument,
    InstrumentKind,
    instrument_kind,
    instrument_kinds,
    register_instrument,
)
from beltwatch.sensors._optical import CameraConfig, OpticalSensor
from beltwatch.sensors._photometry import (
    PhaseModel,
    airmass,
    apparent_magnitude,
    diffuse_sphere_phase_function,
    lambertian_plate_phase_function,
    reflected_flux_ratio,
)
from beltwatch.sensors._platforms import (
    GeoSlotHost,
    GroundSite,
    HostPlatform,
    Observer,
)
from beltwatch.sensors._radar import RadarConfig, RadarParameters
from beltwatch.sensors._scenario import (
    Scenario,
    TaskingConfig,
    default_scenario,
    default_scenario_path,
    load_scenario,
    scenario_from_dict,
)
from beltwatch.sensors._sensor import Constraints, Mount, MountKind, Sensor
from beltwatch.sensors._visibility import (
    FLAGS,
    ObserverContext,
    Visibility,
    evaluate_visibility,
    observer_context,
    sensor_visibility,
)

__all__ = [
    "FLAGS",
    "CameraConfig",
    "Constraints",
    "GeoSlotHost",
    "GroundSite",
    "HostPlatform",
    "Instrument",
    "InstrumentKind",
    "Mount",
    "MountKind",
    "Observer",
    "ObserverContext",
    "OpticalSensor",
    "PhaseModel",
    "RadarConfig",
    "RadarParameters",
    "Scenario",
    "Sensor",
    "TaskingConfig",
    "Visibility",
    "airmass",
    "angle_between",
    "angular_rate",
    "apparent_magnitude",
    "camera_wcs",
    "default_scenario",
    "default_scenario_path",
    "diffuse_sphere_phase_function",
    "earth_occulted",
    "evaluate_visibility",
    "instrument_kind",
    "instrument_kinds",
    "lambertian_plate_phase_function",
    "load_scenario",
    "observer_context",
    "pixels_from_units",
    "reflected_flux_ratio",
    "register_instrument",
    "rotation_about_z",
    "scenario_from_dict",
    "sensor_visibility",
    "units_from_pixels",
]
