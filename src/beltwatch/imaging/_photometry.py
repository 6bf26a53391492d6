"""Photometry for frame simulation: RSO magnitudes from the observing model of
``beltwatch.sensors`` (diffuse sphere), and the camera's broad-band zero point
(electrons per second from a magnitude).
"""

from __future__ import annotations

import numpy as np

from beltwatch.sensors import OpticalSensor, apparent_magnitude

# Photons per second per m^2 from a magnitude-0 source over a broad visible band
# (V alone gives ~8.8e9; an unfiltered silicon band somewhat more).
PHOTONS_PER_S_M2_MAG0 = 1.0e10
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
    mag = apparent_magnitude(radius_m, albedo, phase, d_obs, d_sun)
    sun_unit = sun_km / np.linalg.norm(sun_km, axis=-1, keepdims=True)
    along = np.sum(target_km * sun_unit, axis=-1)
    perp = np.linalg.norm(target_km - along[..., None] * sun_unit, axis=-1)
    shadow = (along < 0) & (perp < EARTH_RADIUS_KM)
    return np.where(shadow, np.nan, mag), phase
