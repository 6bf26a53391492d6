"""JSON forms of released records (degrees and arcseconds at this edge, names with units)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from beltwatch.constants import ARCSEC_RAD
from beltwatch.formats import format_marking
from beltwatch.timescales import format_utc
from beltwatch.values import ElementSet, Event, Markings, Observation, OrbitState


def finite(value: Any) -> float | None:
    """A float, or None where it is missing or not finite (JSON has no NaN)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def vector(values: Any) -> list[float] | None:
    """A list of floats, or None when any component is not finite."""
    if values is None:
        return None
    array = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(array)):
        return None
    return [float(v) for v in array.ravel()]


def markings_json(markings: Markings | None) -> dict[str, Any] | None:
    if markings is None:
        return None
    return {
        "owner": markings.owner,
        "level": markings.level,
        "releasable_to": sorted(markings.releasable_to),
        "text": format_marking(markings),
    }


def observation_json(obs: Observation) -> dict[str, Any]:
    return {
        "obs_id": obs.obs_id,
        "time_utc": format_utc(obs.time),
        "norad_id": obs.norad_id,
        "sensor_id": obs.sensor_id,
        "ra_deg": math.degrees(obs.ra_rad) % 360.0,
        "dec_deg": math.degrees(obs.dec_rad),
        "ra_sigma_arcsec": finite(obs.ra_sigma_rad / ARCSEC_RAD),
        "dec_sigma_arcsec": finite(obs.dec_sigma_rad / ARCSEC_RAD),
        "magnitude": finite(obs.magnitude),
        "observer_position_km": vector(obs.observer_position_km),
        "track_id": obs.track_id,
        "markings": markings_json(obs.markings),
    }


def orbit_json(state: OrbitState, longitude_deg: float | None = None) -> dict[str, Any]:
    covariance = state.covariance
    return {
        "norad_id": state.norad_id,
        "epoch_utc": format_utc(state.epoch),
        "frame": state.frame,
        "position_km": vector(state.position_km),
        "velocity_km_s": vector(state.velocity_km_s),
        "position_sigma_km": None
        if covariance is None
        else finite(math.sqrt(max(float(np.trace(np.asarray(covariance)[:3, :3])), 0.0))),
        "has_covariance": covariance is not None,
        "cr": finite(state.cr),
        "object_name": state.object_name,
        "longitude_deg": finite(longitude_deg),
        "markings": markings_json(state.markings),
    }


def element_set_json(elements: ElementSet, longitude_deg: float | None = None) -> dict[str, Any]:
    return {
        "norad_id": elements.norad_id,
        "epoch_utc": format_utc(elements.epoch),
        "name": elements.name,
        "mean_motion_rev_per_day": elements.mean_motion_rev_per_day,
        "eccentricity": elements.eccentricity,
        "inclination_deg": math.degrees(elements.inclination_rad),
        "raan_deg": math.degrees(elements.raan_rad),
        "arg_perigee_deg": math.degrees(elements.arg_perigee_rad),
        "mean_anomaly_deg": math.degrees(elements.mean_anomaly_rad),
        "bstar": elements.bstar,
        "longitude_deg": finite(longitude_deg),
        "comments": list(elements.comments),
        "markings": markings_json(elements.markings),
    }


def event_json(event: Event) -> dict[str, Any]:
    out = event.to_dict()
    out["markings"] = markings_json(event.markings)
    return out
