"""WGS-84 geodetic coordinates (ERFA gc2gd) against skyfield's own WGS-84 solution."""

from __future__ import annotations

import numpy as np
from skyfield.api import load, wgs84
from skyfield.toposlib import ITRSPosition
from skyfield.units import Distance

from beltwatch.frames import geodetic_from_itrs


def test_geodetic_matches_skyfield_from_leo_to_beyond_geo() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    radius_km = rng.uniform(6500.0, 50_000.0, n)
    lat = np.arcsin(rng.uniform(-1.0, 1.0, n))
    lat[:4] = np.radians([89.999, -89.999, 0.0, 45.0])  # near the poles, on the equator
    lon = rng.uniform(-np.pi, np.pi, n)
    xyz = radius_km[:, None] * np.stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1
    )
    ours_lat, ours_lon, ours_h = geodetic_from_itrs(xyz)

    t = load.timescale(builtin=True).utc(2026, 5, 30)  # rotated to GCRS and back: same t
    theirs = wgs84.geographic_position_of(ITRSPosition(Distance(km=xyz.T)).at(t))
    # skyfield iterates its latitude to ~2e-8 deg; heights agree to well under 1 mm
    assert np.max(np.abs(np.degrees(ours_lat) - theirs.latitude.degrees)) < 1e-7
    dlon = np.degrees(ours_lon) - theirs.longitude.degrees
    assert np.max(np.abs((dlon + 180.0) % 360.0 - 180.0)) < 1e-7  # ill-conditioned at the poles
    assert np.max(np.abs(ours_h - theirs.elevation.km)) < 1e-6  # 1 mm
    assert np.all(np.abs(ours_lon) <= np.pi)


def test_non_finite_positions_give_nan_without_warnings() -> None:
    xyz = np.array([[[42164.0, 0.0, 0.0], [np.nan, np.nan, np.nan]]])
    lat, lon, height = geodetic_from_itrs(xyz)
    assert lat.shape == (1, 2)
    assert np.isfinite(lat[0, 0]) and np.isnan([lat[0, 1], lon[0, 1], height[0, 1]]).all()
    assert abs(height[0, 0] - (42164.0 - 6378.137)) < 1e-9
