"""Geometric geocentric positions of the Sun and Moon (GCRS axes, km) from ERFA.

Sun: ERFA ``epv00`` (VSOP2000-based Earth ephemeris, a few km); Moon: ERFA
``moon98`` (Meeus' simplified ELP, ~10 arcsec). Both built into pyerfa, so no
ephemeris file is downloaded. Positions are geometric (no light-time).
"""

from __future__ import annotations

import erfa
import numpy as np
from astropy.time import Time

from beltwatch.constants import AU_KM
from beltwatch.timescales import jd_pair


def sun_position_gcrs_km(t: Time) -> np.ndarray:
    """Geocentric Sun position, shape (n_times, 3), km."""
    tdb1, tdb2 = jd_pair(t, "tdb")
    earth_heliocentric, _ = erfa.epv00(tdb1, tdb2)
    return -earth_heliocentric["p"] * AU_KM


def moon_position_gcrs_km(t: Time) -> np.ndarray:
    """Geocentric Moon position, shape (n_times, 3), km."""
    tt1, tt2 = jd_pair(t, "tt")
    moon = erfa.moon98(tt1, tt2)
    return moon["p"] * AU_KM
