"""Photometry for frame simulation: RSO magnitudes from the observing model of
``beltwatch.sensors`` (diffuse sphere, Earth's conical shadow from ``frames``).
Electron rates and sky background come from the camera model itself
(:meth:`OpticalSensor.electron_rate_e_per_s`), so simulated frames and the
coverage model's SNR share one zero point.
"""

from __future__ import annotations

import numpy as np

from beltwatch.frames import sunlit_fraction
from beltwatch.sensors import OpticalSensor, apparent_magnitude


def electron_rate(mag: np.ndarray, sensor: OpticalSensor) -> np.ndarray:
    """Detected electrons per second from sources of magnitude ``mag``."""
    return sensor.electron_rate_e_per_s(mag)


def sky_electrons_per_pixel_s(sensor: OpticalSensor) -> float:
    """Sky background (zodiacal + stray light) in electrons per pixel per second."""
    return sensor.sky_e_per_pixel_per_s


def rso_magnitude(
    radius_m: np.ndarray,
    albedo: np.ndarray,
    target_km: np.ndarray,
    observer_km: np.ndarray,
    sun_km: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(visual magnitude, solar phase angle rad) of diffuse (Lambertian) spheres.

    Positions GCRS km, shapes broadcasting to (..., 3). In the penumbra the
    magnitude grows with the hidden part of the Sun; NaN in the umbra.
    """
    to_sun = sun_km - target_km
    to_obs = observer_km - target_km
    d_obs = np.linalg.norm(to_obs, axis=-1)
    d_sun = np.linalg.norm(to_sun, axis=-1)
    cos_phase = np.sum(to_sun * to_obs, axis=-1) / (d_sun * d_obs)
    phase = np.arccos(np.clip(cos_phase, -1.0, 1.0))
    mag = apparent_magnitude(radius_m, albedo, phase, d_obs, d_sun)
    lit = sunlit_fraction(target_km, sun_km)
    with np.errstate(divide="ignore"):
        dimmed = mag - 2.5 * np.log10(lit)
    return np.where(lit > 0.0, dimmed, np.nan), phase
