"""Minimal photometry for frame simulation, until ``beltwatch.sensors`` provides its model.

TODO(sensors photometry): switch :func:`rso_magnitude` and :func:`electron_rate`
to the observing model of ``beltwatch.sensors`` when it lands; these are clearly
minimal stand-ins (a diffuse sphere, one broad-band zero point).
"""

from __future__ import annotations

import numpy as np

from beltwatch.sensors import OpticalSensor

# Photons per second per m^2 from a magnitude-0 source over a broad visible band
# (V alone gives ~8.8e9; an unfiltered silicon band somewhat more).
PHOTONS_PER_S_M2_MAG0 = 1.0e10
SUN_MAGNITUDE = -26.74
EARTH_RADIUS_KM = 6378.137


def electron_rate(mag: np.ndarray, sensor: OpticalSensor) -> np.ndarray:
    """Detected electrons per second from sources of magnitude ``mag``."""
    area_m2 = np.pi * (sensor.aperture_m / 2.0) ** 2
    gain = area_m2 * sensor.quantum_efficiency * sensor.optical_throughput
    return PHOTONS_PER_S_M2_MAG0 * gain * 10.0 ** (-0.4 * np.asarray(mag, dtype=float))


def sky_electrons_per_pixel_s(sensor: OpticalSensor) -> float:
    """Sky background (zodiacal + stray light) in electrons per pixel per second."""
    per_arcsec2 = electron_rate(sensor.sky_background_mag_per_arcsec2, sensor)
    return float(per_arcsec2 * sensor.pixel_scale_arcsec**2)


def rso_magnitude(
    radius_m: np.ndarray,
    albedo: np.ndarray,
    target_km: np.ndarray,
    observer_km: np.ndarray,
    sun_km: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(visual magnitude, solar phase angle rad) of diffuse (Lambertian) spheres.

    Positions GCRS km, shapes broadcasting to (..., 3). NaN magnitude in Earth's
    (cylindrical) shadow.
    """
    to_sun = sun_km - target_km
    to_obs = observer_km - target_km
    d_obs = np.linalg.norm(to_obs, axis=-1)
    d_sun = np.linalg.norm(to_sun, axis=-1)
    cos_phase = np.sum(to_sun * to_obs, axis=-1) / (d_sun * d_obs)
    phase = np.arccos(np.clip(cos_phase, -1.0, 1.0))
    phase_fn = (2.0 / (3.0 * np.pi**2)) * ((np.pi - phase) * np.cos(phase) + np.sin(phase))
    radius_km = np.asarray(radius_m, dtype=float) / 1000.0
    ratio = np.asarray(albedo, dtype=float) * radius_km**2 / d_obs**2 * phase_fn * np.pi
    mag = SUN_MAGNITUDE - 2.5 * np.log10(np.maximum(ratio, 1e-300))
    sun_unit = sun_km / np.linalg.norm(sun_km, axis=-1, keepdims=True)
    along = np.sum(target_km * sun_unit, axis=-1)
    perp = np.linalg.norm(target_km - along[..., None] * sun_unit, axis=-1)
    shadow = (along < 0) & (perp < EARTH_RADIUS_KM)
    return np.where(shadow, np.nan, mag), phase
