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
from enum import StrEnum
from typing import Protocol

import numpy as np

from beltwatch.constants import (
    AU_KM,
    EARTH_RADIUS_EGM2008_KM,
    GM_EARTH_EGM2008_KM3_S2,
    GM_MOON_DE440_KM3_S2,
    GM_SUN_DE440_KM3_S2,
    SOLAR_IRRADIANCE_1AU_W_M2,
    SPEED_OF_LIGHT_KM_S,
)
from beltwatch.frames import Frame, ShadowModel, sunlit_fraction
from beltwatch.propagation._environment import Environment

# EGM2008 (tide-free) fully normalised zonal coefficients Cbar_n0; J_n = -sqrt(2n+1) Cbar_n0.
EGM2008_CBAR_N0 = {2: -0.484165143790815e-3, 3: 0.957161207093473e-6, 4: 0.539965866638991e-6}
EGM2008_J = {n: -float(np.sqrt(2 * n + 1)) * c for n, c in EGM2008_CBAR_N0.items()}
# Solar radiation pressure at 1 au on a perfect absorber, N/m^2 (irradiance / c).
SOLAR_PRESSURE_1AU_N_M2 = SOLAR_IRRADIANCE_1AU_W_M2 / (SPEED_OF_LIGHT_KM_S * 1000.0)


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

    mu_km3_s2: float = GM_EARTH_EGM2008_KM3_S2

    def acceleration(self, t_s, r, v, env):
        rn = _norm(r)
        return -self.mu_km3_s2 * r / rn[:, None] ** 3

    def partials(self, t_s, r, v, env):
        rn = _norm(r)
        return _point_mass_gradient(self.mu_km3_s2 / rn**3, r / rn[:, None]), None


