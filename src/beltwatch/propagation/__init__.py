"""Propagation: SGP4/SDP4 over whole catalogs, and a numerical propagator with an STM."""

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
from beltwatch.propagation._numerical import (
    NumericalPropagator,
    nominal_cr,
    propagate_covariance,
    propagator_with_cr,
    state_in_frame,
    with_cr_column,
)
from beltwatch.propagation._sgp4 import SGP4_ERROR_MESSAGES, Sgp4Propagator, propagate_sgp4
from beltwatch.propagation._sgp4_fit import Sgp4Fit, fit_sgp4, fit_sgp4_to_orbit

__all__ = [
    "EGM2008_J",
    "SGP4_ERROR_MESSAGES",
    "Body",
    "Environment",
    "Ephemeris",
    "Force",
    "ForceModel",
    "NumericalPropagator",
    "PointMassEarth",
    "Sgp4Fit",
    "Sgp4Propagator",
    "SolarRadiationPressure",
    "TesseralHarmonics",
    "ThirdBody",
    "ZonalHarmonics",
    "fit_sgp4",
    "fit_sgp4_to_orbit",
    "nominal_cr",
    "propagate_covariance",
    "propagate_sgp4",
    "propagator_with_cr",
    "state_in_frame",
    "with_cr_column",
]
