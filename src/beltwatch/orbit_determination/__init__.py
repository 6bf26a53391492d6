"""Orbit determination: IOD from angles (Gauss, Gooding), batch least squares on the
numerical propagator, and an extended Kalman filter for streaming updates.

Measurement models cover space-based and ground optical RA/Dec (exchange convention:
light-time corrected, GCRS, no aberration) and radar range/azimuth/elevation.
"""

from beltwatch.orbit_determination._batch import (
    BatchOptions,
    batch_least_squares,
    batch_least_squares_each,
    information_condition,
    invert_information,
    propagate_estimate,
)
from beltwatch.orbit_determination._filter import (
    FilterResult,
    ekf_update,
    innovation_test,
    process_noise,
)
from beltwatch.orbit_determination._gate import (
    TRACKLET_GAP_S,
    ConsistencyGate,
    arc_length_s,
    count_tracklets,
    position_sigma_km,
    tracklet_index,
)
from beltwatch.orbit_determination._inputs import (
    catalog_priors,
    read_observations,
    read_orbit_priors,
    with_observer_states,
)
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
    FailedObject,
    OdRun,
    OrbitPrior,
    determine_orbits,
    fit_object,
    initial_state,
    measurements_from_observations,
    screen_observations,
)
from beltwatch.orbit_determination._plots import residual_figure, residual_html
from beltwatch.orbit_determination._priors import (
    element_set_sqrt_covariance,
    population_cr_prior,
)
from beltwatch.orbit_determination._products import (
    DEFAULT_CR,
    DEFAULT_CR_SIGMA,
    od_propagator,
    orbit_record,
    write_od_outputs,
    write_orbit_messages,
)
from beltwatch.orbit_determination._starts import iod_starts
from beltwatch.propagation import nominal_cr, propagator_with_cr
from beltwatch.values import FitQuality, OrbitEstimate, OrbitState

__all__ = [
    "DEFAULT_CR",
    "DEFAULT_CR_SIGMA",
    "KIND_RADAR",
    "KIND_RADEC",
    "TRACKLET_GAP_S",
    "BatchOptions",
    "ConsistencyGate",
    "FailedObject",
    "FilterResult",
    "FitQuality",
    "IodSolution",
    "MeasurementSet",
    "OdRun",
    "OrbitEstimate",
    "OrbitPrior",
    "OrbitState",
    "arc_length_s",
    "batch_least_squares",
    "batch_least_squares_each",
    "catalog_priors",
    "classical_elements",
    "count_tracklets",
    "determine_orbits",
    "ekf_update",
    "element_set_sqrt_covariance",
    "fit_object",
    "gauss",
    "gooding",
    "gooding_solutions",
    "information_condition",
    "initial_state",
    "innovation_test",
    "invert_information",
    "iod_starts",
    "kepler_propagate",
    "lambert",
    "measurements_from_observations",
    "nominal_cr",
    "od_propagator",
    "orbit_record",
    "population_cr_prior",
    "position_sigma_km",
    "predict",
    "process_noise",
    "propagate_estimate",
    "propagator_with_cr",
    "radar_measurements",
    "radec_measurements",
    "read_observations",
    "read_orbit_priors",
    "residual_figure",
    "residual_html",
    "residuals",
    "screen_observations",
    "semi_major_axis_km",
    "simulate",
    "sphere_range_km",
    "tracklet_index",
    "with_observer_states",
    "write_od_outputs",
    "write_orbit_messages",
]
