"""Conjunctions as CCSDS CDM 1.0, and back.

:class:`ConjunctionEvent` is the value a CDM carries (``beltwatch.analytics``
produces them from screening). States are GCRS at TCA; covariances are 6x6
inertial (km, km/s) inside and RTN (m, m/s) in the message; a covariance of zeros
in a message means "not known" and reads as None (and is written so).

Reading for collision probability: the hard-body radius comes from a NASA CARA
``COMMENT HBR = 10 [m]`` line anywhere in the message (no unit: metres; ``[km]``
is converted); the message is checked for what would make a Pc meaningless or
suspect: a covariance with NaN or a negative variance (error), one that is not
positive semi-definite, states whose separation disagrees with ``MISS_DISTANCE``,
states not at closest approach, objects given in different frames (flags on the
event, the Pc is still computed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from astropy.time import Time

from beltwatch.errors import InputError
from beltwatch.formats._keywords import RTN_COVARIANCE_6
from beltwatch.formats._marking_text import format_marking
from beltwatch.formats._model import Entry, Group, Message, Segment
from beltwatch.formats._odm import _COLS, _ROWS, message_markings
from beltwatch.frames import eme2000_to_gcrs, rtn_basis
from beltwatch.timescales import ccsds_time, parse_utc
from beltwatch.values import Markings, OrbitState


@dataclass(frozen=True, eq=False)
class ConjunctionEvent:
    """A close approach between two objects at ``tca`` (states GCRS at TCA, km, km/s)."""

    event_id: str
    tca: Time
    miss_distance_km: float
    object1: OrbitState
    object2: OrbitState
    markings: Markings
    collision_probability: float | None = None
    object1_name: str = "UNKNOWN"
    object2_name: str = "UNKNOWN"
    hard_body_radius_m: float | None = None
    collision_probability_method: str = "FOSTER-1992"
    flags: tuple[str, ...] = ()

    @property
    def relative_speed_km_s(self) -> float:
        return float(np.linalg.norm(self.object2.velocity_km_s - self.object1.velocity_km_s))


def cdm_from_event(
    event: ConjunctionEvent,
    *,
    originator: str = "BELTWATCH",
    creation_date: str | None = None,
) -> Message:
    """A CDM 1.0 of a conjunction; the marking goes into a header ``COMMENT MARKING ...``
    (CDM 1.0 has no CLASSIFICATION keyword)."""
    header = [
        Entry("COMMENT", f"MARKING {format_marking(event.markings)}"),
        Entry("CREATION_DATE", creation_date or ccsds_time(Time.now())),
        Entry("ORIGINATOR", originator),
        Entry("MESSAGE_ID", event.event_id),
    ]
    q = rtn_basis(event.object1.position_km, event.object1.velocity_km_s)
    dr = q @ (event.object2.position_km - event.object1.position_km) * 1000.0
    dv = q @ (event.object2.velocity_km_s - event.object1.velocity_km_s) * 1000.0
    relative: list = [
        Entry("TCA", ccsds_time(event.tca)),
        Entry("MISS_DISTANCE", f"{event.miss_distance_km * 1000.0:.3f}", "m"),
        Entry("RELATIVE_SPEED", f"{event.relative_speed_km_s * 1000.0:.3f}", "m/s"),
        Group(
            "relativeStateVector",
            [
                Entry(f"RELATIVE_{kind}_{axis}", f"{value:.3f}", unit)
                for kind, values, unit in (("POSITION", dr, "m"), ("VELOCITY", dv, "m/s"))
                for axis, value in zip("RTN", values, strict=True)
            ],
        ),
    ]
    if event.hard_body_radius_m is not None:
        relative.insert(0, Entry("COMMENT", f"HBR = {event.hard_body_radius_m:g} [m]"))
    if event.collision_probability is not None:
        relative.append(Entry("COLLISION_PROBABILITY", f"{event.collision_probability:.6e}"))
        relative.append(Entry("COLLISION_PROBABILITY_METHOD", event.collision_probability_method))
    segments = [
        _segment(f"OBJECT{n}", state, name)
        for n, state, name in (
            (1, event.object1, event.object1_name),
            (2, event.object2, event.object2_name),
        )
    ]
    return Message("CDM", "1.0", header, segments, relative)


def _segment(label: str, state: OrbitState, name: str) -> Segment:
    if state.frame != "gcrs":
        raise InputError(f"CDM states must be GCRS, got {state.frame}", field="frame")
    designator = str(state.norad_id) if state.norad_id is not None else "UNKNOWN"
    meta = [
        Entry("OBJECT", label),
        Entry("OBJECT_DESIGNATOR", designator),
        Entry("CATALOG_NAME", "SATCAT"),
        Entry("OBJECT_NAME", name),
        Entry("INTERNATIONAL_DESIGNATOR", "UNKNOWN"),
        Entry("EPHEMERIS_NAME", "NONE"),
        Entry("COVARIANCE_METHOD", "CALCULATED"),
        Entry("MANEUVERABLE", "N/A"),
        Entry("REF_FRAME", "GCRF"),
    ]
    if state.covariance is None:
        meta.insert(0, Entry("COMMENT", "covariance not known: written as zeros"))
    r, v = state.position_km, state.velocity_km_s
    vector = Group(
        "stateVector",
        [Entry(k, f"{x:.6f}", "km") for k, x in zip(("X", "Y", "Z"), r, strict=True)]
        + [
            Entry(k, f"{x:.9f}", "km/s")
            for k, x in zip(("X_DOT", "Y_DOT", "Z_DOT"), v, strict=True)
        ],
    )
    cov = state.covariance if state.covariance is not None else np.zeros((6, 6))
    big = np.kron(np.eye(2), rtn_basis(r, v))
    rtn = big @ np.asarray(cov, dtype=float) @ big.T * 1e6
    units = ["m**2", "m**2/s", "m**2/s**2"]
    entries = [
        Entry(name, f"{rtn[i, j]:.10e}", units[int(i >= 3) + int(j >= 3)])
        for name, i, j in zip(RTN_COVARIANCE_6, _ROWS, _COLS, strict=True)
    ]
    return Segment(meta, [vector, Group("covarianceMatrix", entries)])


def event_from_cdm(
    message: Message, *, default_markings: Markings | None = None
) -> ConjunctionEvent:
    """The conjunction of a CDM (EME2000 states rotated into GCRS, RTN covariance to inertial).

    Raises :class:`InputError` for a missing TCA or state, a frame beltwatch does not
    hold, or a covariance with NaN or a negative variance; records softer problems
    in ``flags`` (see the module docstring).
    """
    if message.kind != "CDM":
        raise InputError(f"expected a CDM, got {message.kind}", source=message.source)
    markings = message_markings(message, default_markings)
    relative = {e.keyword: e for e in message.relative if isinstance(e, Entry)}
    if "TCA" not in relative:
        raise InputError("CDM has no TCA", source=message.source, field="TCA")
    tca = parse_utc(relative["TCA"].value, field="TCA")
    if len(message.segments) != 2:
        raise InputError(
            f"a CDM holds two objects, this one {len(message.segments)}",
            source=message.source,
            field="OBJECT",
        )
    flags: list[str] = []
    states = [_object_state(message, segment, tca, markings, flags) for segment in message.segments]
    names = [segment.meta("OBJECT_NAME") or "UNKNOWN" for segment in message.segments]
    frames = {(segment.meta("REF_FRAME") or "").upper() for segment in message.segments}
    if len(frames) > 1:
        flags.append(f"objects given in different frames ({', '.join(sorted(frames))})")
    if "MISS_DISTANCE" not in relative:
        raise InputError("CDM has no MISS_DISTANCE", source=message.source, field="MISS_DISTANCE")
    miss_km = _metres(relative["MISS_DISTANCE"], message) / 1000.0
    flags += _consistency_flags(states[0], states[1], miss_km)
    probability = relative.get("COLLISION_PROBABILITY")
    method = relative.get("COLLISION_PROBABILITY_METHOD")
    return ConjunctionEvent(
        event_id=message.header_value("MESSAGE_ID") or "",
        tca=tca,
        miss_distance_km=miss_km,
        object1=states[0],
        object2=states[1],
        markings=markings,
        collision_probability=_number(probability, message) if probability else None,
        object1_name=names[0],
        object2_name=names[1],
        hard_body_radius_m=cdm_hard_body_radius_m(message),
        collision_probability_method=method.value if method else "FOSTER-1992",
        flags=tuple(flags),
    )


def _object_state(
    message: Message, segment: Segment, tca: Time, markings: Markings, flags: list[str]
) -> OrbitState:
    label = segment.meta("OBJECT") or "OBJECT"
    frame = (segment.meta("REF_FRAME") or "").upper()
    if frame not in ("GCRF", "EME2000", "J2000"):
        raise InputError(
            f"CDM states in {frame or 'no frame'} are not read (GCRF or EME2000)",
            source=message.source,
            line=segment.line,
            field="REF_FRAME",
        )
    r = np.array([_data_number(message, segment, k) for k in ("X", "Y", "Z")])
    v = np.array([_data_number(message, segment, k) for k in ("X_DOT", "Y_DOT", "Z_DOT")])
    if frame != "GCRF":
        rotation = eme2000_to_gcrs()
        r, v = rotation @ r, rotation @ v
    rtn = np.zeros((6, 6))
    for name, i, j in zip(RTN_COVARIANCE_6, _ROWS, _COLS, strict=True):
        rtn[i, j] = rtn[j, i] = _data_number(message, segment, name) / 1e6
    covariance = _checked_covariance(rtn, r, v, message, segment, label, flags)
    designator = segment.meta("OBJECT_DESIGNATOR") or ""
    return OrbitState(
        epoch=tca,
        position_km=r,
        velocity_km_s=v,
        frame="gcrs",
        covariance=covariance,
        norad_id=int(designator) if designator.isdigit() else None,
        markings=markings,
    )


def _checked_covariance(
    rtn: np.ndarray,
    r: np.ndarray,
    v: np.ndarray,
    message: Message,
    segment: Segment,
    label: str,
    flags: list[str],
) -> np.ndarray | None:
    """Inertial 6x6 covariance of an RTN one; None for all zeros (not known)."""
    if not np.any(rtn):
        flags.append(f"{label} covariance not given (zeros)")
        return None
    if np.any(np.diag(rtn) < 0):
        raise InputError(
            f"{label} covariance has a negative variance: unusable",
            source=message.source,
            line=segment.line,
            field="CR_R",
        )
    values = np.linalg.eigvalsh(rtn[:3, :3])
    if values.min() < -1e-9 * max(values.max(), 0.0):
        flags.append(
            f"{label} position covariance is not positive semi-definite "
            f"(smallest eigenvalue {values.min() * 1e6:.3g} m^2)"
        )
    big = np.kron(np.eye(2), rtn_basis(r, v))
    return big.T @ rtn @ big


# Largest disagreement, relative, between the states' separation and MISS_DISTANCE; and
# the largest |cos| of the angle between relative position and velocity at a true TCA.
MISS_TOLERANCE = 0.01
TCA_COSINE_TOLERANCE = 0.01


def _consistency_flags(state1: OrbitState, state2: OrbitState, miss_km: float) -> list[str]:
    dr = state2.position_km - state1.position_km
    dv = state2.velocity_km_s - state1.velocity_km_s
    separation = float(np.linalg.norm(dr))
    flags = []
    if abs(separation - miss_km) > max(1e-3, MISS_TOLERANCE * miss_km):
        flags.append(
            f"MISS_DISTANCE {miss_km * 1000:.3f} m disagrees with the states' separation "
            f"{separation * 1000:.3f} m"
        )
    speed = float(np.linalg.norm(dv))
    if separation > 0 and speed > 0:
        cosine = float(dr @ dv) / (separation * speed)
        if abs(cosine) > TCA_COSINE_TOLERANCE:
            flags.append(
                f"states are not at closest approach (relative position and velocity at "
                f"{np.degrees(np.arccos(np.clip(cosine, -1, 1))):.2f} deg, not 90)"
            )
    return flags


_HBR = re.compile(
    r"^\s*HBR\s*[=:]?\s*(?P<value>[-+0-9.eE]+)\s*(\[\s*(?P<unit>[A-Za-z]*)\s*\])?\s*$"
)


def cdm_hard_body_radius_m(message: Message) -> float | None:
    """The hard-body radius of a NASA CARA ``COMMENT HBR = 10 [m]`` line, metres (None if absent).

    The line may sit in the header, the relative metadata or an object's segment; a
    value without a unit is in metres.
    """
    for entry in _comments(message):
        match = _HBR.match(entry.value)
        if match is None:
            continue
        unit = (match.group("unit") or "m").lower()
        try:
            value = float(match.group("value"))
        except ValueError:
            value = float("nan")
        if unit not in ("m", "km") or not (np.isfinite(value) and value > 0):
            raise InputError(
                f"expected 'HBR = <positive number> [m]', got {entry.value!r}",
                source=message.source,
                line=entry.line,
                field="COMMENT HBR",
            )
        return value * 1000.0 if unit == "km" else value
    return None


def _comments(message: Message) -> list[Entry]:
    entries: list[Entry] = [*message.header, *message.relative]  # type: ignore[list-item]
    for segment in message.segments:
        entries += segment.metadata
        for item in segment.data:
            entries += item.entries if isinstance(item, Group) else [item]
    return [e for e in entries if isinstance(e, Entry) and e.keyword == "COMMENT"]


def _number(entry: Entry, message: Message) -> float:
    try:
        value = float(entry.value)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise InputError(
            f"expected a number, got {entry.value!r}",
            source=message.source,
            line=entry.line,
            field=entry.keyword,
        )
    return value


def _data_number(message: Message, segment: Segment, keyword: str) -> float:
    for item in segment.data:
        if isinstance(item, Group):
            for entry in item.entries:
                if entry.keyword == keyword:
                    return _number(entry, message)
    raise InputError(
        f"{segment.meta('OBJECT') or 'object'} has no {keyword}",
        source=message.source,
        line=segment.line,
        field=keyword,
    )


def _metres(entry: Entry, message: Message) -> float:
    value = _number(entry, message)
    return value * 1000.0 if (entry.units or "m").lower() == "km" else value
