"""Records as stream messages: lossless JSON payloads, subjects and headers.

One payload is a JSON object ``{"v": 1, "kind": ..., "record": {...}}``. Times are
their two-part Julian date in their own scale (exact), floats are JSON numbers
(``repr``, exact) or the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; markings
are a JSON object. Why not the UDL-style JSON of ``formats`` for observations: it goes
through degrees (not bit-exact), drops ``frame_id`` and costs a schema validation per
record.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from astropy.time import Time

from beltwatch.errors import InputError
from beltwatch.formats import ConjunctionEvent, format_marking
from beltwatch.sharing import RECORD_KINDS, record_id
from beltwatch.values import ElementSet, Event, Markings, Observation, OrbitState

SCHEMA_VERSION = 1
DEFAULT_PREFIX = "beltwatch"
DEAD_LETTER = "deadletter"
# Header names (NATS headers; the in-process stream carries the same mapping).
HEADER_MSG_ID = "Nats-Msg-Id"
HEADER_KIND = "Beltwatch-Kind"
HEADER_MARKING = "Beltwatch-Marking"
HEADER_SCHEMA = "Beltwatch-Schema"
HEADER_ERROR = "Beltwatch-Error"
HEADER_ORIGINAL_SUBJECT = "Beltwatch-Original-Subject"

_RECORD_TYPES: dict[str, type] = {
    "observations": Observation,
    "orbits": OrbitState,
    "element_sets": ElementSet,
    "conjunctions": ConjunctionEvent,
    "events": Event,
}
_BAD_TOKEN = re.compile(r"[^A-Za-z0-9_\-]")
_PREFIX = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")


def _check_kind(kind: str) -> type:
    if kind not in _RECORD_TYPES:
        raise InputError(
            f"unknown record kind {kind!r}; expected one of {RECORD_KINDS}", field="kind"
        )
    return _RECORD_TYPES[kind]


def subject_token(text: str) -> str:
    """``text`` as one NATS subject token: characters other than letters, digits, ``_``
    and ``-`` (dots, wildcards, spaces...) become ``_``; empty text is ``_``."""
    return _BAD_TOKEN.sub("_", str(text)) or "_"


def check_prefix(prefix: str) -> str:
    """``prefix`` when it is one or more plain subject tokens, else an :class:`InputError`."""
    if not _PREFIX.match(prefix or ""):
        raise InputError(
            f"subject prefix {prefix!r} must be dot-separated tokens of letters, digits, _ and -",
            field="prefix",
        )
    return prefix


def subject_key(kind: str, record: Any) -> str:
    """The routing key: sensor id (observations), NORAD id (orbits, ``uct`` when none;
    element sets), event kind (events; ``conjunction`` for conjunctions)."""
    if kind == "observations":
        return subject_token(record.sensor_id)
    if kind == "orbits":
        return "uct" if record.norad_id is None else str(int(record.norad_id))
    if kind == "element_sets":
        return str(int(record.norad_id))
    if kind == "events":
        return subject_token(record.kind.value)
    return "conjunction"


def subject_for(kind: str, record: Any, prefix: str = DEFAULT_PREFIX) -> str:
    """``<prefix>.<kind>.<key>`` of a record (see :func:`subject_key`)."""
    _check_kind(kind)
    return f"{check_prefix(prefix)}.{kind}.{subject_key(kind, record)}"


def dead_letter_subject(kind: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Where undecodable messages of ``kind`` go: ``<prefix>.deadletter.<kind>``."""
    return f"{prefix}.{DEAD_LETTER}.{subject_token(kind)}"


def kind_of_subject(subject: str, prefix: str) -> str:
    """The kind token of ``<prefix>.<kind>.<key>`` (``deadletter`` for dead letters)."""
    rest = subject[len(prefix) + 1 :] if subject.startswith(prefix + ".") else ""
    return rest.split(".", 1)[0]


def headers_for(kind: str, record: Any, msg_id: str) -> dict[str, str]:
    """Message headers: id (JetStream de-duplication), kind, marking text, schema version."""
    return {
        HEADER_MSG_ID: msg_id,
        HEADER_KIND: kind,
        HEADER_MARKING: format_marking(record.markings),
        HEADER_SCHEMA: str(SCHEMA_VERSION),
    }


