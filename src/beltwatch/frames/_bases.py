"""Local bases: the orbit's radial/transverse/normal frame, the sky's tangent plane,
and the EME2000 frame bias.

Every function is vectorised over leading axes (``...``).
"""

from __future__ import annotations

from functools import cache

import erfa
import numpy as np

from beltwatch.constants import J2000_JD

_Z_AXIS = np.array([0.0, 0.0, 1.0])
_X_AXIS = np.array([1.0, 0.0, 0.0])


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def rtn_basis(position_km: np.ndarray, velocity_km_s: np.ndarray) -> np.ndarray:
    """Rows R (radial), T (transverse, along-track), N (orbit normal): (..., 3, 3).

    ``basis @ x`` gives a vector's RTN (also called RIC or RSW) components; the
    basis is in the state's own frame. T = N x R, so T is along the velocity for a
    circular orbit.
    """
    r = np.asarray(position_km, dtype=float)
    radial = _unit(r)
    normal = _unit(np.cross(r, np.asarray(velocity_km_s, dtype=float)))
    return np.stack([radial, np.cross(normal, radial), normal], axis=-2)


def tangent_plane_basis(direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(east, north) unit vectors (..., 3) of the sky's tangent plane at unit ``direction``.

    East points toward increasing right ascension (z x u), north toward the pole
    (u x east): the axes of a gnomonic (TAN) projection. Within 1e-8 rad of a pole,
    where east is undefined, x x u stands in for it.
    """
    u = np.asarray(direction, dtype=float)
    east = np.cross(np.broadcast_to(_Z_AXIS, u.shape), u)
    at_pole = np.linalg.norm(east, axis=-1) < 1e-8
    if np.any(at_pole):
        east = np.where(at_pole[..., None], np.cross(np.broadcast_to(_X_AXIS, u.shape), u), east)
    east = _unit(east)
    return east, np.cross(u, east)


def gnomonic_project(units: np.ndarray, tangent: np.ndarray) -> np.ndarray:
    """Gnomonic (east, north) plane coordinates (..., 2), radians, of unit vectors about
    tangent directions; ``units`` (..., k, 3) with ``tangent`` (..., 3), or both (..., 3)."""
    u = np.asarray(units, dtype=float)
    t = np.asarray(tangent, dtype=float)
    east, north = tangent_plane_basis(t)
    if u.ndim > t.ndim:  # several units per tangent point
        east, north, t = east[..., None, :], north[..., None, :], t[..., None, :]
    depth = np.sum(u * t, axis=-1)
    return (
        np.stack([np.sum(u * east, axis=-1), np.sum(u * north, axis=-1)], axis=-1)
        / depth[..., None]
    )


@cache
def _bias_matrix() -> np.ndarray:
    rb, _rp, _rbp = erfa.bp06(J2000_JD, 0.0)
    matrix = np.asarray(rb).T  # rb rotates GCRS into mean J2000; its transpose goes back
    matrix.setflags(write=False)
    return matrix


def eme2000_to_gcrs() -> np.ndarray:
    """Rotation (3, 3) from EME2000 (mean J2000 equator and equinox) to GCRS axes:
    the IAU 2006 frame bias (about 23 mas). ``gcrs = M @ eme2000``."""
    return _bias_matrix()
