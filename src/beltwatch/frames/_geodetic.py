"""Geodetic coordinates on the WGS-84 ellipsoid from Earth-fixed (ITRS) positions."""

from __future__ import annotations

import erfa
import numpy as np

WGS84 = 1  # ERFA's ellipsoid number for WGS-84


def geodetic_from_itrs(position_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS-84 geodetic (latitude rad, longitude rad east in [-pi, pi], height km above the
    ellipsoid) of ITRS positions (..., 3) km, through ERFA ``gc2gd``.

    The longitude is the sub-satellite longitude; rows with a non-finite position give NaN.
    """
    r = np.asarray(position_km, dtype=float)
    lat, lon, height = (np.full(r.shape[:-1], np.nan) for _ in range(3))
    ok = np.isfinite(r).all(axis=-1)
    if ok.any():
        elong, phi, height_m = erfa.gc2gd(WGS84, r[ok] * 1e3)
        lat[ok], lon[ok], height[ok] = phi, elong, height_m / 1e3
    return lat, lon, height
