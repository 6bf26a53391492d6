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


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _number(value: object) -> float | None:
    """``value`` as a float when it is a real number (else None)."""
    if isinstance(value, float | int | np.floating | np.integer) and not isinstance(value, bool):
        return float(value)
    return None


def _triple(value: object) -> list[float | None] | None:
    """Three finite numbers, or three NaN (unknown: NULLs); None when neither."""
    items = value.tolist() if isinstance(value, np.ndarray) else value
    if not isinstance(items, list | tuple) or len(items) != 3:
        return None
    numbers = [_number(x) for x in items]
    if any(x is None for x in numbers):
        return None
    if all(math.isfinite(x) for x in numbers):  # type: ignore[arg-type]
        return numbers
    if all(math.isnan(x) for x in numbers):  # type: ignore[arg-type]
        return [None, None, None]
    return None


def _sigma(value: object) -> float | str | None:
    number = _number(value)
    if number is None or number < 0 or math.isinf(number):
        return "bad"
    return None if math.isnan(number) else number


def observation_row(obs: Observation) -> dict | str:
    """The column values of one observation, except its time and markings columns; or
    why it cannot be stored. Unknown sigmas and observer states (NaN) become NULL."""
    if not isinstance(obs.obs_id, str) or not obs.obs_id or len(obs.obs_id) > ID_LENGTH:
        return f"obs_id must be a non-empty text of at most {ID_LENGTH} characters"
    problem = markings_problem(obs.markings)
    if problem is not None:
        return problem
    if not isinstance(obs.time, Time) or obs.time.shape != ():
        return "time must be one astropy Time"
    ra, dec = _number(obs.ra_rad), _number(obs.dec_rad)
    if ra is None or dec is None or not math.isfinite(ra) or not math.isfinite(dec):
        return "RA/Dec must be finite"
    if abs(dec) > math.pi / 2:
        return f"Dec {dec} rad is outside [-pi/2, pi/2]"
    ra_sigma, dec_sigma = _sigma(obs.ra_sigma_rad), _sigma(obs.dec_sigma_rad)
    if ra_sigma == "bad" or dec_sigma == "bad":
        return "ra_sigma_rad/dec_sigma_rad must be >= 0 and finite, or NaN when unknown"
    r = _triple(obs.observer_position_km)
    if r is None:
        return "observer_position_km must be 3 finite numbers, or all NaN when unknown"
    v = _triple(obs.observer_velocity_km_s)
    if v is None:
        return "observer_velocity_km_s must be 3 finite numbers, or all NaN when unknown"
    if not isinstance(obs.sensor_id, str) or not obs.sensor_id:
        return "sensor_id must be a non-empty text"
    optional = {}
    for name in ("magnitude", "solar_phase_angle_rad"):
        value = getattr(obs, name)
        number = None if value is None else _number(value)
        if value is not None and (number is None or not math.isfinite(number)):
            return f"{name} must be finite or absent"
        optional[name] = number
    norad = obs.norad_id
    if norad is not None and (
        _number(norad) is None or not float(norad).is_integer() or not is_catalog_number(int(norad))
    ):
        return f"norad_id {norad!r} is not a catalog number"
    return {
        "obs_id": obs.obs_id,
        "ra_rad": ra,
        "dec_rad": dec,
        "ra_sigma_rad": ra_sigma,
        "dec_sigma_rad": dec_sigma,
        "observer_x_km": r[0],
        "observer_y_km": r[1],
        "observer_z_km": r[2],
        "observer_vx_km_s": v[0],
        "observer_vy_km_s": v[1],
        "observer_vz_km_s": v[2],
        "sensor_id": obs.sensor_id,
        "norad_id": None if norad is None else int(norad),
        "magnitude": optional["magnitude"],
        "frame_id": obs.frame_id,
        "track_id": obs.track_id,
        "solar_phase_angle_rad": optional["solar_phase_angle_rad"],
    }


def observation_of(row: ObservationRow, time: Time) -> Observation:
    return Observation(
        obs_id=row.obs_id,
        time=time,
        ra_rad=row.ra_rad,
        dec_rad=row.dec_rad,
        ra_sigma_rad=_nan(row.ra_sigma_rad),
        dec_sigma_rad=_nan(row.dec_sigma_rad),
        observer_position_km=np.array(
            [_nan(row.observer_x_km), _nan(row.observer_y_km), _nan(row.observer_z_km)]
        ),
        observer_velocity_km_s=np.array(
            [_nan(row.observer_vx_km_s), _nan(row.observer_vy_km_s), _nan(row.observer_vz_km_s)]
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
