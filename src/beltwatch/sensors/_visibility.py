"""Visibility of many objects from one sensor at many times (arrays of shape (n_objects, n_times)).

For every object and time: the light-time-corrected line of sight (GCRS), range,
angular rate, solar phase angle, Sun/Moon/Earth-limb angles, elevation (ground),
Earth occultation (with an atmosphere grazing height), Earth's shadow
(cylindrical, and the conical sunlit fraction of the solar disc), apparent
magnitude and SNR, and a bit mask of the constraints that fail (0 = visible).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy.time import Time

from beltwatch.constants import EARTH_RADIUS_WGS84_KM
from beltwatch.frames import (
    light_time_direction,
    moon_position_gcrs_km,
    rotation_matrices,
    rtn_basis,
    sun_position_gcrs_km,
    sunlit_fraction,
)
from beltwatch.propagation import Ephemeris
from beltwatch.sensors._geometry import (
    angle_between,
    angular_rate,
    dot,
    earth_occulted,
    norm,
    unit,
)
from beltwatch.sensors._photometry import airmass, apparent_magnitude
from beltwatch.sensors._platforms import GroundSite
from beltwatch.sensors._sensor import Sensor

# Object-epochs per block of work (threads over blocks, each small enough for the cache).
BLOCK_OBJECT_EPOCHS = 100_000

# Bit flags: why an object is not observable at a time (0: observable).
FLAGS: dict[str, int] = {
    "occulted": 1,  # Earth (plus atmosphere) blocks the line of sight / below the horizon
    "sun": 2,  # within the Sun exclusion angle
    "moon": 4,  # within the Moon exclusion angle
    "earth_limb": 8,  # within the Earth-limb exclusion angle (space-based)
    "eclipsed": 16,  # in the umbra (optical sensors)
    "elevation": 32,  # below the elevation mask (ground)
    "daylight": 64,  # Sun above the twilight limit at the site (ground optical)
    "range": 128,  # beyond the maximum range
    "faint": 256,  # SNR below the detection threshold
    "field_of_regard": 512,  # outside the mount's field of regard
    "invalid": 1024,  # no valid ephemeris
}


@dataclass(frozen=True, eq=False)
class ObserverContext:
    """Per-time quantities of one sensor, each (n_times, ...) in GCRS, km and km/s."""

    times: Time
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    sun_km: np.ndarray
    moon_km: np.ndarray
    reference_axis: np.ndarray  # nadir (host) or zenith (ground) unit vectors
    boresight: np.ndarray | None  # fixed mounts: boresight unit vectors


def _fixed_boresight(sensor: Sensor, r: np.ndarray, v: np.ndarray, enu: np.ndarray | None):
    off, az = sensor.mount.boresight_off_axis_rad, sensor.mount.boresight_azimuth_rad
    if enu is not None:  # ground: from zenith, azimuth from north through east
        horizontal = np.cos(az) * enu[:, 1] + np.sin(az) * enu[:, 0]
        return np.cos(off) * enu[:, 2] + np.sin(off) * horizontal
    radial, along, normal = np.moveaxis(rtn_basis(r, v), -2, 0)
    return -np.cos(off) * radial + np.sin(off) * (np.cos(az) * along + np.sin(az) * normal)


def observer_context(sensor: Sensor, times: Time) -> ObserverContext:
    """Observer states, Sun, Moon and pointing reference axes of ``sensor`` at ``times``."""
    times = Time(np.atleast_1d(times.jd1), np.atleast_1d(times.jd2), format="jd", scale=times.scale)
    platform = sensor.platform
    enu = None
    if isinstance(platform, GroundSite):
        m = rotation_matrices(times)
        r, v = platform.states_gcrs(times, m)
        enu = platform.enu_gcrs(times, m)
        axis = enu[:, 2]
    else:
        r, v = platform.states_gcrs(times)
        axis = -unit(r)
    boresight = _fixed_boresight(sensor, r, v, enu) if sensor.mount.kind == "fixed" else None
    return ObserverContext(
        times, r, v, sun_position_gcrs_km(times), moon_position_gcrs_km(times), axis, boresight
    )


@dataclass(frozen=True, eq=False)
class Visibility:
    """Visibility of ``norad_id`` (n,) from ``sensor_id`` at ``times`` (m): arrays (n, m).

    ``los_unit_gcrs`` (n, m, 3): geometric line of sight to the light-time-corrected
    target (exchange convention). Angles in radians; ``elevation_rad`` and
    ``earth_limb_angle_rad`` are NaN where they do not apply (space / ground).
    ``flags``: OR of :data:`FLAGS` for failed constraints; ``visible`` is flags == 0.
    """

    sensor_id: str
    norad_id: np.ndarray
    times: Time
    los_unit_gcrs: np.ndarray
    range_km: np.ndarray
    light_time_s: np.ndarray
    angular_rate_rad_s: np.ndarray
    phase_angle_rad: np.ndarray
    sun_angle_rad: np.ndarray
    moon_angle_rad: np.ndarray
    earth_limb_angle_rad: np.ndarray
    elevation_rad: np.ndarray
    occulted: np.ndarray
    cylindrical_shadow: np.ndarray
    sunlit_fraction: np.ndarray
    magnitude: np.ndarray
    snr: np.ndarray
    flags: np.ndarray

    @property
    def visible(self) -> np.ndarray:
        return self.flags == 0

    def failing(self, name: str) -> np.ndarray:
        """True where constraint ``name`` (a key of FLAGS) fails."""
        return (self.flags & FLAGS[name]) != 0

    def reason_counts(self) -> dict[str, int]:
        """Object-epochs failing each constraint (one may fail several)."""
        return {name: int(np.count_nonzero(self.flags & bit)) for name, bit in FLAGS.items()}


def evaluate_visibility(
    sensor: Sensor,
    target_position_km: np.ndarray,
    target_velocity_km_s: np.ndarray,
    context: ObserverContext,
    *,
    radius_m: np.ndarray | float = 1.5,
    albedo: np.ndarray | float = 0.2,
    model: str = "diffuse_sphere",
    specular_fraction: float = 0.0,
    norad_id: np.ndarray | None = None,
) -> Visibility:
    """Visibility of targets with GCRS states (n, m, 3) at ``context.times`` from ``sensor``.

    ``radius_m`` and ``albedo``: scalars or (n,) arrays (photometry of optical sensors).
    """
    r_t = np.asarray(target_position_km, dtype=float)
    v_t = np.asarray(target_velocity_km_s, dtype=float)
    n = r_t.shape[0]
    ids = np.arange(n) if norad_id is None else np.asarray(norad_id)
    radius = np.broadcast_to(np.asarray(radius_m, dtype=float), (n,))
    alb = np.broadcast_to(np.asarray(albedo, dtype=float), (n,))

    def block(rows: slice) -> Visibility:
        with np.errstate(invalid="ignore", divide="ignore"):
            return _evaluate(
                sensor,
                r_t[rows],
                v_t[rows],
                context,
                radius[rows],
                alb[rows],
                model,
                specular_fraction,
                ids[rows],
            )

    # numpy releases the GIL in its loops: object blocks run on all cores in threads,
    # and blocks of ~100k object-epochs stay in cache.
    size = max(1, BLOCK_OBJECT_EPOCHS // max(r_t.shape[1], 1))
    blocks = [slice(lo, min(lo + size, n)) for lo in range(0, n, size)] or [slice(0, 0)]
    if len(blocks) == 1:
        return block(blocks[0])
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        parts = list(pool.map(block, blocks))
    return _concatenate(parts)


def _concatenate(parts: list[Visibility]) -> Visibility:
    first = parts[0]
    values: dict[str, Any] = {}
    for name in Visibility.__dataclass_fields__:
        value = getattr(first, name)
        if isinstance(value, np.ndarray):
            values[name] = np.concatenate([getattr(p, name) for p in parts], axis=0)
        else:
            values[name] = value
    return Visibility(**values)


def _evaluate(sensor, r_t, v_t, context, radius_m, albedo, model, specular_fraction, norad_id):
    n = r_t.shape[0]
    c = sensor.constraints
    r_o, v_o = context.position_km, context.velocity_km_s
    ground = sensor.is_ground
    los, rng, tau = light_time_direction(r_t, v_t, r_o)
    # No ephemeris, or the observer itself (a host listed in the catalog): nothing to see.
    valid = np.isfinite(los).all(axis=-1) & (rng > 1.0)
    r_emit = r_t - v_t * tau[..., None]
    to_sun_target = context.sun_km - r_emit
    phase = angle_between(to_sun_target, r_o - r_emit)
    sun_angle = angle_between(los, context.sun_km - r_o)
    moon_angle = angle_between(los, context.moon_km - r_o)
    rate = angular_rate(los, rng, v_t - v_o)
    fraction = sunlit_fraction(r_emit, context.sun_km)
    cylinder = sunlit_fraction(r_emit, context.sun_km, "cylindrical") == 0.0
    flags = np.zeros((n, r_o.shape[0]), dtype=np.uint16)
    flags[~valid] |= FLAGS["invalid"]

    if ground:
        elevation = np.arcsin(np.clip(dot(los, context.reference_axis), -1.0, 1.0))
        limb = np.full_like(rng, np.nan)
        occulted = elevation < 0.0
        if c.min_elevation_rad is not None:
            flags[elevation < c.min_elevation_rad] |= FLAGS["elevation"]
        if c.max_sun_elevation_rad is not None:
            sun_up = dot(unit(context.sun_km - r_o), context.reference_axis)
            flags[:, np.arcsin(np.clip(sun_up, -1, 1)) > c.max_sun_elevation_rad] |= FLAGS[
                "daylight"
            ]
    else:
        elevation = np.full_like(rng, np.nan)
        occulted = earth_occulted(r_o, r_emit, c.atmosphere_height_km)
        earth_radius = np.arcsin(
            np.clip((EARTH_RADIUS_WGS84_KM + c.atmosphere_height_km) / norm(r_o), -1.0, 1.0)
        )
        limb = angle_between(los, -r_o) - earth_radius
        if c.earth_limb_exclusion_rad is not None:
            flags[limb < c.earth_limb_exclusion_rad] |= FLAGS["earth_limb"]
    flags[occulted] |= FLAGS["occulted"]
    if c.sun_exclusion_rad is not None:
        flags[sun_angle < c.sun_exclusion_rad] |= FLAGS["sun"]
    if c.moon_exclusion_rad is not None:
        flags[moon_angle < c.moon_exclusion_rad] |= FLAGS["moon"]
    if c.max_range_km is not None:
        flags[rng > c.max_range_km] |= FLAGS["range"]
    if c.require_sunlit:
        flags[fraction <= 0.0] |= FLAGS["eclipsed"]
    if context.boresight is not None:
        fov = sensor.instrument.field_of_view_rad
        half_fov = min(fov) / 2.0 if fov is not None else 0.0
        flags[angle_between(los, context.boresight) > half_fov] |= FLAGS["field_of_regard"]
    else:
        off_axis = angle_between(los, context.reference_axis)
        flags[off_axis > sensor.mount.field_of_regard_rad] |= FLAGS["field_of_regard"]

    magnitude = np.full_like(rng, np.nan)
    snr = np.full_like(rng, np.nan)
    if sensor.instrument.photometric:
        radius = np.broadcast_to(np.asarray(radius_m, dtype=float), (n,))[:, None]
        alb = np.broadcast_to(np.asarray(albedo, dtype=float), (n,))[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            magnitude = apparent_magnitude(
                radius, alb, phase, rng, norm(to_sun_target), model, specular_fraction
            ) - 2.5 * np.log10(fraction)
            if ground and sensor.extinction_mag_per_airmass > 0:
                magnitude = magnitude + sensor.extinction_mag_per_airmass * airmass(elevation)
            snr = sensor.instrument.detection_snr(magnitude, rate)
        if c.snr_threshold is not None:
            flags[~(snr >= c.snr_threshold) & valid] |= FLAGS["faint"]
    return Visibility(
        sensor.sensor_id,
        np.arange(n) if norad_id is None else np.asarray(norad_id),
        context.times,
        los,
        rng,
        tau,
        rate,
        phase,
        sun_angle,
        moon_angle,
        limb,
        elevation,
        occulted,
        cylinder,
        fraction,
        magnitude,
        snr,
        flags,
    )


def sensor_visibility(
    sensor: Sensor,
    ephemeris: Ephemeris,
    *,
    radius_m: np.ndarray | float | None = None,
    albedo: np.ndarray | float | None = None,
    model: str = "diffuse_sphere",
    specular_fraction: float = 0.0,
    default_radius_m: float = 1.5,
    default_albedo: float = 0.2,
    context: ObserverContext | None = None,
) -> Visibility:
    """Visibility of every object of an ephemeris (any frame) from ``sensor``.

    Unknown (NaN or missing) radius/albedo take ``default_radius_m``/``default_albedo``.
    """
    eph = ephemeris if ephemeris.frame == "gcrs" else ephemeris.to_frame("gcrs")
    n = eph.position_km.shape[0]
    radius = np.broadcast_to(np.asarray(np.nan if radius_m is None else radius_m, float), (n,))
    alb = np.broadcast_to(np.asarray(np.nan if albedo is None else albedo, float), (n,))
    radius = np.where(np.isfinite(radius), radius, default_radius_m)
    alb = np.where(np.isfinite(alb), alb, default_albedo)
    ctx = context if context is not None else observer_context(sensor, eph.times)
    return evaluate_visibility(
        sensor,
        eph.position_km,
        eph.velocity_km_s,
        ctx,
        radius_m=radius,
        albedo=alb,
        model=model,
        specular_fraction=specular_fraction,
        norad_id=eph.norad_id,
    )
