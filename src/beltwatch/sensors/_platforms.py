"""Observer platforms: hosts in orbit (element set or geosynchronous slot) and ground sites.

Every platform answers :meth:`states_gcrs` with GCRS positions (km) and
velocities (km/s) of shape (n_times, 3). Ground sites also give their local
vertical (:meth:`GroundSite.up_gcrs`) and topocentric range/azimuth/elevation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

import erfa
import numpy as np
from astropy.time import Time

from beltwatch.catalog import Catalog, parse_catalog_text
from beltwatch.constants import EARTH_ROTATION_RATE_RAD_S, GEO_RADIUS_KM
from beltwatch.errors import InputError
from beltwatch.frames import rotation_matrices, transform_states
from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import earth_orientation, jd_pair

# Earth's sidereal rotation rate, rad/s: the mean motion of a geosynchronous slot.


def _times_1d(times: Time) -> Time:
    return Time(np.atleast_1d(times.jd1), np.atleast_1d(times.jd2), format="jd", scale=times.scale)


@runtime_checkable
class Observer(Protocol):
    """Anything with a GCRS position and velocity at given times. A platform on the
    Earth's surface also says so with a class attribute ``on_surface = True``."""

    @property
    def platform_id(self) -> str: ...

    def states_gcrs(self, times: Time) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True, eq=False)
class HostPlatform:
    """A host spacecraft propagated with SGP4 from one element set.

    ``states_gcrs(times)`` -> (r_km (n_t, 3), v_km_s (n_t, 3)) in GCRS.
    The host is nadir-pointing: :meth:`nadir_gcrs` is its -z body axis.
    """

    platform_id: str
    element_set: Catalog

    @classmethod
    def from_tle(cls, platform_id: str, line1: str, line2: str) -> HostPlatform:
        """A host from the two lines of a public element set."""
        result = parse_catalog_text(f"{line1.strip()}\n{line2.strip()}\n", source=platform_id)
        return cls(platform_id, result.catalog[[0]])

    @classmethod
    def from_catalog(cls, platform_id: str, catalog: Catalog, norad_id: int) -> HostPlatform:
        """A host from the newest element set of ``norad_id`` in a catalog."""
        rows = catalog[catalog.norad_id == int(norad_id)]
        if not len(rows):
            raise InputError(f"object {norad_id} is not in the catalog", field="norad_id")
        return cls(platform_id, rows.latest()[[0]])

    def states_gcrs(self, times: Time) -> tuple[np.ndarray, np.ndarray]:
        eph = Sgp4Propagator(workers=1).propagate(self.element_set, _times_1d(times), "gcrs")
        if not eph.valid.all():
            raise InputError(
                f"host {self.platform_id}: SGP4 failed (codes {np.unique(eph.error_code)})",
                field="hosts",
            )
        return eph.position_km[0], eph.velocity_km_s[0]

    def nadir_gcrs(self, times: Time) -> np.ndarray:
        r, _ = self.states_gcrs(times)
        return -r / np.linalg.norm(r, axis=-1, keepdims=True)


