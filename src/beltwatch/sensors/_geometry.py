"""Vectorised line-of-sight geometry: angles, Earth occultation (shadow: beltwatch.frames).

All vectors in km, any common inertial frame, broadcasting over leading axes.
"""

from __future__ import annotations

import numpy as np

from beltwatch.constants import EARTH_RADIUS_WGS84_KM


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
    return segment_min_distance(observer_km, target_km) < EARTH_RADIUS_WGS84_KM + grazing_height_km


def angular_rate(los_unit: np.ndarray, range_km: np.ndarray, v_rel_km_s: np.ndarray) -> np.ndarray:
    """Rate (rad/s) at which the line of sight turns: |v_rel perpendicular to it| / range."""
    perp = v_rel_km_s - dot(v_rel_km_s, los_unit)[..., None] * los_unit
    return norm(perp) / range_km
