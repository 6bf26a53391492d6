"""UDL-style JSON observations (field names of the Unified Data Library's EO observation).

The project ships the JSON Schema (``udl_eo_observation.schema.json`` in this
package, :func:`udl_schema`); every file written is validated against it and so
is every file read. A file is a JSON array of observation objects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from jsonschema import Draft202012Validator

from beltwatch._io import write_atomic
from beltwatch.errors import InputError
from beltwatch.formats._marking_text import format_marking, parse_marking
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
            raise InputError(f"observation {index}: {error.message}", source=source, field=where)
    return records


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


def observations_from_udl(records: list[dict], source: str = "<records>") -> list[Observation]:
    """Observations from validated UDL-style dicts."""
    validate_udl_records(records, source)
    out = []
    for index, record in enumerate(records):
        sen = [record.get(k, math.nan) for k in ("senx", "seny", "senz")]
        vel = [record.get(k, math.nan) for k in ("senvelx", "senvely", "senvelz")]
        phase = record.get("solarPhaseAngle")
        out.append(
            Observation(
                obs_id=record.get("id", f"{Path(source).stem}-{index}"),
                time=parse_utc(record["obTime"], field="obTime"),
                ra_rad=math.radians(record["ra"]),
                dec_rad=math.radians(record["declination"]),
                ra_sigma_rad=math.radians(record.get("raUnc", math.nan)),
                dec_sigma_rad=math.radians(record.get("declinationUnc", math.nan)),
                observer_position_km=np.array(sen, dtype=float),
                observer_velocity_km_s=np.array(vel, dtype=float),
                sensor_id=record["idSensor"],
                markings=parse_marking(
                    record["classificationMarking"], source=source, field="classificationMarking"
                ),
                magnitude=record.get("mag"),
                norad_id=record.get("satNo"),
                track_id=record.get("trackId"),
                solar_phase_angle_rad=math.radians(phase) if phase is not None else None,
            )
        )
    return out


def read_udl_observations(path: str | Path) -> list[Observation]:
    """Observations from a UDL-style JSON file (validated against the shipped schema)."""
    try:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from exc
    return observations_from_udl(records, str(path))
