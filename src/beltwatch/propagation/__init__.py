"""Propagation: SGP4/SDP4 over whole catalogs, and a numerical propagator with an STM."""

from beltwatch.propagation._ephemeris import Ephemeris
from beltwatch.propagation._sgp4 import SGP4_ERROR_MESSAGES, Sgp4Propagator, propagate_sgp4

__all__ = ["SGP4_ERROR_MESSAGES", "Ephemeris", "Sgp4Propagator", "propagate_sgp4"]
