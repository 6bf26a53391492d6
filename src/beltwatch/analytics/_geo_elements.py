"""Synchronous (equinoctial) elements of states: what GEO station keeping controls.

From a TEME state (km, km/s): semi-major axis a (km), mean longitude L = M + w + O
(rad, inertial), eccentricity vector e (cos(w + O), sin(w + O)) and inclination
vector h_xy = sin i (sin O, -cos O) (the equatorial components of the orbit normal),
regular at zero eccentricity and inclination. Earth-fixed mean longitude is
L - theta (theta: the Earth's rotation angle, GMST 1982 as TEME defines it).

Impulse effects (circular orbit, speed v, burn at right ascension alpha):
tangential dv changes a by 2 a dv / v and e by 2 dv / v (cos alpha, sin alpha);
radial dv changes e by dv / v (sin alpha, -cos alpha) and L by -2 dv / v;
normal dv changes h_xy by dv / v (sin alpha, -cos alpha).
"""

from __future__ import annotations

from dataclasses import dataclass

import erfa
import numpy as np
from astropy.time import Time

from beltwatch.constants import GM_EARTH_WGS72_KM3_S2

TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class SynchronousElements:
    """Arrays of equal shape: a (km), L (rad), e vector, h_xy (orbit-normal x, y)."""

    a_km: np.ndarray
    mean_longitude_rad: np.ndarray
    ex: np.ndarray
    ey: np.ndarray
    hx: np.ndarray
    hy: np.ndarray

    @property
    def eccentricity(self) -> np.ndarray:
        return np.hypot(self.ex, self.ey)

    @property
    def inclination_rad(self) -> np.ndarray:
        hz = np.sqrt(np.clip(1 - self.hx**2 - self.hy**2, 0.0, 1.0))
        return np.arctan2(np.hypot(self.hx, self.hy), hz)


def synchronous_elements(r_km: np.ndarray, v_km_s: np.ndarray) -> SynchronousElements:
    """Osculating synchronous elements of states r, v (..., 3) (TEME or any inertial axes)."""
    r = np.asarray(r_km, float)
    v = np.asarray(v_km_s, float)
    mu = GM_EARTH_WGS72_KM3_S2
    rn = np.linalg.norm(r, axis=-1)
    h = np.cross(r, v)
    w = h / np.linalg.norm(h, axis=-1)[..., None]
    a = 1.0 / (2.0 / rn - np.sum(v * v, -1) / mu)
    # Equinoctial frame f, g in the orbit plane (prograde), from the normal direction.
    chi = w[..., 0] / (1.0 + w[..., 2])
    psi = -w[..., 1] / (1.0 + w[..., 2])
    d = 1.0 + chi**2 + psi**2
    f = np.stack([1 - chi**2 + psi**2, 2 * chi * psi, -2 * chi], -1) / d[..., None]
    g = np.stack([2 * chi * psi, 1 + chi**2 - psi**2, 2 * psi], -1) / d[..., None]
    e_vec = np.cross(v, h) / mu - r / rn[..., None]
    ex, ey = np.sum(e_vec * f, -1), np.sum(e_vec * g, -1)
    true_longitude = np.arctan2(np.sum(r * g, -1), np.sum(r * f, -1))
    e = np.hypot(ex, ey)
    nu = true_longitude - np.arctan2(ey, ex)
    ecc = 2.0 * np.arctan2(np.sqrt(1 - e) * np.sin(nu / 2), np.sqrt(1 + e) * np.cos(nu / 2))
    mean_longitude = np.mod(ecc - e * np.sin(ecc) + np.arctan2(ey, ex), TWO_PI)
    return SynchronousElements(a, mean_longitude, ex, ey, w[..., 0], w[..., 1])


def earth_rotation_angle_rad(times: Time) -> np.ndarray:
    """The angle TEME turns into Earth-fixed axes at ``times``: Greenwich mean sidereal time
    (IAU 1982, of UT1), as TEME is defined (Vallado et al. 2006); polar motion (below
    1e-6 rad) left out."""
    t = Time(np.atleast_1d(times.jd1), np.atleast_1d(times.jd2), format="jd", scale=times.scale)
    ut1 = t.ut1
    return np.asarray(erfa.gmst82(ut1.jd1, ut1.jd2), dtype=float)


def wrap_rad(angle: np.ndarray) -> np.ndarray:
    """Angles into [-pi, pi)."""
    return np.mod(np.asarray(angle) + np.pi, TWO_PI) - np.pi
