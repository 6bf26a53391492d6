"""Propagation: SGP4/SDP4 over whole catalogs (directly, or interpolated between coarse
nodes with a stated error bound), and a numerical propagator with an STM."""

from beltwatch.propagation._environment import Environment
from beltwatch.propagation._ephemeris import Ephemeris
from beltwatch.propagation._forces import (
    EGM2008_J,
    Body,
    Force,
    ForceModel,
    PointMassEarth,
    SolarRadiationPressure,
    ThirdBody,
    ZonalHarmonics,
)
from beltwatch.propagation._geopotential import TesseralHarmonics
from beltwatch.propagation._interpolated import (
    STEP_LADDER_S,
    InterpolatedEphemeris,
    hermite_bound_km,
    node_steps_s,
)
from beltwatch.propagation._numerical import (
    NumericalPropagator,
    nominal_cr,
    propagate_covariance,
    propagator_with_cr,
    state_in_frame,
    with_cr_column,
)
from beltwatch.propagation._sgp4 import (
    SGP4_ERROR_MESSAGES,
    Sgp4Propagator,
    Sgp4Rows,
    choose_workers,
    propagate_rows_teme,
    propagate_sgp4,
)
from beltwatch.propagation._sgp4_fit import Sgp4Fit, fit_sgp4, fit_sgp4_to_orbit

__all__ = [
    "EGM2008_J",
    "SGP4_ERROR_MESSAGES",
    "STEP_LADDER_S",
    "Body",
    "Environment",
    "Ephemeris",
    "Force",
    "ForceModel",
    "InterpolatedEphemeris",
    "NumericalPropagator",
    "PointMassEarth",
    "Sgp4Fit",
    "Sgp4Propagator",
    "Sgp4Rows",
    "SolarRadiationPressure",
    "TesseralHarmonics",
    "ThirdBody",
    "ZonalHarmonics",
    "choose_workers",
    "fit_sgp4",
    "fit_sgp4_to_orbit",
    "hermite_bound_km",
    "node_steps_s",
    "nominal_cr",
    "propagate_covariance",
    "propagate_rows_teme",
    "propagate_sgp4",
    "propagator_with_cr",
    "state_in_frame",
    "with_cr_column",
]
