"""Vectorised line-of-sight geometry: angles, Earth occultation, Earth's shadow.

All vectors in km, any common inertial frame, broadcasting over leading axes.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6378.137  # WGS-84 equatorial radius
SUN_RADIUS_KM = 695_700.0  # IAU 2015 nominal solar radius


def norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("...k,...k->...", v, v))


def unit(v: np.ndarray) -> np.ndarray:
    return v / norm(v)[..., None]


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...k,...k->...", a, b)


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (rad) between vectors, accurate at 0 and pi (atan2 of |a x b| and a.b)."""
    return np.arctan2(norm(np.cross(a, b)), dot(a, b))


def segment_min_distance(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """Smallest distance (km) from the origin to the segment p0 -> p1."""
    d = p1 - p0
    s = np.clip(-dot(p0, d) / dot(d, d), 0.0, 1.0)
    return norm(p0 + s[..., None] * d)


def earth_occulted(
    observer_km: np.ndarray, target_km: np.ndarray, grazing_height_km: float = 0.0
) -> np.ndarray:
    """True where the line observer -> target passes below ``grazing_height_km`` (sphere)."""
    return segment_min_distance(observer_km, target_km) < EARTH_RADIUS_KM + grazing_height_km


def in_cylindrical_shadow(
    target_km: np.ndarray, sun_km: np.ndarray, radius_km: float = EARTH_RADIUS_KM
) -> np.ndarray:
    """True where the target is in Earth's cylindrical shadow (anti-Sun side, within one radius)."""
    s = unit(sun_km)
    along = dot(target_km, s)
    across = norm(target_km - along[..., None] * s)
    return (along < 0.0) & (across < radius_km)


def sunlit_fraction(
    target_km: np.ndarray, sun_km: np.ndarray, radius_km: float = EARTH_RADIUS_KM
) -> np.ndarray:
    """Fraction of the solar disc seen from the target past Earth (conical shadow).

    0 in the umbra, between 0 and 1 in the penumbra, 1 in sunlight. The two
    discs (Sun radius a, Earth radius b, separation c, apparent angles) overlap
    as flat circles (Montenbruck & Gill, Satellite Orbits, 3.4.2).
    """
    to_sun = sun_km - target_km
    a = np.arcsin(np.clip(SUN_RADIUS_KM / norm(to_sun), -1.0, 1.0))
    b = np.arcsin(np.clip(radius_km / norm(target_km), -1.0, 1.0))
    c = angle_between(-target_km, to_sun)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (c**2 + a**2 - b**2) / (2.0 * c)
        y = np.sqrt(np.maximum(a**2 - x**2, 0.0))
        overlap = (
            a**2 * np.arccos(np.clip(x / a, -1.0, 1.0))
            + b**2 * np.arccos(np.clip((c - x) / b, -1.0, 1.0))
            - c * y
        )
        partial = 1.0 - overlap / (np.pi * a**2)
    out = np.where(c >= a + b, 1.0, partial)
    out = np.where(c <= b - a, 0.0, out)  # umbra: Earth's disc covers the Sun's
    out = np.where(c <= a - b, 1.0 - (b / a) ** 2, out)  # annular (not reached at GEO)
    return np.clip(out, 0.0, 1.0)


def angular_rate(los_unit: np.ndarray, range_km: np.ndarray, v_rel_km_s: np.ndarray) -> np.ndarray:
    """Rate (rad/s) at which the line of sight turns: |v_rel perpendicular to it| / range."""
    perp = v_rel_km_s - dot(v_rel_km_s, los_unit)[..., None] * los_unit
    return norm(perp) / range_km
