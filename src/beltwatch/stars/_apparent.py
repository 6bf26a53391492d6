"""Apparent star directions for an observer: astrometric place (proper motion,
parallax from the observer's barycentric position) then annual plus orbital aberration."""

from __future__ import annotations

import erfa
import numpy as np
from astropy.time import Time

from beltwatch.constants import AU_KM, SECONDS_PER_DAY
from beltwatch.frames import aberrate
from beltwatch.stars._hipparcos import StarCatalog
from beltwatch.timescales import jd_pair


def earth_barycentric_velocity_km_s(times: Time) -> np.ndarray:
    """Earth's barycentric velocity (n, 3) km/s, BCRS axes (ERFA epv00)."""
    tdb1, tdb2 = jd_pair(times, "tdb")
    _, barycentric = erfa.epv00(tdb1, tdb2)
    return barycentric["v"] * AU_KM / SECONDS_PER_DAY


def earth_barycentric_position_km(times: Time) -> np.ndarray:
    """Earth's barycentric position (n, 3) km, BCRS axes (ERFA epv00)."""
    tdb1, tdb2 = jd_pair(times, "tdb")
    _, barycentric = erfa.epv00(tdb1, tdb2)
    return barycentric["p"] * AU_KM


def apparent_star_directions(
    stars: StarCatalog, time: Time, observer_r_km: np.ndarray, observer_v_km_s: np.ndarray
) -> np.ndarray:
    """Unit vectors (n, 3) of stars as seen by the observer at ``time`` (GCRS axes)."""
    t = Time([time.utc.jd1], [time.utc.jd2], format="jd", scale="utc") if time.isscalar else time
    bary_r = earth_barycentric_position_km(t)[0] + observer_r_km
    bary_v = earth_barycentric_velocity_km_s(t)[0] + observer_v_km_s
    return aberrate(stars.astrometric_directions(t, bary_r), bary_v)
