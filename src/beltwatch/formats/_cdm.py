"""Conjunctions as CCSDS CDM 1.0, and back.

:class:`ConjunctionEvent` is defined here as the minimal value a CDM needs
(analytics will produce them). States are GCRS at TCA; covariances are 6x6
inertial (km, km/s) inside and RTN (m, m/s) in the message.
"""

from __future__ import annotations

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
    if event.collision_probability is not None:
        relative.append(Entry("COLLISION_PROBABILITY", f"{event.collision_probability:.6e}"))
        relative.append(Entry("COLLISION_PROBABILITY_METHOD", "FOSTER-1992"))
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
    """The conjunction of a CDM (EME2000 states rotated into GCRS, RTN covariance to inertial)."""
    if message.kind != "CDM":
        raise InputError(f"expected a CDM, got {message.kind}", source=message.source)
    markings = message_markings(message, default_markings)
    relative = {e.keyword: e for e in message.relative if isinstance(e, Entry)}
    tca = parse_utc(relative["TCA"].value, field="TCA")
    states, names = [], []
    for segment in message.segments:
        frame = (segment.meta("REF_FRAME") or "").upper()
        if frame not in ("GCRF", "EME2000", "J2000"):
            raise InputError(
                f"CDM states in {frame} are not read (GCRF or EME2000)",
                source=message.source,
                line=segment.line,
                field="REF_FRAME",
            )
        r = np.array([segment.data_number(k, message.source) for k in ("X", "Y", "Z")])
        v = np.array([segment.data_number(k, message.source) for k in ("X_DOT", "Y_DOT", "Z_DOT")])
        if frame != "GCRF":
            rotation = eme2000_to_gcrs()
            r, v = rotation @ r, rotation @ v
        rtn = np.zeros((6, 6))
        for name, i, j in zip(RTN_COVARIANCE_6, _ROWS, _COLS, strict=True):
            rtn[i, j] = rtn[j, i] = segment.data_number(name, message.source) / 1e6
        big = np.kron(np.eye(2), rtn_basis(r, v))
        designator = segment.meta("OBJECT_DESIGNATOR") or ""
        states.append(
            OrbitState(
                epoch=tca,
                position_km=r,
                velocity_km_s=v,
                frame="gcrs",
                covariance=big.T @ rtn @ big,
                norad_id=int(designator) if designator.isdigit() else None,
                markings=markings,
            )
        )
        names.append(segment.meta("OBJECT_NAME") or "UNKNOWN")
    probability = relative.get("COLLISION_PROBABILITY")
    return ConjunctionEvent(
        event_id=message.header_value("MESSAGE_ID") or "",
        tca=tca,
        miss_distance_km=_metres(relative["MISS_DISTANCE"]) / 1000.0,
        object1=states[0],
        object2=states[1],
        markings=markings,
        collision_probability=float(probability.value) if probability else None,
        object1_name=names[0],
        object2_name=names[1],
    )


def _metres(entry: Entry) -> float:
    value = float(entry.value)
    return value * 1000.0 if (entry.units or "m").lower() == "km" else value
