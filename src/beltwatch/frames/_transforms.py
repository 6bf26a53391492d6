"""TEME, GCRS and ITRS: rotation matrices per time and state transforms between them."""

from __future__ import annotations

import itertools
from enum import StrEnum

import erfa
import numpy as np
from astropy.time import Time

from beltwatch.constants import GMST1982_RATE_RAD_S
from beltwatch.errors import InputError
from beltwatch.timescales import earth_orientation, jd_pair


class Frame(StrEnum):
    """The reference frames of the transform graph (values compare equal to their names)."""

    TEME = "teme"
    GCRS = "gcrs"
    ITRS = "itrs"


FRAMES: tuple[str, ...] = tuple(f.value for f in Frame)


def _rot_z(angle_rad: np.ndarray) -> np.ndarray:
    """Passive rotation about z by ``angle`` (coordinates of a vector in axes turned by +angle)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    m = np.zeros((*np.shape(angle_rad), 3, 3))
    m[..., 0, 0], m[..., 0, 1] = c, s
    m[..., 1, 0], m[..., 1, 1] = -s, c
    m[..., 2, 2] = 1.0
    return m


# Precession-nutation and the GAST-GMST82 offset change slowly (shortest nutation terms
# ~5 days): evaluated on an hourly grid and interpolated, they are good to ~1e-11 rad.
SLOW_TERMS_NODE_SPACING_DAYS = 1.0 / 24.0
SLOW_TERMS_DIRECT_MAX = 64


def _slow_terms(tt1: np.ndarray, tt2: np.ndarray, ut11: np.ndarray, ut12: np.ndarray):
    """(NPB matrices (n, 3, 3), GAST - GMST82 (n,) rad): direct for few times, else interpolated."""

    def direct(a1, a2, u1, u2):
        npb = erfa.pnm06a(a1, a2)
        return npb, erfa.gst06(u1, u2, a1, a2, npb) - erfa.gmst82(u1, u2)

    if tt1.size <= SLOW_TERMS_DIRECT_MAX:
        return direct(tt1, tt2, ut11, ut12)
    origin = float(tt1[0])
    days = (tt1 - origin) + tt2
    first, last = days.min(), days.max()
    count = int(np.ceil((last - first) / SLOW_TERMS_NODE_SPACING_DAYS)) + 1
    nodes = first + np.arange(count + 1) * SLOW_TERMS_NODE_SPACING_DAYS
    ut1_offset = np.median((ut11 - tt1) + (ut12 - tt2))  # UT1 - TT (days), constant to ~1 ms/day
    npb_nodes, offset_nodes = direct(
        np.full(nodes.size, origin), nodes, np.full(nodes.size, origin), nodes + ut1_offset
    )
    npb = np.empty((days.size, 3, 3))
    for i in range(3):
        for j in range(3):
            npb[:, i, j] = np.interp(days, nodes, npb_nodes[:, i, j])
    return npb, np.interp(days, nodes, np.unwrap(offset_nodes))


def rotation_matrices(t: Time) -> dict[str, np.ndarray]:
    """Per-time matrices, shape (n_times, 3, 3).

    ``gcrs_to_teme``: r_teme = M r_gcrs (true equator, TEME x-axis: GCRS rotated by
    bias-precession-nutation, then about z by GAST - GMST82); ``teme_to_pef``:
    R3(GMST82); ``polar``: W(x_p, y_p, s'), so that r_itrs = W R3(GMST82) r_teme.
    """
    t = Time(np.atleast_1d(t.jd1), np.atleast_1d(t.jd2), format="jd", scale=t.scale)
    tt1, tt2 = jd_pair(t, "tt")
    eop = earth_orientation(t)
    utc1, utc2 = jd_pair(t, "utc")
    ut11, ut12 = erfa.utcut1(utc1, utc2, eop.ut1_minus_utc_s)
    npb, gast_minus_gmst82 = _slow_terms(tt1, tt2, ut11, ut12)
    gmst82 = erfa.gmst82(ut11, ut12)
    polar = erfa.pom00(eop.xp_rad, eop.yp_rad, erfa.sp00(tt1, tt2))
    return {
        "gcrs_to_teme": _rot_z(gast_minus_gmst82) @ npb,
        "teme_to_pef": _rot_z(gmst82),
        "polar": polar,
    }


def _apply(matrix: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Apply (n_times, 3, 3) matrices to vectors of shape (..., n_times, 3)."""
    out = np.empty(np.broadcast_shapes(vectors.shape, matrix.shape[:-1]))
    x, y, z = vectors[..., 0], vectors[..., 1], vectors[..., 2]
    for i in range(3):
        out[..., i] = matrix[:, i, 0] * x + matrix[:, i, 1] * y + matrix[:, i, 2] * z
    return out


def _apply_t(matrix: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Apply the transposes of (n_times, 3, 3) matrices to vectors (..., n_times, 3)."""
    return _apply(np.swapaxes(matrix, -1, -2), vectors)


def _omega_cross(r: np.ndarray) -> np.ndarray:
    """Earth rotation vector (z) crossed with r, in km/s for r in km."""
    out = np.empty_like(r)
    out[..., 0] = -GMST1982_RATE_RAD_S * r[..., 1]
    out[..., 1] = GMST1982_RATE_RAD_S * r[..., 0]
    out[..., 2] = 0.0
    return out


def _teme_to_itrs(m: dict, r: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r_pef = _apply(m["teme_to_pef"], r)
    v_pef = _apply(m["teme_to_pef"], v) - _omega_cross(r_pef)
    return _apply(m["polar"], r_pef), _apply(m["polar"], v_pef)


def _itrs_to_teme(m: dict, r: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r_pef = _apply_t(m["polar"], r)
    v_pef = _apply_t(m["polar"], v) + _omega_cross(r_pef)
    return _apply_t(m["teme_to_pef"], r_pef), _apply_t(m["teme_to_pef"], v_pef)


def _teme_to_gcrs(m: dict, r: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _apply_t(m["gcrs_to_teme"], r), _apply_t(m["gcrs_to_teme"], v)


def _gcrs_to_teme(m: dict, r: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _apply(m["gcrs_to_teme"], r), _apply(m["gcrs_to_teme"], v)


# The frame graph: TEME is the hub; every other pair is composed through it.
_EDGES = {
    ("teme", "itrs"): _teme_to_itrs,
    ("itrs", "teme"): _itrs_to_teme,
    ("teme", "gcrs"): _teme_to_gcrs,
    ("gcrs", "teme"): _gcrs_to_teme,
}


def transform_states(
    position_km: np.ndarray,
    velocity_km_s: np.ndarray,
    t: Time,
    from_frame: str,
    to_frame: str,
    matrices: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Transform states of shape (..., n_times, 3) at times ``t`` between frames.

    ``matrices`` may be passed (from :func:`rotation_matrices`) to reuse them.
    """
    for name, value in (("from_frame", from_frame), ("to_frame", to_frame)):
        if value not in FRAMES:
            raise InputError(f"unknown frame {value!r}; expected one of {FRAMES}", field=name)
    r = np.asarray(position_km, dtype=float)
    v = np.asarray(velocity_km_s, dtype=float)
    if from_frame == to_frame:
        return r, v
    m = matrices if matrices is not None else rotation_matrices(t)
    path = (
        [from_frame, to_frame]
        if "teme" in (from_frame, to_frame)
        else [from_frame, "teme", to_frame]
    )
    for a, b in itertools.pairwise(path):
        r, v = _EDGES[(a, b)](m, r, v)
    return r, v
