"""Line-of-sight directions: light-time-corrected geometric directions and RA/Dec.

The exchange convention (docs/conventions.md): the geometric direction from the
observer at the observation time t to the target at its emission time t - tau,
tau = |r_target(t - tau) - r_observer(t)| / c, in GCRS axes, aberration removed.
"""

from __future__ import annotations

import numpy as np

from beltwatch.constants import SPEED_OF_LIGHT_KM_S


def light_time_direction(
    target_position_km: np.ndarray,
    target_velocity_km_s: np.ndarray,
    observer_position_km: np.ndarray,
    iterations: int = 3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit vector (..., 3), range km (...), light time s (...)) with light-time correction.

    Target states are at the observation time; the emission-time position is
    r(t) - v(t) tau (the neglected acceleration term is ~1 mm for GEO geometry).
    """
    r_t = np.asarray(target_position_km, dtype=float)
    v_t = np.asarray(target_velocity_km_s, dtype=float)
    r_o = np.asarray(observer_position_km, dtype=float)
    tau = np.linalg.norm(r_t - r_o, axis=-1) / SPEED_OF_LIGHT_KM_S
    for _ in range(iterations):
        line = r_t - v_t * tau[..., None] - r_o
        tau = np.linalg.norm(line, axis=-1) / SPEED_OF_LIGHT_KM_S
    line = r_t - v_t * tau[..., None] - r_o
    range_km = np.linalg.norm(line, axis=-1)
    return line / range_km[..., None], range_km, tau


def radec_from_unit_vector(unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(RA in [0, 2 pi), Dec) in radians from unit vectors (..., 3)."""
    u = np.asarray(unit, dtype=float)
    ra = np.mod(np.arctan2(u[..., 1], u[..., 0]), 2.0 * np.pi)
    dec = np.arcsin(np.clip(u[..., 2], -1.0, 1.0))
    return ra, dec


def unit_vector_from_radec(ra_rad: np.ndarray | float, dec_rad: np.ndarray | float) -> np.ndarray:
    """Unit vectors (..., 3) from RA/Dec in radians."""
    ra, dec = np.asarray(ra_rad, dtype=float), np.asarray(dec_rad, dtype=float)
    cos_dec = np.cos(dec)
    return np.stack([cos_dec * np.cos(ra), cos_dec * np.sin(ra), np.sin(dec)], axis=-1)


def aberrate(unit: np.ndarray, observer_velocity_km_s: np.ndarray) -> np.ndarray:
    """Apparent unit vectors (..., 3) seen by an observer moving at ``observer_velocity_km_s``.

    ``unit``: directions of arriving light (pointing to the source) in the frame in
    which the observer moves at that velocity. Exact special-relativistic
    aberration; :func:`deaberrate` with the same velocity is its inverse.
    """
    u = np.asarray(unit, dtype=float)
    beta = np.asarray(observer_velocity_km_s, dtype=float) / SPEED_OF_LIGHT_KM_S
    beta2 = np.sum(beta * beta, axis=-1, keepdims=True)
    inv_gamma = np.sqrt(1.0 - beta2)
    u_dot_b = np.sum(u * beta, axis=-1, keepdims=True)
    apparent = inv_gamma * u + (1.0 + u_dot_b / (1.0 + inv_gamma)) * beta
    return apparent / np.linalg.norm(apparent, axis=-1, keepdims=True)


def deaberrate(apparent_unit: np.ndarray, observer_velocity_km_s: np.ndarray) -> np.ndarray:
    """Unit vectors with the aberration of an observer moving at ``observer_velocity_km_s`` removed.

    Inverse of :func:`aberrate` (the Lorentz boost with the opposite velocity).
    """
    return aberrate(apparent_unit, -np.asarray(observer_velocity_km_s, dtype=float))