def default_msg_id(record: Any) -> str:
    """The de-duplication id of a record: :func:`beltwatch.sharing.record_id`."""
    return record_id(record)


# --- values ---------------------------------------------------------------------------


def _num(value: float | None) -> float | str | None:
    if value is None:
        return None
    x = float(value)
    if math.isfinite(x):
        return x
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else _float(value)


def _array(values: np.ndarray | None) -> dict | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=float)
    return {"shape": list(arr.shape), "data": [_num(x) for x in arr.ravel().tolist()]}


def _from_array(data: Any) -> np.ndarray | None:
    if data is None:
        return None
    values = np.array([_float(x) for x in data["data"]], dtype=float)
    return values.reshape(tuple(int(n) for n in data["shape"]))


def _time(t: Time) -> dict:
    return {"scale": t.scale, "format": t.format, "jd1": float(t.jd1), "jd2": float(t.jd2)}


def _from_time(data: Mapping) -> Time:
    t = Time(_float(data["jd1"]), _float(data["jd2"]), format="jd", scale=str(data["scale"]))
    t.format = str(data.get("format", "jd"))
    return t


def _markings(m: Markings | None) -> dict | None:
    if m is None:
        return None
    return {"owner": m.owner, "level": m.level, "releasable_to": sorted(m.releasable_to)}


def _from_markings(data: Any) -> Markings | None:
    if data is None:
        return None
    rel = data["releasable_to"]
    if not isinstance(rel, list) or not all(isinstance(x, str) for x in rel):
        raise TypeError("releasable_to must be a list of names")
    return Markings(str(data["owner"]), str(data["level"]), frozenset(rel))


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


# --- records --------------------------------------------------------------------------


def _observation(o: Observation) -> dict:
    return {
        "obs_id": o.obs_id,
        "time": _time(o.time),
        "ra_rad": _num(o.ra_rad),
        "dec_rad": _num(o.dec_rad),
        "ra_sigma_rad": _num(o.ra_sigma_rad),
        "dec_sigma_rad": _num(o.dec_sigma_rad),
        "observer_position_km": _array(o.observer_position_km),
        "observer_velocity_km_s": _array(o.observer_velocity_km_s),
        "sensor_id": o.sensor_id,
        "markings": _markings(o.markings),
        "magnitude": _num(o.magnitude),
        "norad_id": _opt_int(o.norad_id),
        "frame_id": o.frame_id,
        "track_id": o.track_id,
        "solar_phase_angle_rad": _num(o.solar_phase_angle_rad),
    }


def _from_observation(d: Mapping, time: Time | None = None) -> Observation:
    return Observation(
        obs_id=str(d["obs_id"]),
        time=_from_time(d["time"]) if time is None else time,
        ra_rad=_float(d["ra_rad"]),
        dec_rad=_float(d["dec_rad"]),
        ra_sigma_rad=_float(d["ra_sigma_rad"]),
        dec_sigma_rad=_float(d["dec_sigma_rad"]),
        observer_position_km=_from_array(d["observer_position_km"]),  # type: ignore[arg-type]
        observer_velocity_km_s=_from_array(d["observer_velocity_km_s"]),  # type: ignore[arg-type]
        sensor_id=str(d["sensor_id"]),
        markings=_from_markings(d["markings"]),  # type: ignore[arg-type]
        magnitude=_opt_float(d["magnitude"]),
        norad_id=_opt_int(d["norad_id"]),
        frame_id=d["frame_id"],
        track_id=d["track_id"],
        solar_phase_angle_rad=_opt_float(d["solar_phase_angle_rad"]),
    )


def _orbit(s: OrbitState) -> dict:
    return {
        "epoch": _time(s.epoch),
        "position_km": _array(s.position_km),
        "velocity_km_s": _array(s.velocity_km_s),
        "frame": s.frame,
        "covariance": _array(s.covariance),
        "norad_id": _opt_int(s.norad_id),
        "markings": _markings(s.markings),
        "object_name": s.object_name,
        "intl_designator": s.intl_designator,
        "cr": _num(s.cr),
    }


