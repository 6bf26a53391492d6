"""UDL-style JSON observations (field names of the Unified Data Library's EO observation).

The project ships the JSON Schema (``udl_eo_observation.schema.json`` in this
package, :func:`udl_schema`): the UDL's required fields plus what an RA/Dec
observation needs; other UDL fields pass. Every file written is validated against
it and so is every file read. A file is a JSON array of observation objects. Our
writer uses GCRF and full beltwatch markings; the reader also takes J2000/TEME/ITRF
frames and plain UDL markings (see :func:`observations_from_udl`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import erfa
import numpy as np
from astropy.time import Time
from jsonschema import Draft202012Validator, ValidationError

from beltwatch._io import read_text, write_atomic
from beltwatch.errors import InputError
from beltwatch.formats._marking_text import ForeignMarkings, format_marking, parse_marking
from beltwatch.frames import (
    eme2000_to_gcrs,
    radec_from_unit_vector,
    transform_states,
    unit_vector_from_radec,
)
from beltwatch.timescales import format_utc, parse_utc, stack_utc
from beltwatch.values import Observation

DATA_MODES = ("REAL", "TEST", "SIMULATED", "EXERCISE")


@cache
def udl_schema() -> dict:
    """The JSON Schema of one UDL-style EO observation (draft 2020-12)."""
    text = resources.files("beltwatch.formats").joinpath("udl_eo_observation.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(udl_schema())


def validate_udl_records(records: object, source: str = "<records>") -> list[dict]:
    """Check a decoded JSON document against the schema; the error names the record and field."""
    if not isinstance(records, list):
        raise InputError("expected a JSON array of observations", source=source)
    validator = _validator()
    for index, record in enumerate(records):
        error = next(iter(sorted(validator.iter_errors(record), key=lambda e: e.path)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.path) or "record"
            raise InputError(
                f"observation {index}: {_schema_message(error)}", source=source, field=where
            )
    return records


def _schema_message(error: ValidationError) -> str:
    """jsonschema's message, except for 'one of these fields' rules, where it would print
    the whole record."""
    if error.validator == "anyOf":
        options = [
            " and ".join(sub["required"]) for sub in error.validator_value if "required" in sub
        ]
        if options:
            return f"needs {' or '.join(options)}"
    return str(error.message)


def udl_records(
    observations: Sequence[Observation],
    *,
    source: str = "BELTWATCH",
    data_mode: str = "SIMULATED",
) -> list[dict]:
    """UDL-style dicts of observations (RA/Dec and uncertainties in degrees)."""
    if data_mode not in DATA_MODES:
        raise InputError(f"dataMode must be one of {DATA_MODES}", field="dataMode")
    out = []
    stamps = format_utc(stack_utc([o.time for o in observations])) if observations else []
    for obs, stamp in zip(observations, stamps, strict=True):
        record: dict = {
            "id": obs.obs_id,
            "classificationMarking": format_marking(obs.markings),
            "obTime": stamp,
            "idSensor": obs.sensor_id,
            "uct": obs.norad_id is None,
            "ra": math.degrees(obs.ra_rad) % 360.0,
            "declination": math.degrees(obs.dec_rad),
            "referenceFrame": "GCRF",
            "source": source,
            "dataMode": data_mode,
        }
        if obs.norad_id is not None:
            record["satNo"] = int(obs.norad_id)
        if obs.track_id:
            record["trackId"] = obs.track_id
        for key, value in (("raUnc", obs.ra_sigma_rad), ("declinationUnc", obs.dec_sigma_rad)):
            if value is not None and math.isfinite(value):
                record[key] = math.degrees(value)
        position = np.asarray(obs.observer_position_km, dtype=float)
        velocity = np.asarray(obs.observer_velocity_km_s, dtype=float)
        if np.all(np.isfinite(position)):
            record.update(zip(("senx", "seny", "senz"), map(float, position), strict=True))
            record["senReferenceFrame"] = "GCRF"
        if np.all(np.isfinite(velocity)):
            record.update(zip(("senvelx", "senvely", "senvelz"), map(float, velocity), strict=True))
        if obs.magnitude is not None and math.isfinite(obs.magnitude):
            record["mag"] = float(obs.magnitude)
        if obs.solar_phase_angle_rad is not None and math.isfinite(obs.solar_phase_angle_rad):
            record["solarPhaseAngle"] = math.degrees(obs.solar_phase_angle_rad)
        out.append(record)
    return validate_udl_records(out, "<written records>")


def udl_json(observations: Sequence[Observation], **kwargs: str) -> str:
    return json.dumps(udl_records(observations, **kwargs), indent=1) + "\n"


def write_udl_observations(
    observations: Sequence[Observation], path: str | Path, **kwargs: str
) -> Path:
    """Write observations as a UDL-style JSON array (validated), atomically."""
    return write_atomic(path, udl_json(observations, **kwargs))


_INERTIAL_RADEC = {
    "GCRF": "gcrs",
    "ICRF": "gcrs",
    "J2000": "eme2000",
    "EME2000": "eme2000",
    "TEME": "teme",
}
_SENSOR_FRAMES = {
    **_INERTIAL_RADEC,
    **dict.fromkeys(("ITRF", "ECEF", "ECR", "EFG", "EFG/TDR", "ECR/ECEF"), "itrs"),
}


def _to_gcrs(
    frame: str, position: np.ndarray, velocity: np.ndarray, times: Time
) -> tuple[np.ndarray, np.ndarray]:
    """Vectors (n, 3) of one frame at ``times`` in GCRS (EME2000: the frame bias)."""
    if frame == "gcrs":
        return position, velocity
    if frame == "eme2000":
        bias = eme2000_to_gcrs()
        return position @ bias.T, velocity @ bias.T
    known_velocity = np.all(np.isfinite(velocity), axis=-1)
    r, v = transform_states(
        position, np.where(known_velocity[:, None], velocity, 0.0), times, frame, "gcrs"
    )
    if frame != "itrs":  # an unknown inertial velocity stays unknown
        v = np.where(known_velocity[:, None], v, np.nan)
    return r, v


def _sensor_state(records: list[dict], times: Time, source: str) -> tuple[np.ndarray, np.ndarray]:
    """GCRS sensor positions and velocities (n, 3); NaN where a record gives none."""
    n = len(records)
    position = np.full((n, 3), np.nan)
    velocity = np.full((n, 3), np.nan)
    frames = np.empty(n, dtype=object)
    for i, record in enumerate(records):
        frames[i] = _SENSOR_FRAMES[record.get("senReferenceFrame", "GCRF")]
        if "senx" in record:
            position[i] = [record["senx"], record["seny"], record["senz"]]
            if "senvelx" in record:
                velocity[i] = [record["senvelx"], record["senvely"], record["senvelz"]]
        elif "senlat" in record:  # a ground sensor by its geodetic position
            xyz_m = erfa.gd2gc(
                1,
                math.radians(record["senlon"]),
                math.radians(record["senlat"]),
                1000.0 * record.get("senalt", 0.0),
            )
            position[i] = np.asarray(xyz_m) / 1000.0
            velocity[i] = 0.0
            frames[i] = "itrs"
    for frame in set(frames.tolist()):
        rows = np.flatnonzero((frames == frame) & np.all(np.isfinite(position), axis=1))
        if rows.size:
            position[rows], velocity[rows] = _to_gcrs(
                frame, position[rows], velocity[rows], times[rows]
            )
    return position, velocity


def _directions(records: list[dict], times: Time) -> tuple[np.ndarray, np.ndarray]:
    """RA/Dec (rad) in GCRS axes from each record's referenceFrame."""
    ra = np.radians([r["ra"] for r in records])
    dec = np.radians([r["declination"] for r in records])
    frames = np.array(
        [_INERTIAL_RADEC[r.get("referenceFrame", "GCRF")] for r in records], dtype=object
    )
    units = unit_vector_from_radec(ra, dec)
    for frame in set(frames.tolist()) - {"gcrs"}:
        rows = np.flatnonzero(frames == frame)
        units[rows], _ = _to_gcrs(frame, units[rows], np.zeros((rows.size, 3)), times[rows])
    ra, dec = radec_from_unit_vector(units)
    return np.mod(ra, 2 * np.pi), dec


