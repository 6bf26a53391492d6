"""Every physical constant of beltwatch, named by the model it comes from.

No other module writes these numbers (``tests/test_constants.py`` fails when one
does). Choices, and why:

* **Earth gravity: EGM2008** (tide-free). The numerical propagator's geopotential
  is EGM2008, so its GM and reference radius go with it: GM = 398600.4415 km^3/s^2,
  R = 6378.1363 km. Two-body work (Kepler, Lambert, IOD, GEO radius) uses the same
  GM so that an IOD solution is a starting point of the same dynamics. (398600.4418
  is the WGS-84 value including the atmosphere; the 3e-4 km^3/s^2 difference is
  0.8 ppb in GM, 10 m in the GEO radius.)
* **SGP4: WGS-72**, because the element sets are fitted with it (Vallado et al. 2006):
  GM = 398600.8 km^3/s^2, R = 6378.135 km. Used only where element sets are made or read.
* **Earth's shape: WGS-84** (6378.137 km, 1/298.257223563): geodetic sites, the
  Earth shadow, the limb and occultation.
* **Earth rotation**: the IERS conventional rate (the Earth rotation angle rate,
  1.00273781191135448 turns per UT1 day) for station-kept slots; GMST 1982's rate
  (1.002737909350795) only where TEME is built as in Vallado et al. 2006.
* **Sun and Moon GM: JPL DE440**; AU: IAU 2012 Resolution B2 (exact); c: SI (exact);
  solar radius: IAU 2015 Resolution B3 nominal; total solar irradiance 1361 W/m^2
  (Kopp & Lean 2011); the Sun's apparent V magnitude -26.74.
* **GEO radius**: the circular orbit whose period is one sidereal day under EGM2008's
  GM (derived here, not typed in): 42,164.17 km.
"""

from __future__ import annotations

import math

# -- angles ---------------------------------------------------------------------------
DEG_RAD = math.pi / 180.0
"""One degree in radians."""
ARCSEC_RAD = DEG_RAD / 3600.0
"""One arcsecond in radians."""
MILLIARCSEC_RAD = ARCSEC_RAD / 1000.0

# -- Earth gravity: EGM2008 (tide-free) ---------------------------------------------------
GM_EARTH_EGM2008_KM3_S2 = 398600.4415
EARTH_RADIUS_EGM2008_KM = 6378.1363

# -- SGP4's WGS-72 ------------------------------------------------------------------------
GM_EARTH_WGS72_KM3_S2 = 398600.8
EARTH_RADIUS_WGS72_KM = 6378.135

# -- Earth's shape: WGS-84 ---------------------------------------------------------------
EARTH_RADIUS_WGS84_KM = 6378.137
EARTH_FLATTENING_WGS84 = 1.0 / 298.257223563

# -- Earth rotation -----------------------------------------------------------------------
SECONDS_PER_DAY = 86_400.0
EARTH_ROTATION_TURNS_PER_UT1_DAY = 1.00273781191135448
"""IERS 2010: rate of the Earth rotation angle."""
EARTH_ROTATION_RATE_RAD_S = 2.0 * math.pi * EARTH_ROTATION_TURNS_PER_UT1_DAY / SECONDS_PER_DAY
GMST1982_TURNS_PER_UT1_DAY = 1.002737909350795
"""Rate of GMST 1982 (TEME's sidereal time, Vallado et al. 2006)."""
GMST1982_RATE_RAD_S = 2.0 * math.pi * GMST1982_TURNS_PER_UT1_DAY / SECONDS_PER_DAY

# -- geosynchronous orbit ------------------------------------------------------------------
GEO_RADIUS_KM = (GM_EARTH_EGM2008_KM3_S2 / EARTH_ROTATION_RATE_RAD_S**2) ** (1.0 / 3.0)
"""Radius of the circular orbit with a sidereal-day period (EGM2008 GM): 42,164.17 km."""

# -- Sun, Moon, light -----------------------------------------------------------------------
GM_SUN_DE440_KM3_S2 = 1.32712440041279419e11
GM_MOON_DE440_KM3_S2 = 4902.800118
AU_KM = 149_597_870.700
"""IAU 2012 Resolution B2 (exact)."""
SPEED_OF_LIGHT_KM_S = 299_792.458
"""SI (exact)."""
SUN_RADIUS_IAU2015_KM = 695_700.0
SOLAR_IRRADIANCE_1AU_W_M2 = 1361.0
SUN_APPARENT_MAGNITUDE_V = -26.74

# -- epochs -----------------------------------------------------------------------------------
J2000_JD = 2_451_545.0
"""Julian date of J2000.0 (2000-01-01T12:00:00 TT)."""