# First and second derivatives of the Legendre polynomials P_n(s), written out per degree.
# The zonal terms need them for n and n + 1, since (n+1) P_n + s P_n' = P_{n+1}'.
def _legendre_derivatives(n: int, s: np.ndarray, s2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if n == 2:
        return 3.0 * s, np.full_like(s, 3.0)
    if n == 3:
        return 7.5 * s2 - 1.5, 15.0 * s
    if n == 4:
        return (17.5 * s2 - 7.5) * s, 52.5 * s2 - 7.5
    if n == 5:
        return (39.375 * s2 - 26.25) * s2 + 1.875, (157.5 * s2 - 52.5) * s
    raise ValueError(f"zonal degree {n} not implemented (2..4)")


@dataclass(frozen=True)
class ZonalHarmonics(_Addable):
    """Zonal gravity J2..J_degree about the Earth's pole (EGM2008 values by default).

    With s = (r . p) / r for the pole unit vector p and q = R / r, degree n adds
    mu J_n q^n / r^2 [P_{n+1}'(s) r_hat - P_n'(s) p] (the gradient of the potential
    -mu J_n q^n P_n(s) / r, written with (n+1) P_n + s P_n' = P_{n+1}').
    ``pole="itrs"`` uses the true (ITRS z) pole, tabulated every 6 h; ``pole="gcrs"``
    uses GCRS z, which is off by the precession since J2000 (~0.15 deg in 2026;
    see docs/propagation.md for its effect at GEO).
    """

    degree: int = 4
    mu_km3_s2: float = GM_EARTH_EGM2008_KM3_S2
    radius_km: float = EARTH_RADIUS_EGM2008_KM
    j: tuple[tuple[int, float], ...] = tuple(EGM2008_J.items())
    pole: Frame = Frame.ITRS

    def __post_init__(self) -> None:
        if not 2 <= self.degree <= 4:
            raise ValueError(f"zonal degree must be 2..4, got {self.degree}")

    def _terms(self) -> list[tuple[int, float]]:
        return sorted((n, jn) for n, jn in self.j if 2 <= n <= self.degree)

    def _geometry(self, t_s: float, r: np.ndarray, env: Environment):
        p = env.pole(t_s) if self.pole == "itrs" else np.array([0.0, 0.0, 1.0])
        inv_r = 1.0 / _norm(r)
        u = r * inv_r[:, None]
        s = u @ p
        return p, inv_r, u, s, s * s

    def acceleration(self, t_s, r, v, env):
        p, inv_r, u, s, s2 = self._geometry(t_s, r, env)
        q = self.radius_km * inv_r
        along_u = np.zeros_like(s)
        along_p = np.zeros_like(s)
        for n, jn in self._terms():
            k = jn * q**n
            along_u += k * _legendre_derivatives(n + 1, s, s2)[0]
            along_p -= k * _legendre_derivatives(n, s, s2)[0]
        mu_r2 = self.mu_km3_s2 * inv_r * inv_r
        return (mu_r2 * along_u)[:, None] * u + (mu_r2 * along_p)[:, None] * p

    def partials(self, t_s, r, v, env):
        # d/dr of a = K r^-(n+2) [A(s) r_hat - P'(s) p], A = P_{n+1}', grad s = (p - s r_hat)/r:
        # K r^-(n+3) [A (I - (n+3) u u^T) + A' u w^T - P'' p w^T + (n+2) P' p u^T], w = p - s u.
        p, inv_r, u, s, s2 = self._geometry(t_s, r, env)
        q = self.radius_km * inv_r
        c_i = np.zeros_like(s)
        c_uu = np.zeros_like(s)
        c_uw = np.zeros_like(s)
        c_pw = np.zeros_like(s)
        c_pu = np.zeros_like(s)
        for n, jn in self._terms():
            k = jn * q**n
            a, da = _legendre_derivatives(n + 1, s, s2)
            dp, ddp = _legendre_derivatives(n, s, s2)
            c_i += k * a
            c_uu -= k * (n + 3) * a
            c_uw += k * da
            c_pw -= k * ddp
            c_pu += k * (n + 2) * dp
        w = p - s[:, None] * u
        mu_r3 = self.mu_km3_s2 * inv_r**3
        c_uw = c_uu[:, None] * u + c_uw[:, None] * w  # rows along u: u (c_uu u + c_uw w)^T
        rows_p = c_pw[:, None] * w + c_pu[:, None] * u
        out = u[:, :, None] * c_uw[:, None, :] + p[None, :, None] * rows_p[:, None, :]
        out += c_i[:, None, None] * np.eye(3)
        return mu_r3[:, None, None] * out, None


class Body(StrEnum):
    """Third bodies with a point-mass attraction."""

    SUN = "sun"
    MOON = "moon"


@dataclass(frozen=True)
class ThirdBody(_Addable):
    """Point-mass Sun or Moon: mu_b [(r_b - r)/|r_b - r|^3 - r_b/|r_b|^3] (geocentric frame)."""

    body: Body
    mu_km3_s2: float | None = None

    @property
    def mu(self) -> float:
        if self.mu_km3_s2 is not None:
            return self.mu_km3_s2
        return GM_SUN_DE440_KM3_S2 if self.body == "sun" else GM_MOON_DE440_KM3_S2

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


@dataclass(frozen=True)
class SolarRadiationPressure(_Addable):
    """Cannonball SRP: -nu P_sun C_R (A/m) (AU/d)^2 d_hat, d = Sun - satellite.

    ``area_to_mass_m2_kg`` and ``cr`` are scalars or arrays of shape (n_objects,).
    ``shadow``: "conical" (penumbra), "cylindrical" or "none". The STM includes the
    point-source gradient but not the derivative of the shadow function.
    """

    area_to_mass_m2_kg: float | np.ndarray = 0.01
    cr: float | np.ndarray = 1.3
    shadow: ShadowModel = ShadowModel.CONICAL

    def _scale(self, r: np.ndarray, r_sun: np.ndarray) -> np.ndarray:
        """Per object P C_R A/m AU^2 nu, in km^3/s^2 (so that a = -scale d/|d|^3)."""
        k = SOLAR_PRESSURE_1AU_N_M2 * np.asarray(self.cr) * np.asarray(self.area_to_mass_m2_kg)
        return k * 1e-3 * AU_KM**2 * sunlit_fraction(r, r_sun, self.shadow)

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
    def two_body(cls, mu_km3_s2: float = GM_EARTH_EGM2008_KM3_S2) -> ForceModel:
        return cls((PointMassEarth(mu_km3_s2),))

    @classmethod
    def geo_default(
        cls,
        area_to_mass_m2_kg: float | np.ndarray = 0.01,
        cr: float | np.ndarray = 1.3,
        *,
        degree: int = 4,
        shadow: ShadowModel = ShadowModel.CONICAL,
        tesseral: bool = True,
    ) -> ForceModel:
        """Two-body + zonals J2..J_degree (+ tesseral terms to degree and order ``degree``)
        + Sun + Moon + cannonball SRP."""
        from beltwatch.propagation._geopotential import TesseralHarmonics

        gravity: tuple[Force, ...] = (PointMassEarth(), ZonalHarmonics(degree=degree))
        if tesseral:
            gravity += (TesseralHarmonics(degree, degree),)
        return cls(
            (
                *gravity,
                ThirdBody(Body.SUN),
                ThirdBody(Body.MOON),
                SolarRadiationPressure(area_to_mass_m2_kg, cr, shadow),
            )
        )
