"""Value types to rows and back: markings, times, observations, element sets, orbits,
events. Times are TAI seconds since J2000 (``beltwatch.timescales``), UTC ``Time`` out."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
from astropy.time import Time

from beltwatch.errors import InputError
from beltwatch.identifiers import is_catalog_number
from beltwatch.store._schema import ID_LENGTH, ElementSetRow, EventRow, ObservationRow, OrbitRow
from beltwatch.timescales import stack_utc, tai_seconds_since_j2000, time_from_tai_seconds
from beltwatch.values import ElementSet, Event, EventKind, Markings, Observation, OrbitState


def tai_s(t: Time) -> float:
    """One time as TAI seconds since J2000."""
    return float(tai_seconds_since_j2000(t))


def tai_s_many(times: Sequence[Time]) -> np.ndarray:
    """Many scalar times as TAI seconds since J2000, in one vectorised conversion."""
    if not times:
        return np.empty(0)
    return np.atleast_1d(tai_seconds_since_j2000(stack_utc(list(times))))


def utc_times(seconds: Sequence[float]) -> list[Time]:
    """Scalar UTC ``Time``s of TAI seconds since J2000, converted in one call."""
    if not len(seconds):
        return []
    utc = time_from_tai_seconds(np.asarray(seconds, dtype=float)).utc
    return [utc[i] for i in range(len(seconds))]


def utc_time(seconds: float) -> Time:
    return time_from_tai_seconds(seconds).utc


def markings_columns(markings: Markings) -> dict[str, str]:
    return {
        "marking_owner": markings.owner,
        "marking_level": markings.level,
        "marking_releasable_to": json.dumps(sorted(markings.releasable_to)),
    }


def markings_of(row: object) -> Markings:
    return Markings(
        row.marking_owner,  # type: ignore[attr-defined]
        row.marking_level,  # type: ignore[attr-defined]
        frozenset(json.loads(row.marking_releasable_to)),  # type: ignore[attr-defined]
    )


def markings_problem(markings: object) -> str | None:
    """Why ``markings`` cannot be stored (None when they can)."""
    if not isinstance(markings, Markings):
        return "no markings (every stored record carries owner, level and releasable-to)"
    if not markings.owner or not markings.level:
        return "markings need an owner and a level"
    return None


def require_markings(markings: object, what: str) -> Markings:
    problem = markings_problem(markings)
    if problem is not None:
        raise InputError(f"{what}: {problem}", field="markings")
    return markings  # type: ignore[return-value]


def require_norad(norad_id: object, what: str) -> int:
    if (
        not isinstance(norad_id, int | np.integer)
        or isinstance(norad_id, bool)
        or not is_catalog_number(int(norad_id))
    ):
        raise InputError(f"{what}: not a catalog number: {norad_id!r}", field="norad_id")
    return int(norad_id)


def _finite(*values: object) -> bool:
    return all(isinstance(v, int | float | np.number) and math.isfinite(v) for v in values)


def observation_problem(obs: Observation) -> str | None:
    """Why ``obs`` cannot be stored (None when it can)."""
    if not isinstance(obs.obs_id, str) or not obs.obs_id or len(obs.obs_id) > ID_LENGTH:
        return f"obs_id must be a non-empty text of at most {ID_LENGTH} characters"
    problem = markings_problem(obs.markings)
    if problem is not None:
        return problem
    if not isinstance(obs.time, Time) or not obs.time.isscalar:
        return "time must be one astropy Time"
    if not _finite(obs.ra_rad, obs.dec_rad):
        return "RA/Dec must be finite"
    if abs(obs.dec_rad) > math.pi / 2:
        return f"Dec {obs.dec_rad} rad is outside [-pi/2, pi/2]"
    if (
        not _finite(obs.ra_sigma_rad, obs.dec_sigma_rad)
        or min(obs.ra_sigma_rad, obs.dec_sigma_rad) < 0
    ):
        return "RA/Dec sigmas must be finite and >= 0"
    for name, vector in (
        ("observer_position_km", obs.observer_position_km),
        ("observer_velocity_km_s", obs.observer_velocity_km_s),
    ):
        array = np.asarray(vector, dtype=float)
        if array.shape != (3,) or not np.all(np.isfinite(array)):
            return f"{name} must be 3 finite numbers"
    if not isinstance(obs.sensor_id, str) or not obs.sensor_id:
        return "sensor_id must be a non-empty text"
    for name, value in (
        ("magnitude", obs.magnitude),
        ("solar_phase_angle_rad", obs.solar_phase_angle_rad),
    ):
        if value is not None and not _finite(value):
            return f"{name} must be finite or absent"
    if obs.norad_id is not None:
        try:
            require_norad(obs.norad_id, "norad_id")
        except InputError:
            return f"norad_id {obs.norad_id!r} is not a catalog number"
    return None


def observation_row(obs: Observation, t_tai_s: float) -> dict:
    """The column values of one valid observation."""
    r = np.asarray(obs.observer_position_km, dtype=float)
    v = np.asarray(obs.observer_velocity_km_s, dtype=float)
    return {
        "obs_id": obs.obs_id,
        "t_tai_s": t_tai_s,
        "ra_rad": float(obs.ra_rad),
        "dec_rad": float(obs.dec_rad),
        "ra_sigma_rad": float(obs.ra_sigma_rad),
        "dec_sigma_rad": float(obs.dec_sigma_rad),
        "observer_x_km": float(r[0]),
        "observer_y_km": float(r[1]),
        "observer_z_km": float(r[2]),
        "observer_vx_km_s": float(v[0]),
        "observer_vy_km_s": float(v[1]),
        "observer_vz_km_s": float(v[2]),
        "sensor_id": obs.sensor_id,
        "norad_id": None if obs.norad_id is None else int(obs.norad_id),
        "magnitude": None if obs.magnitude is None else float(obs.magnitude),
        "frame_id": obs.frame_id,
        "track_id": obs.track_id,
        "solar_phase_angle_rad": (
            None if obs.solar_phase_angle_rad is None else float(obs.solar_phase_angle_rad)
        ),
        **markings_columns(obs.markings),
    }


OBSERVATION_COLUMNS = tuple(c.name for c in ObservationRow.__table__.columns)


def observation_of(row: ObservationRow, time: Time) -> Observation:
    return Observation(
        obs_id=row.obs_id,
        time=time,
        ra_rad=row.ra_rad,
        dec_rad=row.dec_rad,
        ra_sigma_rad=row.ra_sigma_rad,
        dec_sigma_rad=row.dec_sigma_rad,
        observer_position_km=np.array([row.observer_x_km, row.observer_y_km, row.observer_z_km]),
        observer_velocity_km_s=np.array(
            [row.observer_vx_km_s, row.observer_vy_km_s, row.observer_vz_km_s]
        ),
        sensor_id=row.sensor_id,
        markings=markings_of(row),
        magnitude=row.magnitude,
        norad_id=row.norad_id,
        frame_id=row.frame_id,
        track_id=row.track_id,
        solar_phase_angle_rad=row.solar_phase_angle_rad,
    )


def element_set_row(es: ElementSet, source: str, markings: Markings) -> dict:
    return {
        "norad_id": require_norad(es.norad_id, "element set"),
        "epoch_tai_s": tai_s(es.epoch),
        "source": source,
        "mean_motion_rev_per_day": float(es.mean_motion_rev_per_day),
        "eccentricity": float(es.eccentricity),
        "inclination_rad": float(es.inclination_rad),
        "raan_rad": float(es.raan_rad),
        "arg_perigee_rad": float(es.arg_perigee_rad),
        "mean_anomaly_rad": float(es.mean_anomaly_rad),
        "bstar": float(es.bstar),
        "ndot_over_2": float(es.ndot_over_2),
        "nddot_over_6": float(es.nddot_over_6),
        "name": es.name,
        "intl_designator": es.intl_designator,
        "classification": es.classification,
        "element_set_no": int(es.element_set_no),
        "rev_at_epoch": int(es.rev_at_epoch),
        "ephemeris_type": int(es.ephemeris_type),
        "comments": json.dumps(list(es.comments)),
        **markings_columns(markings),
    }


def element_set_of(row: ElementSetRow, epoch: Time) -> ElementSet:
    return ElementSet(
        norad_id=row.norad_id,
        epoch=epoch,
        mean_motion_rev_per_day=row.mean_motion_rev_per_day,
        eccentricity=row.eccentricity,
        inclination_rad=row.inclination_rad,
        raan_rad=row.raan_rad,
        arg_perigee_rad=row.arg_perigee_rad,
        mean_anomaly_rad=row.mean_anomaly_rad,
        bstar=row.bstar,
        ndot_over_2=row.ndot_over_2,
        nddot_over_6=row.nddot_over_6,
        name=row.name,
        intl_designator=row.intl_designator,
        classification=row.classification,
        element_set_no=row.element_set_no,
        rev_at_epoch=row.rev_at_epoch,
        ephemeris_type=row.ephemeris_type,
        markings=markings_of(row),
        comments=tuple(json.loads(row.comments)),
    )


def covariance_text(covariance: np.ndarray | None) -> str | None:
    """A 6x6 or 7x7 covariance as JSON (exact: floats are written with repr)."""
    if covariance is None:
        return None
    matrix = np.asarray(covariance, dtype=float)
    if matrix.shape not in ((6, 6), (7, 7)) or not np.all(np.isfinite(matrix)):
        raise InputError(
            f"covariance must be a finite 6x6 or 7x7 matrix, got shape {matrix.shape}",
            field="covariance",
        )
    return json.dumps(matrix.tolist())


def orbit_of(row: OrbitRow, epoch: Time) -> OrbitState:
    return OrbitState(
        epoch=epoch,
        position_km=np.array([row.x_km, row.y_km, row.z_km]),
        velocity_km_s=np.array([row.vx_km_s, row.vy_km_s, row.vz_km_s]),
        frame=row.frame,
        covariance=None if row.covariance is None else np.array(json.loads(row.covariance)),
        norad_id=row.norad_id,
        markings=markings_of(row),
        object_name=row.object_name,
        intl_designator=row.intl_designator,
        cr=row.cr,
    )


def event_row(event: Event, t_tai_s: float) -> dict:
    record = event.to_dict()  # JSON-ready figures and evidence
    return {
        "event_id": event.event_id,
        "kind": event.kind.value,
        "t_tai_s": t_tai_s,
        "time_sigma_s": None if event.time_sigma_s is None else float(event.time_sigma_s),
        "norad_ids": json.dumps(list(event.norad_ids)),
        "figures": json.dumps(record["figures"]),
        "evidence": json.dumps(record["evidence"]),
        "summary": event.summary,
        **markings_columns(event.markings),
    }


def event_of(row: EventRow, time: Time) -> Event:
    figures = json.loads(row.figures)
    return Event(
        event_id=row.event_id,
        kind=EventKind(row.kind),
        norad_ids=tuple(json.loads(row.norad_ids)),
        time=time,
        markings=markings_of(row),
        figures={k: (math.nan if v is None else float(v)) for k, v in figures.items()},
        evidence=json.loads(row.evidence),
        summary=row.summary,
        time_sigma_s=row.time_sigma_s,
    )
