"""Orbit determination: IOD from angles (Gauss, Gooding), batch least squares on the
numerical propagator, and an extended Kalman filter for streaming updates.

Measurement models cover space-based and ground optical RA/Dec (exchange convention:
light-time corrected, GCRS, no aberration) and radar range/azimuth/elevation.
"""

from beltwatch.orbit_determination._batch import (
    BatchOptions,
    OrbitEstimate,
    batch_least_squares,
    nominal_cr,
    propagate_estimate,
    propagator_with_cr,
)
from beltwatch.orbit_determination._filter import FilterResult, ekf_update, process_noise
from beltwatch.orbit_determination._iod import (
    IodSolution,
    gauss,
    gooding,
    gooding_solutions,
    sphere_range_km,
)
from beltwatch.orbit_determination._kepler import (
    classical_elements,
    kepler_propagate,
    lambert,
    semi_major_axis_km,
)
from beltwatch.orbit_determination._measurements import (
    KIND_RADAR,
    KIND_RADEC,
    MeasurementSet,
    predict,
    radar_measurements,
    radec_measurements,
    residuals,
    simulate,
)
from beltwatch.orbit_determination._pipeline import (
    OdRun,
    OrbitPrior,
    determine_orbits,
    initial_state,
    measurements_from_observations,
    screen,
)

__all__ = [
    "KIND_RADAR",
    "KIND_RADEC",
    "BatchOptions",
    "FilterResult",
    "IodSolution",
    "MeasurementSet",
    "OdRun",
    "OrbitEstimate",
    "OrbitPrior",
    "batch_least_squares",
    "classical_elements",
    "determine_orbits",
    "ekf_update",
    "gauss",
    "gooding",
    "gooding_solutions",
    "initial_state",
    "kepler_propagate",
    "lambert",
    "measurements_from_observations",
    "nominal_cr",
    "predict",
    "process_noise",
    "propagate_estimate",
    "propagator_with_cr",
    "radar_measurements",
    "radec_measurements",
    "residuals",
    "screen",
    "semi_major_axis_km",
    "simulate",
    "sphere_range_km",
]
