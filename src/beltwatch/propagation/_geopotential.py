"""Tesseral and sectoral gravity (order m >= 1) of the Earth, in the Earth-fixed frame.

The zonal terms (m = 0) stay in :class:`~beltwatch.propagation._forces.ZonalHarmonics`;
this force adds the longitude-dependent ones, which drive the east-west drift of
geosynchronous objects towards the stable longitudes near 75 E and 255 E (J22, with J31,
J33 a quarter of it). The acceleration is the gradient of the potential evaluated with
the Cunningham recursion of the solid harmonics V_nm, W_nm (Montenbruck & Gill,
*Satellite Orbits*, sec. 3.2) on unnormalised coefficients, in ITRS, rotated to GCRS.

Partials: left out of the STM (``(None, None)``): at GEO the gradient of these terms is
~1e-6 of the central term's and only slows the least-squares convergence, never its
solution.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import factorial, sqrt

import numpy as np

from beltwatch.constants import EARTH_RADIUS_EGM2008_KM, GM_EARTH_EGM2008_KM3_S2
from beltwatch.propagation._environment import Environment
from beltwatch.propagation._forces import _Addable

# EGM2008 (tide-free) fully normalised coefficients (Cbar_nm, Sbar_nm), m >= 1, n <= 4.
EGM2008_CS_NM: dict[tuple[int, int], tuple[float, float]] = {
    (2, 1): (-0.206615509074176e-9, 0.138441389137979e-8),
    (2, 2): (0.243938357328313e-5, -0.140027370385934e-5),
    (3, 1): (0.203046201047864e-5, 0.248200415856872e-6),
    (3, 2): (0.904787894809528e-6, -0.619005475177618e-6),
    (3, 3): (0.721321757121568e-6, 0.141434926192941e-5),
    (4, 1): (-0.536157389388867e-6, -0.473567346518086e-6),
    (4, 2): (0.350501623962649e-6, 0.662480026275829e-6),
    (4, 3): (0.990856766672321e-6, -0.200956723567452e-6),
    (4, 4): (-0.188519633023033e-6, 0.308803882149194e-6),
}


def unnormalised(n: int, m: int, value: float) -> float:
    """Fully normalised coefficient -> unnormalised (geodesy convention, no Condon-Shortley)."""
    k = 1.0 if m == 0 else 2.0
    return value * sqrt(k * (2 * n + 1) * factorial(n - m) / factorial(n + m))


@dataclass(frozen=True)
class TesseralHarmonics(_Addable):
    """Earth gravity terms of degree 2..``degree`` and order 1..min(n, ``order``)."""

    degree: int = 4
    order: int = 4
    mu_km3_s2: float = GM_EARTH_EGM2008_KM3_S2
    radius_km: float = EARTH_RADIUS_EGM2008_KM
    coefficients: tuple[tuple[tuple[int, int], tuple[float, float]], ...] = tuple(
        EGM2008_CS_NM.items()
    )

    def __post_init__(self) -> None:
        available = {nm for nm, _ in self.coefficients}
        needed = {
            (n, m) for n in range(2, self.degree + 1) for m in range(1, min(n, self.order) + 1)
        }
        if self.degree < 2 or not 1 <= self.order <= self.degree or needed - available:
            raise ValueError(
                f"tesseral terms to degree {self.degree}, order {self.order}: coefficients "
                f"known for {sorted(available)}"
            )

    @cached_property
    def _tables(self) -> dict[str, np.ndarray]:
        """Recursion coefficients and the terms as arrays (computed once)."""
        top = self.degree + 1
        n = np.arange(top + 1)[:, None]
        m = np.arange(top + 2)[None, :]
        below = m < n
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(below, (2 * n - 1) / (n - m), 0.0)
            b = np.where(below & (n >= m + 2), (n + m - 1) / (n - m), 0.0)
        terms = [
            (n_, m_, unnormalised(n_, m_, c), unnormalised(n_, m_, s))
            for (n_, m_), (c, s) in self.coefficients
            if n_ <= self.degree and 1 <= m_ <= min(n_, self.order)
        ]
        tn = np.array([t[0] for t in terms])
        tm = np.array([t[1] for t in terms])
        q = np.array([t[2] - 1j * t[3] for t in terms])  # C - i S
        k = (tn - tm + 2.0) * (tn - tm + 1.0)  # (n - m + 2)! / (n - m)!
        diagonal = np.array([float(np.prod(np.arange(1, 2 * j, 2))) for j in range(top + 1)])
        return {"a": a, "b": b, "n": tn, "m": tm, "q": q, "k": k, "diagonal": diagonal}

    def acceleration_itrs(self, r_itrs: np.ndarray) -> np.ndarray:
        """Acceleration (n, 3) km/s^2 in ITRS axes at Earth-fixed positions (n, 3) km.

        Z_nm = V_nm + i W_nm: the sectoral seeds are Z_mm = (2m-1)!! (x + iy)^m R^(2m+1) /
        r^(2m+1) and each column follows Z_nm = a_nm (zR/r^2) Z_n-1,m - b_nm (R/r)^2 Z_n-2,m.
        """
        t = self._tables
        x, y, z = r_itrs[:, 0], r_itrs[:, 1], r_itrs[:, 2]
        big_r = self.radius_km
        r2 = x * x + y * y + z * z
        fz, rho = z * big_r / r2, big_r * big_r / r2
        top = self.degree + 1
        Z = np.zeros((top + 1, top + 2, len(x)), dtype=complex)
        xy = (x + 1j * y) * big_r / r2
        Z[0, 0] = big_r / np.sqrt(r2)
        for m in range(1, top + 1):
            Z[m, m] = Z[m - 1, m - 1] * xy * (t["diagonal"][m] / t["diagonal"][m - 1])
        for n in range(1, top + 1):
            Z[n, :n] = t["a"][n, :n, None] * fz * Z[n - 1, :n]
            if n >= 2:
                Z[n, :n] -= t["b"][n, :n, None] * rho * Z[n - 2, :n]
        tn, tm, q, k = t["n"], t["m"], t["q"], t["k"]
        up = q[:, None] * Z[tn + 1, tm + 1]
        down = (k * q)[:, None] * Z[tn + 1, tm - 1]
        same = ((tn - tm + 1) * q)[:, None] * Z[tn + 1, tm]
        ax = 0.5 * np.sum(down.real - up.real, axis=0)
        ay = -0.5 * np.sum(up.imag + down.imag, axis=0)
        az = -np.sum(same.real, axis=0)
        return self.mu_km3_s2 / (big_r * big_r) * np.stack([ax, ay, az], axis=-1)

    def acceleration(self, t_s, r, v, env: Environment):
        m = env.gcrs_to_itrs(t_s)
        return self.acceleration_itrs(r @ m.T) @ m

    def partials(self, t_s, r, v, env):
        return None, None
