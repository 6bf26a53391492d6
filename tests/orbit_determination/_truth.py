"""Truth dynamics for OD tests and benchmarks, written apart from the estimator's code.

Earth gravity: EGM2008 (tide-free) to degree and order 8, evaluated from fully normalised
associated Legendre functions and the gradient of the potential in spherical coordinates
(latitude, longitude, radius) - a different algorithm from the estimator's zonal formulas
and Cunningham recursion, and four more degrees than the estimator's 4x4 field. Sun and
Moon (point masses) and SRP come from the project's force models; the integrator is the
project's DOP853 propagator.

The coefficient table was typed from the EGM2008 tide-free ICGEM listing and compared by
hand with a second, independent listing of the same model (both agree to the last digit);
tests/orbit_determination/test_truth.py checks degrees 2-4 against the values the
propagation package carries, the field against the estimator's field to degree 4, and
the GEO equilibrium longitudes against their published positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from beltwatch.constants import EARTH_RADIUS_EGM2008_KM, GM_EARTH_EGM2008_KM3_S2
from beltwatch.propagation import (
    Environment,
    ForceModel,
    NumericalPropagator,
    SolarRadiationPressure,
    ThirdBody,
)

# EGM2008 tide-free, fully normalised (n, m): (Cbar_nm, Sbar_nm), degrees 2..8.
EGM2008_8X8: dict[tuple[int, int], tuple[float, float]] = {
    (2, 0): (-0.484165143790815e-03, 0.0),
    (2, 1): (-0.206615509074176e-09, 0.138441389137979e-08),
    (2, 2): (0.243938357328313e-05, -0.140027370385934e-05),
    (3, 0): (0.957161207093473e-06, 0.0),
    (3, 1): (0.203046201047864e-05, 0.248200415856872e-06),
    (3, 2): (0.904787894809528e-06, -0.619005475177618e-06),
    (3, 3): (0.721321757121568e-06, 0.141434926192941e-05),
    (4, 0): (0.539965866638991e-06, 0.0),
    (4, 1): (-0.536157389388867e-06, -0.473567346518086e-06),
    (4, 2): (0.350501623962649e-06, 0.662480026275829e-06),
    (4, 3): (0.990856766672321e-06, -0.200956723567452e-06),
    (4, 4): (-0.188519633023033e-06, 0.308803882149194e-06),
    (5, 0): (0.686702913736681e-07, 0.0),
    (5, 1): (-0.629211923042529e-07, -0.943698073395769e-07),
    (5, 2): (0.652078043176164e-06, -0.323353192540522e-06),
    (5, 3): (-0.451847152328843e-06, -0.214955408306046e-06),
    (5, 4): (-0.295328761175629e-06, 0.498070550102351e-07),
    (5, 5): (0.174811795496002e-06, -0.669379935180165e-06),
    (6, 0): (-0.149953927978527e-06, 0.0),
    (6, 1): (-0.759210081892527e-07, 0.265122593213647e-07),
    (6, 2): (0.486488924604690e-07, -0.373789324523752e-06),
    (6, 3): (0.572451611175653e-07, 0.895201130010730e-08),
    (6, 4): (-0.860237937191611e-07, -0.471425573429095e-06),
    (6, 5): (-0.267166423703038e-06, -0.536493151500206e-06),
    (6, 6): (0.947068749756882e-08, -0.237382353351005e-06),
    (7, 0): (0.905120844521618e-07, 0.0),
    (7, 1): (0.280887555776673e-06, 0.951259362869275e-07),
    (7, 2): (0.330407993702235e-06, 0.929969290624092e-07),
    (7, 3): (0.250458409225729e-06, -0.217118287729610e-06),
    (7, 4): (-0.274993935591631e-06, -0.124058403514343e-06),
    (7, 5): (0.164773255934658e-08, 0.179281782751438e-07),
    (7, 6): (-0.358798423464889e-06, 0.151798257443669e-06),
    (7, 7): (0.150746472872675e-08, 0.241068767286303e-07),
    (8, 0): (0.494756003005199e-07, 0.0),
    (8, 1): (0.231607991248329e-07, 0.588974540927606e-07),
    (8, 2): (0.800143604736599e-07, 0.652805043667369e-07),
    (8, 3): (-0.193745381715290e-07, -0.859639339125694e-07),
    (8, 4): (-0.244360480007096e-06, 0.698072508472777e-07),
    (8, 5): (-0.257011477267991e-07, 0.892034891745881e-07),
    (8, 6): (-0.659648680031408e-07, 0.308946730783065e-06),
    (8, 7): (0.672569751771483e-07, 0.748686063738231e-07),
    (8, 8): (-0.124022771917136e-06, 0.120551889384997e-06),
}


def normalised_legendre(degree: int, sin_lat: np.ndarray, cos_lat: np.ndarray) -> np.ndarray:
    """Fully normalised associated Legendre functions Pbar_nm(sin lat), (N+2, N+2, k).

    Column recursion: Pbar_mm from the sectoral seed, Pbar_m+1,m, then
    Pbar_nm = a_nm sin(lat) Pbar_n-1,m - b_nm Pbar_n-2,m. One extra order is kept for the
    latitude derivative."""
    top = degree + 1
    p = np.zeros((top + 1, top + 1, sin_lat.size))
    p[0, 0] = 1.0
    for m in range(1, top + 1):
        f = np.sqrt(3.0) if m == 1 else np.sqrt((2 * m + 1) / (2 * m))
        p[m, m] = f * cos_lat * p[m - 1, m - 1]
    for m in range(top + 1):
        if m + 1 <= top:
            p[m + 1, m] = np.sqrt(2 * m + 3) * sin_lat * p[m, m]
        for n in range(m + 2, top + 1):
            a = np.sqrt((2 * n + 1) * (2 * n - 1) / ((n - m) * (n + m)))
            b = np.sqrt((2 * n + 1) * (n + m - 1) * (n - m - 1) / ((n - m) * (n + m) * (2 * n - 3)))
            p[n, m] = a * sin_lat * p[n - 1, m] - b * p[n - 2, m]
    return p


@dataclass(frozen=True)
class SphericalHarmonicGravity:
    """Earth gravity (central term included) to ``degree`` x ``degree`` in ITRS, rotated
    to GCRS; coefficients fully normalised (EGM2008 8x8 by default). No STM partials
    (truth is never differentiated)."""

    degree: int = 8
    coefficients: dict[tuple[int, int], tuple[float, float]] = field(
        default_factory=lambda: dict(EGM2008_8X8)
    )
    mu_km3_s2: float = GM_EARTH_EGM2008_KM3_S2
    radius_km: float = EARTH_RADIUS_EGM2008_KM

    @cached_property
    def _cs(self) -> tuple[np.ndarray, np.ndarray]:
        c = np.zeros((self.degree + 1, self.degree + 1))
        s = np.zeros_like(c)
        c[0, 0] = 1.0
        for (n, m), (cnm, snm) in self.coefficients.items():
            if n <= self.degree:
                c[n, m], s[n, m] = cnm, snm
        return c, s

    def acceleration_itrs(self, r: np.ndarray) -> np.ndarray:
        """Acceleration (k, 3) km/s^2 in ITRS at Earth-fixed positions (k, 3) km."""
        x, y, z = r[:, 0], r[:, 1], r[:, 2]
        rxy = np.hypot(x, y)
        rn = np.sqrt(rxy * rxy + z * z)
        sin_lat, cos_lat = z / rn, rxy / rn
        lon = np.arctan2(y, x)
        p = normalised_legendre(self.degree, sin_lat, cos_lat)
        c, s = self._cs
        ratio = self.radius_km / rn
        d_r = np.zeros_like(rn)
        d_lat = np.zeros_like(rn)
        d_lon = np.zeros_like(rn)
        tan_lat = sin_lat / cos_lat
        for n in range(self.degree + 1):
            rn_pow = ratio**n
            for m in range(n + 1):
                cos_m, sin_m = np.cos(m * lon), np.sin(m * lon)
                harm = c[n, m] * cos_m + s[n, m] * sin_m
                k = np.sqrt((n - m) * (n + m + 1) / (2.0 if m == 0 else 1.0))
                dp = k * p[n, m + 1] - m * tan_lat * p[n, m]
                d_r += (n + 1) * rn_pow * p[n, m] * harm
                d_lat += rn_pow * dp * harm
                d_lon += rn_pow * m * p[n, m] * (s[n, m] * cos_m - c[n, m] * sin_m)
        mu_r = self.mu_km3_s2 / rn
        g_r = -mu_r / rn * d_r  # dU/dr
        g_lat = mu_r / rn * d_lat  # (1/r) dU/dlat
        g_lon = mu_r / (rn * cos_lat) * d_lon  # (1/(r cos lat)) dU/dlon
        up = r / rn[:, None]
        east = np.stack([-np.sin(lon), np.cos(lon), np.zeros_like(lon)], axis=-1)
        north = np.stack([-sin_lat * np.cos(lon), -sin_lat * np.sin(lon), cos_lat], axis=-1)
        return g_r[:, None] * up + g_lat[:, None] * north + g_lon[:, None] * east

    def acceleration(self, t_s, r, v, env: Environment):
        m = env.gcrs_to_itrs(t_s)
        return self.acceleration_itrs(r @ m.T) @ m

    def partials(self, t_s, r, v, env):
        return None, None

    def __add__(self, other):
        return ForceModel((self, *getattr(other, "forces", (other,))))


def truth_forces(area_to_mass_m2_kg=None, cr: float = 1.3) -> ForceModel:
    """EGM2008 8x8, Sun, Moon and (when ``area_to_mass_m2_kg`` is given, scalar or per
    object) cannonball SRP with conical shadow."""
    forces: list = [SphericalHarmonicGravity(), ThirdBody("sun"), ThirdBody("moon")]
    if area_to_mass_m2_kg is not None:
        forces.append(SolarRadiationPressure(np.asarray(area_to_mass_m2_kg, float), cr, "conical"))
    return ForceModel(tuple(forces))


def truth_propagator(area_to_mass_m2_kg=None, cr: float = 1.3) -> NumericalPropagator:
    """The truth integrator: tight tolerances (1 mm), EGM2008 8x8, Sun, Moon, SRP."""
    return NumericalPropagator(truth_forces(area_to_mass_m2_kg, cr), rtol=1e-12, atol_km=1e-6)