def _from_orbit(d: Mapping) -> OrbitState:
    return OrbitState(
        epoch=_from_time(d["epoch"]),
        position_km=_from_array(d["position_km"]),  # type: ignore[arg-type]
        velocity_km_s=_from_array(d["velocity_km_s"]),  # type: ignore[arg-type]
        frame=str(d["frame"]),
        covariance=_from_array(d["covariance"]),
        norad_id=_opt_int(d["norad_id"]),
        markings=_from_markings(d["markings"]),
        object_name=str(d["object_name"]),
        intl_designator=str(d["intl_designator"]),
        cr=_opt_float(d["cr"]),
    )


_ELEMENT_FLOATS = (
    "mean_motion_rev_per_day",
    "eccentricity",
    "inclination_rad",
    "raan_rad",
    "arg_perigee_rad",
    "mean_anomaly_rad",
    "bstar",
    "ndot_over_2",
    "nddot_over_6",
)
_ELEMENT_INTS = ("element_set_no", "rev_at_epoch", "ephemeris_type")
_ELEMENT_TEXTS = ("name", "intl_designator", "classification")


def _element_set(e: ElementSet) -> dict:
    return {
        "norad_id": int(e.norad_id),
        "epoch": _time(e.epoch),
        **{name: _num(getattr(e, name)) for name in _ELEMENT_FLOATS},
        **{name: int(getattr(e, name)) for name in _ELEMENT_INTS},
        **{name: str(getattr(e, name)) for name in _ELEMENT_TEXTS},
        "markings": _markings(e.markings),
        "comments": list(e.comments),
    }


def _from_element_set(d: Mapping) -> ElementSet:
    fields: dict[str, Any] = {name: _float(d[name]) for name in _ELEMENT_FLOATS}
    fields |= {name: int(d[name]) for name in _ELEMENT_INTS}
    fields |= {name: str(d[name]) for name in _ELEMENT_TEXTS}
    return ElementSet(
        norad_id=int(d["norad_id"]),
        epoch=_from_time(d["epoch"]),
        markings=_from_markings(d["markings"]),
        comments=tuple(str(c) for c in d["comments"]),
        **fields,
    )


def _conjunction(c: ConjunctionEvent) -> dict:
    return {
        "event_id": c.event_id,
        "tca": _time(c.tca),
        "miss_distance_km": _num(c.miss_distance_km),
        "object1": _orbit(c.object1),
        "object2": _orbit(c.object2),
        "markings": _markings(c.markings),
        "collision_probability": _num(c.collision_probability),
        "object1_name": c.object1_name,
        "object2_name": c.object2_name,
        "hard_body_radius_m": _num(c.hard_body_radius_m),
        "collision_probability_method": c.collision_probability_method,
        "flags": list(c.flags),
    }


def _from_conjunction(d: Mapping) -> ConjunctionEvent:
    return ConjunctionEvent(
        event_id=str(d["event_id"]),
        tca=_from_time(d["tca"]),
        miss_distance_km=_float(d["miss_distance_km"]),
        object1=_from_orbit(d["object1"]),
        object2=_from_orbit(d["object2"]),
        markings=_from_markings(d["markings"]),  # type: ignore[arg-type]
        collision_probability=_opt_float(d["collision_probability"]),
        object1_name=str(d["object1_name"]),
        object2_name=str(d["object2_name"]),
        hard_body_radius_m=_opt_float(d["hard_body_radius_m"]),
        collision_probability_method=str(d["collision_probability_method"]),
        flags=tuple(str(f) for f in d["flags"]),
    )


def _event(e: Event) -> dict:
    # Event.to_dict is the record's own JSON form; the exact time and non-finite
    # figures are carried beside it (to_dict rounds the time to milliseconds).
    out = e.to_dict()
    out["time"] = _time(e.time)
    out["figures"] = {k: _num(v) for k, v in e.figures.items()}
    return out


def _from_event(d: Mapping) -> Event:
    data = dict(d)
    figures = {k: _float(v) for k, v in data["figures"].items()}
    data["figures"] = {}
    event = Event.from_dict(data)
    return replace(event, time=_from_time(d["time"]), figures=figures)


