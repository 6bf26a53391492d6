"""Photometry of resident space objects: apparent magnitude from size, albedo and phase angle.

Models (flux relative to the Sun's, at range R from the observer):

* diffuse (Lambertian) sphere of radius r: rho * pi r^2 * (2 / (3 pi^2)) *
  ((pi - phi) cos phi + sin phi) / R^2;
* Lambertian flat plate of area pi r^2 whose normal bisects the Sun and
  observer directions: rho * pi r^2 * cos^2(phi / 2) / (pi R^2);
* specular (glint) sphere: rho * r^2 / (4 R^2), the same at every phase angle.

``specular_fraction`` s mixes the diffuse model (1 - s) with the specular sphere (s).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from beltwatch.constants import AU_KM, SUN_APPARENT_MAGNITUDE_V


class PhaseModel(StrEnum):
    """How an object reflects sunlight with phase angle."""

    DIFFUSE_SPHERE = "diffuse_sphere"
    LAMBERTIAN_PLATE = "lambertian_plate"


def diffuse_sphere_phase_function(phase_angle_rad: np.ndarray) -> np.ndarray:
    """(2 / (3 pi^2)) ((pi - phi) cos phi + sin phi): 2/(3 pi) at phi = 0, 0 at phi = pi."""
    phi = np.asarray(phase_angle_rad, dtype=float)
    return 2.0 / (3.0 * np.pi**2) * ((np.pi - phi) * np.cos(phi) + np.sin(phi))


def lambertian_plate_phase_function(phase_angle_rad: np.ndarray) -> np.ndarray:
    """cos^2(phi / 2) / pi for a plate whose normal bisects Sun and observer (0 past phi = pi)."""
    phi = np.asarray(phase_angle_rad, dtype=float)
    return np.where(phi < np.pi, np.cos(phi / 2.0) ** 2 / np.pi, 0.0)


def reflected_flux_ratio(
    radius_m: np.ndarray | float,
    albedo: np.ndarray | float,
    phase_angle_rad: np.ndarray,
    range_km: np.ndarray,
    model: PhaseModel | str = PhaseModel.DIFFUSE_SPHERE,
    specular_fraction: float = 0.0,
) -> np.ndarray:
    """Flux from the object over the flux from the Sun at the object's distance."""
    r_km = np.asarray(radius_m, dtype=float) / 1e3
    area = np.pi * r_km**2
    if model == "diffuse_sphere":
        diffuse = diffuse_sphere_phase_function(phase_angle_rad)
    elif model == "lambertian_plate":
        diffuse = lambertian_plate_phase_function(phase_angle_rad)
    else:
        raise ValueError(f"unknown photometric model {model!r}")
    specular = 1.0 / (4.0 * np.pi)  # r^2 / 4 = area / (4 pi)
    phase = (1.0 - specular_fraction) * diffuse + specular_fraction * specular
    return np.asarray(albedo, dtype=float) * area * phase / np.asarray(range_km, dtype=float) ** 2


def apparent_magnitude(
    radius_m: np.ndarray | float,
    albedo: np.ndarray | float,
    phase_angle_rad: np.ndarray,
    range_km: np.ndarray,
    sun_distance_km: np.ndarray | float = AU_KM,
    model: PhaseModel | str = PhaseModel.DIFFUSE_SPHERE,
    specular_fraction: float = 0.0,
) -> np.ndarray:
    """Apparent (V-like) magnitude; ``sun_distance_km`` is the object-Sun distance."""
    ratio = reflected_flux_ratio(
        radius_m, albedo, phase_angle_rad, range_km, model, specular_fraction
    )
    sun = SUN_APPARENT_MAGNITUDE_V + 5.0 * np.log10(
        np.asarray(sun_distance_km, dtype=float) / AU_KM
    )
    with np.errstate(divide="ignore"):
        return sun - 2.5 * np.log10(ratio)


def airmass(elevation_rad: np.ndarray) -> np.ndarray:
    """Plane-parallel airmass 1 / sin(elevation), capped at 40 near the horizon."""
    s = np.sin(np.asarray(elevation_rad, dtype=float))
    return np.where(s > 0.025, 1.0 / np.maximum(s, 0.025), 40.0)