@dataclass(frozen=True, eq=False)
class GeoSlotHost:
    """An ideal station-kept geosynchronous host: a circular orbit of radius 42,164.17 km.

    The orbit is defined in TEME (true equator, mean equinox): it crosses the
    ascending node at ``epoch`` above geodetic longitude ``longitude_rad`` and is
    inclined by ``inclination_rad``, so its ground track is a small figure-8
    about the slot. States are returned in GCRS.
    """

    platform_id: str
    longitude_rad: float
    inclination_rad: float
    epoch: Time

    def states_gcrs(self, times: Time) -> tuple[np.ndarray, np.ndarray]:
        times = _times_1d(times)
        epoch = _times_1d(self.epoch)
        ut1_1, ut1_2 = erfa.utcut1(*jd_pair(epoch, "utc"), earth_orientation(epoch).ut1_minus_utc_s)
        node = float(erfa.gmst82(ut1_1, ut1_2)[0]) + self.longitude_rad
        dt = (times.tai - epoch.tai[0]).to_value("sec")
        u = EARTH_ROTATION_RATE_RAD_S * np.asarray(dt, dtype=float)
        ci, si = np.cos(self.inclination_rad), np.sin(self.inclination_rad)
        cn, sn = np.cos(node), np.sin(node)
        # Perifocal-like basis: P toward the node, Q 90 degrees ahead in the orbit plane.
        p = np.array([cn, sn, 0.0])
        q = np.array([-sn * ci, cn * ci, si])
        a, n = GEO_RADIUS_KM, EARTH_ROTATION_RATE_RAD_S
        r = a * (np.cos(u)[:, None] * p + np.sin(u)[:, None] * q)
        v = a * n * (-np.sin(u)[:, None] * p + np.cos(u)[:, None] * q)
        return transform_states(r, v, times, "teme", "gcrs")

    def nadir_gcrs(self, times: Time) -> np.ndarray:
        r, _ = self.states_gcrs(times)
        return -r / np.linalg.norm(r, axis=-1, keepdims=True)


@dataclass(frozen=True, eq=False)
class GroundSite:
    """A site on the WGS-84 ellipsoid: geodetic latitude/longitude (rad), height (km)."""

    on_surface: ClassVar[bool] = True
    platform_id: str
    latitude_rad: float
    longitude_rad: float
    altitude_km: float

    @property
    def position_itrs_km(self) -> np.ndarray:
        xyz_m = erfa.gd2gc(1, self.longitude_rad, self.latitude_rad, self.altitude_km * 1e3)
        return np.asarray(xyz_m, dtype=float) / 1e3

    @property
    def enu_itrs(self) -> np.ndarray:
        """Rows east, north, up (geodetic) as ITRS unit vectors, shape (3, 3)."""
        lat, lon = self.latitude_rad, self.longitude_rad
        east = np.array([-np.sin(lon), np.cos(lon), 0.0])
        north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
        up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        return np.stack([east, north, up])

    def states_gcrs(
        self, times: Time, matrices: dict[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        times = _times_1d(times)
        r = np.broadcast_to(self.position_itrs_km, (times.size, 3)).copy()
        return transform_states(r, np.zeros_like(r), times, "itrs", "gcrs", matrices)

    def enu_gcrs(self, times: Time, matrices: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """East, north, up unit vectors in GCRS, shape (n_times, 3, 3) (axis 1: e, n, u)."""
        times = _times_1d(times)
        m = matrices if matrices is not None else rotation_matrices(times)
        axes = np.broadcast_to(self.enu_itrs[:, None, :], (3, times.size, 3)).copy()
        rotated, _ = transform_states(axes, np.zeros_like(axes), times, "itrs", "gcrs", m)
        return np.swapaxes(rotated, 0, 1)

    def up_gcrs(self, times: Time) -> np.ndarray:
        return self.enu_gcrs(times)[:, 2, :]

    def range_az_el(
        self, target_position_gcrs_km: np.ndarray, times: Time
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Geometric (range km, azimuth rad from north through east in [0, 2pi), elevation rad).

        ``target_position_gcrs_km``: shape (..., n_times, 3) at ``times``.
        """
        times = _times_1d(times)
        m = rotation_matrices(times)
        r_site, _ = self.states_gcrs(times, m)
        enu = self.enu_gcrs(times, m)
        line = np.asarray(target_position_gcrs_km, dtype=float) - r_site
        rng = np.linalg.norm(line, axis=-1)
        e, n, u = (np.einsum("...k,...k->...", line, enu[:, i, :]) for i in range(3))
        az = np.mod(np.arctan2(e, n), 2.0 * np.pi)
        el = np.arcsin(np.clip(u / rng, -1.0, 1.0))
        return rng, az, el