_ENCODERS: dict[str, Callable[[Any], dict]] = {
    "observations": _observation,
    "orbits": _orbit,
    "element_sets": _element_set,
    "conjunctions": _conjunction,
    "events": _event,
}
_DECODERS: dict[str, Callable[[Mapping], Any]] = {
    "observations": _from_observation,
    "orbits": _from_orbit,
    "element_sets": _from_element_set,
    "conjunctions": _from_conjunction,
    "events": _from_event,
}


def encode_record(kind: str, record: Any) -> bytes:
    """The message payload of one record of ``kind`` (UTF-8 JSON).

    Refuses (:class:`InputError`) a record that is not of ``kind``'s type or carries
    no markings: nothing unmarked enters the stream.
    """
    expected = _check_kind(kind)
    if not isinstance(record, expected):
        raise InputError(f"a {type(record).__name__} is not one of the {kind}", field="record")
    if not isinstance(getattr(record, "markings", None), Markings):
        raise InputError(
            f"{kind} record {record_id(record)!r} has no markings: nothing unmarked is published",
            field="markings",
        )
    body = {"v": SCHEMA_VERSION, "kind": kind, "record": _ENCODERS[kind](record)}
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode()


def _body(kind: str, data: bytes) -> Mapping:
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON message ({exc})", field="payload") from None
    if not isinstance(body, dict) or body.get("v") != SCHEMA_VERSION:
        raise InputError(f"not a version {SCHEMA_VERSION} beltwatch message", field="v")
    if body.get("kind") != kind:
        raise InputError(f"message holds {body.get('kind')!r}, expected {kind!r}", field="kind")
    return body


def _record(kind: str, body: Mapping, time: Time | None = None) -> Any:
    try:
        fields = body["record"]
        record = _from_observation(fields, time) if time is not None else _DECODERS[kind](fields)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"not a {kind} record ({exc!r})", field="record") from None
    if not isinstance(record.markings, Markings):
        raise InputError(f"{kind} record without markings", field="markings")
    return record


def decode_record(kind: str, data: bytes) -> Any:
    """The record of ``kind`` written by :func:`encode_record`; a payload that is not one
    (bad JSON, another kind or version, missing or mistyped fields, no markings) is an
    :class:`InputError` naming what was wrong."""
    _check_kind(kind)
    return _record(kind, _body(kind, data))


def decode_records(kind: str, payloads: Sequence[bytes]) -> list[Any]:
    """:func:`decode_record` of many payloads of one kind: each item is the record, or the
    :class:`InputError` that :func:`decode_record` raises for it. The same records,
    faster: observation times are built as one ``Time`` array per scale."""
    _check_kind(kind)
    bodies: list[Any] = []
    for data in payloads:
        try:
            bodies.append(_body(kind, data))
        except InputError as exc:
            bodies.append(exc)
    times = _batch_times(bodies) if kind == "observations" else {}
    out: list[Any] = []
    for i, body in enumerate(bodies):
        if isinstance(body, InputError):
            out.append(body)
            continue
        try:
            out.append(_record(kind, body, times.get(i)))
        except InputError as exc:
            out.append(exc)
    return out


def _batch_times(bodies: list[Any]) -> dict[int, Time]:
    """Observation times of well-formed bodies (by index), one ``Time`` per scale and
    format; a body whose time is odd is left out (its own decode reports it)."""
    groups: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
    for i, body in enumerate(bodies):
        try:
            t = body["record"]["time"]
            jd = (float(t["jd1"]), float(t["jd2"]))
            key = (str(t["scale"]), str(t.get("format", "jd")))
        except (KeyError, TypeError, ValueError):
            continue
        groups.setdefault(key, []).append((i, *jd))
    out: dict[int, Time] = {}
    for (scale, fmt), rows in groups.items():
        try:
            times = Time(
                np.array([r[1] for r in rows]),
                np.array([r[2] for r in rows]),
                format="jd",
                scale=scale,
            )
            times.format = fmt
        except (ValueError, TypeError):
            continue
        out.update((row[0], t) for row, t in zip(rows, times, strict=True))
    return out
