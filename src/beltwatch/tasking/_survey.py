"""Survey tiles that cover the GEO belt as a sensor sees it.

A tile is a point of the belt fixed to the Earth: geocentric longitude and
latitude at the geosynchronous radius (ITRS). GEO objects stay near fixed
Earth-fixed points, so a tile keeps its objects over a night or a day. Tiles
are laid out once, from the observer's position at a reference time: stripes
along the belt spaced by the field width, and in each stripe rows across the
latitude band ``+-band`` (inclined objects) spaced by the field height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time

from beltwatch.constants import EARTH_RADIUS_WGS84_KM, GEO_RADIUS_KM
from beltwatch.frames import transform_states
from beltwatch.sensors import (
    Sensor,
    angle_between,
)

# Longitude sampling of the belt when laying out stripes.
_FINE_STEP_RAD = np.radians(0.05)
# At most this many rows across the band per stripe (near neighbours span a huge angle).
MAX_ROWS = 25


@dataclass(frozen=True, eq=False)
class SurveyTiles:
    """Belt tiles: geocentric ``longitude_rad``/``latitude_rad`` (ITRS) at the GEO radius."""

    longitude_rad: np.ndarray
    latitude_rad: np.ndarray

    def __len__(self) -> int:
        return int(self.longitude_rad.size)

    @property
    def position_itrs_km(self) -> np.ndarray:
        """(n_tiles, 3) Earth-fixed belt points, km."""
        return belt_points_itrs(self.longitude_rad, self.latitude_rad)

    def positions_gcrs_km(self, times: Time) -> np.ndarray:
        """(n_tiles, n_times, 3) GCRS positions of the tile points at ``times``."""
        times = Time(
            np.atleast_1d(times.jd1), np.atleast_1d(times.jd2), format="jd", scale=times.scale
        )
        r = np.broadcast_to(self.position_itrs_km[:, None, :], (len(self), times.size, 3)).copy()
        out, _ = transform_states(r, np.zeros_like(r), times, "itrs", "gcrs")
        return out


def belt_points_itrs(longitude_rad: np.ndarray, latitude_rad: np.ndarray) -> np.ndarray:
    lon, lat = np.asarray(longitude_rad, dtype=float), np.asarray(latitude_rad, dtype=float)
    return GEO_RADIUS_KM * np.stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1
    )


def _directions(observer_itrs: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    line = belt_points_itrs(lon, lat) - observer_itrs
    return line / np.linalg.norm(line, axis=-1, keepdims=True)


def belt_tiles(
    sensor: Sensor, reference_time: Time, band_rad: float, overlap: float = 0.1
) -> SurveyTiles:
    """Tile the belt seen from ``sensor`` at ``reference_time`` with its camera's field.

    Only belt longitudes in the mount's field of regard (and above the horizon
    for a ground site) at the reference time get tiles.
    """
    fov = sensor.instrument.field_of_view_rad
    if fov is None:
        raise ValueError(f"sensor {sensor.sensor_id} has no field of view to tile the belt with")
    t = Time(
        np.atleast_1d(reference_time.jd1)[:1],
        np.atleast_1d(reference_time.jd2)[:1],
        format="jd",
        scale=reference_time.scale,
    )
    r, v = sensor.platform.states_gcrs(t)
    obs, _ = transform_states(r, v, t, "gcrs", "itrs")
    obs = obs[0]
    reference_axis = obs / np.linalg.norm(obs)  # zenith (ground) or -nadir (host)
    if not sensor.is_ground:
        reference_axis = -reference_axis
    fov_w, fov_h = fov
    lon = np.arange(0.0, 2 * np.pi, _FINE_STEP_RAD)
    lat0 = np.zeros_like(lon)
    dirs = _directions(obs, lon, lat0)
    off_axis = angle_between(dirs, reference_axis)
    usable = off_axis <= sensor.mount.field_of_regard_rad
    if sensor.is_ground:
        usable &= off_axis <= np.pi / 2
    else:  # from orbit the line of sight must clear the Earth and its atmosphere
        line = belt_points_itrs(lon, lat0) - obs
        s = np.clip(-(line @ obs) / np.einsum("ij,ij->i", line, line), 0.0, 1.0)
        grazing = EARTH_RADIUS_WGS84_KM + sensor.constraints.atmosphere_height_km
        usable &= np.linalg.norm(obs + s[:, None] * line, axis=-1) > grazing
    if not usable.any():
        return SurveyTiles(np.zeros(0), np.zeros(0))
    # Start at a gap so that stripes run along one visible arc.
    start = int(np.argmin(usable)) if not usable.all() else 0
    order = np.roll(np.arange(lon.size), -start)
    lon, dirs, usable = lon[order], dirs[order], usable[order]
    step = np.r_[0.0, angle_between(dirs[1:], dirs[:-1])]
    along = np.cumsum(np.where(usable, step, 0.0))
    spacing = fov_w * (1.0 - overlap)
    stripe = np.floor(along / spacing)
    lons: list[float] = []
    lats: list[float] = []
    for k in np.unique(stripe[usable]):
        idx = np.flatnonzero(usable & (stripe == k))
        centre = lon[idx[idx.size // 2]]
        top = _directions(obs, np.array([centre]), np.array([band_rad]))[0]
        mid = _directions(obs, np.array([centre]), np.array([0.0]))[0]
        height = 2.0 * float(angle_between(top, mid))
        rows = int(min(MAX_ROWS, max(1, np.ceil(height / (fov_h * (1.0 - overlap))))))
        rows += 1 - rows % 2  # odd: one row always sits on the equatorial belt itself
        edges = np.linspace(-band_rad, band_rad, rows + 1)
        lats.extend(0.5 * (edges[1:] + edges[:-1]))
        lons.extend([centre] * rows)
    return SurveyTiles(np.mod(np.array(lons), 2 * np.pi), np.array(lats))
