"""Force models: small strategies with one signature, composable by ``+``.

Every force gives, for states of many objects at one time, the acceleration in
GCRS (km/s^2) and its partial derivatives (for the state transition matrix):

    acceleration(t_s, r (n, 3) km, v (n, 3) km/s, env) -> (n, 3) km/s^2
    partials(t_s, r, v, env) -> (da/dr (n, 3, 3) 1/s^2, da/dv (n, 3, 3) 1/s or None)

``t_s`` is seconds of TT from the propagation epoch; ``env`` is an
:class:`~beltwatch.propagation._environment.Environment` (Sun, Moon, pole).
A force whose ``partials`` returns ``(None, None)`` is left out of the STM
(documented per force); all forces here are velocity-independent.

Constants: Earth gravity EGM2008 (tide-free; GM, equatorial radius, J2..J4
from the unnormalised C_n0 = -J_n); Sun and Moon GM from JPL DE440.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from beltwatch.propagation._environment import Environment

GM_EARTH_KM3_S2 = 398600.4415  # EGM2008
EARTH_RADIUS_KM = 6378.1363  # EGM2008 reference radius
# EGM2008 (tide-free) fully normalised zonal coefficients Cbar_n0; J_n = -sqrt(2n+1) Cbar_n0.
EGM2008_CBAR_N0 = {2: -0.484165143790815e-3, 3: 0.957161207093473e-6, 4: 0.539965866638991e-6}
EGM2008_J = {n: -float(np.sqrt(2 * n + 1)) * c for n, c in EGM2008_CBAR_N0.items()}
GM_SUN_KM3_S2 = 1.32712440041279419e11  # DE440
GM_MOON_KM3_S2 = 4902.800118  # DE440
AU_KM = 149_597_870.700
SOLAR_PRESSURE_1AU_N_M2 = 1361.0 / 299_792_458.0  # total solar irradiance / c
SUN_RADIUS_KM = 695_700.0  # IAU 2015 nominal
EARTH_SHADOW_RADIUS_KM = 6378.137


class Force(Protocol):
    """The contract every force model meets (see the module docstring)."""

    def acceleration(
        self, t_s: float, r: np.ndarray, v: np.ndarray, env: Environment
    ) -> np.ndarray: ...

    def partials(
        self, t_s: float, r: np.ndarray, v: np.ndarray, env: Environment
    ) -> tuple[np.ndarray | None, np.ndarray | None]: ...


class _Addable:
    def __add__(self, other: Force) -> ForceModel:
        left = self.forces if isinstance(self, ForceModel) else (self,)
        right = other.forces if isinstance(other, ForceModel) else (other,)
        return ForceModel((*left, *right))


def _norm(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("...i,...i->...", x, x))


def _point_mass_gradient(mu_over_d3: np.ndarray, d_hat: np.ndarray) -> np.ndarray:
    """-mu/d^3 (I - 3 d d^T): the gradient of -mu d/|d|^3 with respect to d, (n, 3, 3)."""
    outer = d_hat[:, :, None] * d_hat[:, None, :]
    return -mu_over_d3[:, None, None] * (np.eye(3) - 3.0 * outer)


@dataclass(frozen=True)
class PointMassEarth(_Addable):
    """Two-body (central) term -mu r / r^3."""

    mu_km3_s2: float = GM_EARTH_KM3_S2

    def acceleration(self, t_s, r, v, env):
        rn = _norm(r)
        return -self.mu_km3_s2 * r / rn[:, None] ** 3

    def partials(self, t_s, r, v, env):
        rn = _norm(r)
        return _point_mass_gradient(self.mu_km3_s2 / rn**3, r / rn[:, None]), None


# Legendre polynomials and derivatives written out per degree: (P_n, P_n', P_n'') of s.
def _legendre(n: int, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s2 = s * s
    if n == 2:
        return 1.5 * s2 - 0.5, 3.0 * s, np.full_like(s, 3.0)
    if n == 3:
        return 2.5 * s2 * s - 1.5 * s, 7.5 * s2 - 1.5, 15.0 * s
    if n == 4:
        return (35.0 * s2 * s2 - 30.0 * s2 + 3.0) / 8.0, 17.5 * s2 * s - 7.5 * s, 52.5 * s2 - 7.5
    raise ValueError(f"zonal degree {n} not implemented (2..4)")


@dataclass(frozen=True)
class ZonalHarmonics(_Addable):
    """Zonal gravity J2..J_degree about the Earth's pole (EGM2008 values by default).

    With s = (r . p) / r for the pole unit vector p, degree n contributes
    mu J_n R^n / r^(n+2) [((n+1) P_n(s) + s P_n'(s)) r_hat - P_n'(s) p].
    ``pole="itrs"`` uses the true (ITRS z) pole, tabulated every 6 h; ``pole="gcrs"``
    uses GCRS z, which is off by the precession since J2000 (~0.1-0.15 deg in 2026;
    see docs/propagation.md for its effect at GEO).
    """

    degree: int = 4
    mu_km3_s2: float = GM_EARTH_KM3_S2
    radius_km: float = EARTH_RADIUS_KM
    j: tuple[tuple[int, float], ...] = tuple(EGM2008_J.items())
    pole: Literal["itrs", "gcrs"] = "itrs"

    def _terms(self):
        return [(n, jn) for n, jn in self.j if 2 <= n <= self.degree]

    def _pole_vector(self, t_s: float, env: Environment) -> np.ndarray:
        return env.pole(t_s) if self.pole == "itrs" else np.array([0.0, 0.0, 1.0])

    def acceleration(self, t_s, r, v, env):
        p = self._pole_vector(t_s, env)
        rn = _norm(r)
        u = r / rn[:, None]
        s = u @ p
        along_u = np.zeros_like(rn)
        along_p = np.zeros_like(rn)
        for n, jn in self._terms():
            pn, dpn, _ = _legendre(n, s)
            k = self.mu_km3_s2 * jn * self.radius_km**n / rn ** (n + 2)
            along_u += k * ((n + 1) * pn + s * dpn)
            along_p -= k * dpn
        return along_u[:, None] * u + along_p[:, None] * p

    def partials(self, t_s, r, v, env):
        p = self._pole_vector(t_s, env)
        rn = _norm(r)
        u = r / rn[:, None]
        s = u @ p
        w = p - s[:, None] * u  # r * grad(s)
        uu = u[:, :, None] * u[:, None, :]
        uw = u[:, :, None] * w[:, None, :]
        pw = p[None, :, None] * w[:, None, :]
        pu = p[None, :, None] * u[:, None, :]
        out = np.zeros((len(rn), 3, 3))
        for n, jn in self._terms():
            pn, dpn, ddpn = _legendre(n, s)
            a = (n + 1) * pn + s * dpn
            da = (n + 2) * dpn + s * ddpn
            k = (self.mu_km3_s2 * jn * self.radius_km**n / rn ** (n + 3))[:, None, None]
            out += k * (
                a[:, None, None] * (np.eye(3) - (n + 3) * uu)
                + da[:, None, None] * uw
                - ddpn[:, None, None] * pw
                + (n + 2) * dpn[:, None, None] * pu
            )
        return out, None


@dataclass(frozen=True)
class ThirdBody(_Addable):
    """Point-mass Sun or Moon: mu_b [(r_b - r)/|r_b - r|^3 - r_b/|r_b|^3] (geocentric frame)."""

    body: Literal["sun", "moon"]
    mu_km3_s2: float | None = None

    @property
    def mu(self) -> float:
        if self.mu_km3_s2 is not None:
            return self.mu_km3_s2
        return GM_SUN_KM3_S2 if self.body == "sun" else GM_MOON_KM3_S2

    def _position(self, t_s: float, env: Environment) -> np.ndarray:
        return env.sun_km(t_s) if self.body == "sun" else env.moon_km(t_s)

    def acceleration(self, t_s, r, v, env):
        rb = self._position(t_s, env)
        d = r - rb
        dn = _norm(d)
        return -self.mu * (d / dn[:, None] ** 3 + rb / (rb @ rb) ** 1.5)

    def partials(self, t_s, r, v, env):
        d = r - self._position(t_s, env)
        dn = _norm(d)
        return _point_mass_gradient(self.mu / dn**3, d / dn[:, None]), None


def shadow_fraction(r: np.ndarray, r_sun: np.ndarray, model: str = "conical") -> np.ndarray:
    """Fraction of the solar disc visible from r (n, 3) km (1 sunlit, 0 umbra).

    ``conical``: apparent discs of Sun and Earth and their overlap area (penumbra);
    ``cylindrical``: 0 inside the Earth-radius cylinder behind the Earth, else 1.
    """
    if model == "none":
        return np.ones(len(r))
    to_sun = r_sun - r
    if model == "cylindrical":
        s_hat = r_sun / np.sqrt(r_sun @ r_sun)
        along = r @ s_hat
        perp = _norm(r - along[:, None] * s_hat)
        return np.where((along < 0) & (perp < EARTH_SHADOW_RADIUS_KM), 0.0, 1.0)
    rn, dn = _norm(r), _norm(to_sun)
    a = np.arcsin(np.minimum(SUN_RADIUS_KM / dn, 1.0))  # apparent Sun radius
    b = np.arcsin(np.minimum(EARTH_SHADOW_RADIUS_KM / rn, 1.0))  # apparent Earth radius
    cos_c = np.einsum("ij,ij->i", -r, to_sun) / (rn * dn)
    c = np.arccos(np.clip(cos_c, -1.0, 1.0))  # separation of the disc centres
    out = np.ones_like(rn)
    umbra = c <= b - a
    out[umbra] = 0.0
    annular = c <= a - b
    out[annular] = 1.0 - (b[annular] / a[annular]) ** 2
    partial = ~umbra & ~annular & (c < a + b)
    if np.any(partial):
        ap, bp, cp = a[partial], b[partial], c[partial]
        x = (cp * cp + ap * ap - bp * bp) / (2.0 * cp)
        y = np.sqrt(np.maximum(ap * ap - x * x, 0.0))
        overlap = (
            ap * ap * np.arccos(np.clip(x / ap, -1, 1))
            + bp * bp * np.arccos(np.clip((cp - x) / bp, -1, 1))
            - cp * y
        )
        out[partial] = 1.0 - overlap / (np.pi * ap * ap)
    return out


@dataclass(frozen=True)
class SolarRadiationPressure(_Addable):
    """Cannonball SRP: -nu P_sun C_R (A/m) (AU/d)^2 d_hat, d = Sun - satellite.

    ``area_to_mass_m2_kg`` and ``cr`` are scalars or arrays of shape (n_objects,).
    ``shadow``: "conical" (penumbra), "cylindrical" or "none". The STM includes the
    point-source gradient but not the derivative of the shadow function.
    """

    area_to_mass_m2_kg: float | np.ndarray = 0.01
    cr: float | np.ndarray = 1.3
    shadow: Literal["conical", "cylindrical", "none"] = "conical"

    def _scale(self, r: np.ndarray, r_sun: np.ndarray) -> np.ndarray:
        """Per object P C_R A/m AU^2 nu, in km^3/s^2 (so that a = -scale d/|d|^3)."""
        k = SOLAR_PRESSURE_1AU_N_M2 * np.asarray(self.cr) * np.asarray(self.area_to_mass_m2_kg)
        return k * 1e-3 * AU_KM**2 * shadow_fraction(r, r_sun, self.shadow)

    def acceleration(self, t_s, r, v, env):
        r_sun = env.sun_km(t_s)
        d = r_sun - r
        dn = _norm(d)
        return -(self._scale(r, r_sun) / dn**3)[:, None] * d

    def partials(self, t_s, r, v, env):
        r_sun = env.sun_km(t_s)
        d = r_sun - r
        dn = _norm(d)
        # a = -c d/|d|^3 with dd/dr = -I: da/dr = -(gradient of -c d/|d|^3 w.r.t. d).
        return -_point_mass_gradient(self._scale(r, r_sun) / dn**3, d / dn[:, None]), None


@dataclass(frozen=True)
class ForceModel(_Addable):
    """A sum of forces; itself a force. ``partials`` sums those that provide them."""

    forces: tuple[Force, ...]

    def acceleration(self, t_s, r, v, env):
        total = np.zeros_like(r)
        for force in self.forces:
            total += force.acceleration(t_s, r, v, env)
        return total

    def partials(self, t_s, r, v, env):
        da_dr = np.zeros((len(r), 3, 3))
        da_dv = None
        for force in self.forces:
            g_r, g_v = force.partials(t_s, r, v, env)
            if g_r is not None:
                da_dr += g_r
            if g_v is not None:
                da_dv = g_v if da_dv is None else da_dv + g_v
        return da_dr, da_dv

    @classmethod
    def two_body(cls, mu_km3_s2: float = GM_EARTH_KM3_S2) -> ForceModel:
        return cls((PointMassEarth(mu_km3_s2),))

    @classmethod
    def geo_default(
        cls,
        area_to_mass_m2_kg: float | np.ndarray = 0.01,
        cr: float | np.ndarray = 1.3,
        *,
        degree: int = 4,
        shadow: Literal["conical", "cylindrical", "none"] = "conical",
    ) -> ForceModel:
        """Two-body + zonals J2..J_degree + Sun + Moon + cannonball SRP."""
        return cls(
            (
                PointMassEarth(),
                ZonalHarmonics(degree=degree),
                ThirdBody("sun"),
                ThirdBody("moon"),
                SolarRadiationPressure(area_to_mass_m2_kg, cr, shadow),
            )
        )