def _times(records: list[dict], source: str) -> Time:
    stamps = []
    for index, record in enumerate(records):
        try:
            stamps.append(parse_utc(record["obTime"], field="obTime"))
        except InputError as exc:
            raise InputError(
                f"observation {index}: {exc.message}", source=source, field="obTime"
            ) from None
    return stack_utc(stamps)


def observations_from_udl(
    records: list[dict],
    source: str = "<records>",
    *,
    foreign_markings: ForeignMarkings | None = None,
) -> list[Observation]:
    """Observations from UDL EO observation records (validated against the schema).

    Records are read as a UDL feed writes them: fields the schema does not list are
    ignored; J2000/EME2000 and TEME angles and sensor states in those frames or in ITRF
    are rotated into GCRS; a plain UDL marking (``U``, ``U//FOUO``) is mapped by
    ``foreign_markings`` (the policy's ``[markings]`` table). ``satNo`` is the object
    unless ``uct`` is true.
    """
    validate_udl_records(records, source)
    if not records:
        return []
    times = _times(records, source)
    ra, dec = _directions(records, times)
    position, velocity = _sensor_state(records, times, source)
    out = []
    for index, record in enumerate(records):
        phase = record.get("solarPhaseAngle")
        try:
            markings = parse_marking(
                record["classificationMarking"],
                source=source,
                field="classificationMarking",
                foreign=foreign_markings,
            )
        except InputError as exc:
            raise InputError(
                f"observation {index}: {exc.message}", source=source, field=exc.field
            ) from None
        sat = record.get("satNo")
        out.append(
            Observation(
                obs_id=str(record.get("id") or f"{Path(source).stem}-{index}"),
                time=times[index],
                ra_rad=float(ra[index]),
                dec_rad=float(dec[index]),
                ra_sigma_rad=math.radians(record.get("raUnc", math.nan)),
                dec_sigma_rad=math.radians(record.get("declinationUnc", math.nan)),
                observer_position_km=position[index],
                observer_velocity_km_s=velocity[index],
                sensor_id=str(record.get("idSensor") or record["origSensorId"]),
                markings=markings,
                magnitude=record.get("mag"),
                norad_id=None if record.get("uct") or sat is None else int(sat),
                track_id=record.get("trackId"),
                solar_phase_angle_rad=math.radians(phase) if phase is not None else None,
            )
        )
    return out


def read_udl_observations(
    path: str | Path, *, foreign_markings: ForeignMarkings | None = None
) -> list[Observation]:
    """Observations from a UDL-style JSON file (see :func:`observations_from_udl`)."""
    text = read_text(path, "a JSON array of UDL EO observations")
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno) from exc
    return observations_from_udl(records, str(path), foreign_markings=foreign_markings)
