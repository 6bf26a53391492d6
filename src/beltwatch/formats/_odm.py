"""Orbit states as CCSDS OEM (ephemerides) and OPM (one state), and back.

Frames: ``gcrs`` is written GCRF, ``teme`` TEME, ``itrs`` ITRF; EME2000/J2000
states are read into ``gcrs`` through the frame-bias rotation. Positions in km
to 1 mm, velocities in km/s to 1 um/s, covariances (km, km/s) to 10 digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from beltwatch.errors import InputError
from beltwatch.formats._keywords import CARTESIAN_COVARIANCE
from beltwatch.formats._marking_text import format_marking, parse_marking
from beltwatch.formats._model import Entry, Group, Message, Segment
from beltwatch.frames import eme2000_to_gcrs
from beltwatch.timescales import ccsds_time, parse_utc
from beltwatch.values import Markings, OrbitState

FRAME_NAMES = {"gcrs": "GCRF", "teme": "TEME", "itrs": "ITRF"}
_FRAMES_IN = {"GCRF": "gcrs", "ICRF": "gcrs", "TEME": "teme", "ITRF": "itrs"}
_TRIL = np.tril_indices(6)


def _lower_triangle_order() -> tuple[np.ndarray, np.ndarray]:
    rows, cols = [], []
    for i in range(6):
        for j in range(i + 1):
            rows.append(i)
            cols.append(j)
    return np.array(rows), np.array(cols)


_ROWS, _COLS = _lower_triangle_order()


def _header(markings: Markings | None, originator: str, creation: str, message_id: str | None):
    header = []
    if markings is not None:
        header.append(Entry("CLASSIFICATION", format_marking(markings)))
    header += [Entry("CREATION_DATE", creation), Entry("ORIGINATOR", originator)]
    if message_id:
        header.append(Entry("MESSAGE_ID", message_id))
    return header


def _common_markings(states: Sequence[OrbitState]) -> Markings | None:
    marks = {s.markings for s in states}
    if len(marks) > 1:
        raise InputError(
            "orbit states with different markings go in different messages "
            "(or pass the combined markings)",
            field="markings",
        )
    return marks.pop()


def _covariance_entries(covariance: np.ndarray) -> list[Entry]:
    cov = np.asarray(covariance, dtype=float)
    return [
        Entry(name, f"{cov[i, j]:.10e}")
        for name, i, j in zip(CARTESIAN_COVARIANCE, _ROWS, _COLS, strict=True)
    ]


def _object_id(state: OrbitState, names: dict[int, str] | None) -> tuple[str, str]:
    if state.norad_id is None:
        return "UNKNOWN", "UNKNOWN"
    name = (names or {}).get(state.norad_id, f"NORAD {state.norad_id}")
    return name, str(state.norad_id)


def oem_from_states(
    states: Sequence[OrbitState],
    *,
    originator: str = "BELTWATCH",
    creation_date: str | None = None,
    message_id: str | None = None,
    markings: Markings | None = None,
    object_names: dict[int, str] | None = None,
) -> Message:
    """An OEM 3.0 of orbit states: one segment per object and frame, states in time order."""
    if not states:
        raise InputError("no orbit states to write", field="states")
    from astropy.time import Time

    creation = creation_date or ccsds_time(Time.now())
    marking = markings if markings is not None else _common_markings(states)
    message = Message("OEM", "3.0", _header(marking, originator, creation, message_id), [])
    by_object: dict[tuple, list[OrbitState]] = {}
    for state in states:
        by_object.setdefault((state.norad_id, state.frame), []).append(state)
    for (_norad, frame), group in by_object.items():
        group.sort(key=lambda s: float(s.epoch.utc.jd1) + float(s.epoch.utc.jd2))
        name, object_id = _object_id(group[0], object_names)
        meta = [
            Entry("OBJECT_NAME", name),
            Entry("OBJECT_ID", object_id),
            Entry("CENTER_NAME", "EARTH"),
            Entry("REF_FRAME", FRAME_NAMES[frame]),
            Entry("TIME_SYSTEM", "UTC"),
            Entry("START_TIME", ccsds_time(group[0].epoch)),
            Entry("STOP_TIME", ccsds_time(group[-1].epoch)),
        ]
        data: list = []
        for state in group:
            data.append(Group("stateVector", _state_entries(state)))
        for state in group:
            if state.covariance is not None:
                entries = [
                    Entry("EPOCH", ccsds_time(state.epoch)),
                    Entry("COV_REF_FRAME", FRAME_NAMES[frame]),
                    *_covariance_entries(state.covariance),
                ]
                data.append(Group("covarianceMatrix", entries))
        message.segments.append(Segment(meta, data))
    return message


def _state_entries(state: OrbitState, with_epoch: bool = True) -> list[Entry]:
    r = np.asarray(state.position_km, dtype=float)
    v = np.asarray(state.velocity_km_s, dtype=float)
    values = [f"{x:.6f}" for x in r] + [f"{x:.9f}" for x in v]
    names = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
    entries = [Entry(n, value) for n, value in zip(names, values, strict=True)]
    return ([Entry("EPOCH", ccsds_time(state.epoch))] if with_epoch else []) + entries


def opm_from_state(
    state: OrbitState,
    *,
    originator: str = "BELTWATCH",
    creation_date: str | None = None,
    message_id: str | None = None,
    object_names: dict[int, str] | None = None,
) -> Message:
    """An OPM 3.0 of one orbit state (with its covariance when present)."""
    from astropy.time import Time

    creation = creation_date or ccsds_time(Time.now())
    name, object_id = _object_id(state, object_names)
    meta = [
        Entry("OBJECT_NAME", name),
        Entry("OBJECT_ID", object_id),
        Entry("CENTER_NAME", "EARTH"),
        Entry("REF_FRAME", FRAME_NAMES[state.frame]),
        Entry("TIME_SYSTEM", "UTC"),
    ]
    data: list = [Group("stateVector", _state_entries(state))]
    if state.covariance is not None:
        data.append(
            Group(
                "covarianceMatrix",
                [
                    Entry("COV_REF_FRAME", FRAME_NAMES[state.frame]),
                    *_covariance_entries(state.covariance),
                ],
            )
        )
    header = _header(state.markings, originator, creation, message_id)
    return Message("OPM", "3.0", header, [Segment(meta, data)])


def message_markings(message: Message, default: Markings | None = None) -> Markings:
    """The marking a message carries (CLASSIFICATION, or a header ``COMMENT MARKING ...``)."""
    text = message.header_value("CLASSIFICATION")
    if text is None:
        for entry in message.header:
            if entry.keyword == "COMMENT" and entry.value.startswith("MARKING "):
                text = entry.value[len("MARKING ") :]
    if text is not None:
        return parse_marking(text, source=message.source, field="CLASSIFICATION")
    if default is None:
        raise InputError(
            f"{message.kind} carries no marking and no default markings were given",
            source=message.source,
            field="CLASSIFICATION",
        )
    return default


def _frame_and_rotation(ref_frame: str, message: Message, segment: Segment):
    name = ref_frame.upper()
    if name in ("EME2000", "J2000"):
        return "gcrs", eme2000_to_gcrs()
    if name in _FRAMES_IN or name.startswith("ITRF"):
        return _FRAMES_IN.get(name, "itrs"), None
    raise InputError(
        f"frame {ref_frame!r} is not one beltwatch holds (GCRF, EME2000, TEME, ITRF)",
        source=message.source,
        line=segment.line,
        field="REF_FRAME",
    )


def states_from_message(
    message: Message, *, default_markings: Markings | None = None
) -> list[OrbitState]:
    """Orbit states of an Earth-centred OEM or OPM (covariances attached at equal epochs)."""
    if message.kind not in ("OEM", "OPM"):
        raise InputError(f"expected an OEM or OPM, got {message.kind}", source=message.source)
    markings = message_markings(message, default_markings)
    out: list[OrbitState] = []
    for segment in message.segments:
        center = (segment.meta("CENTER_NAME") or "").upper()
        if center != "EARTH":
            raise InputError(
                f"only Earth-centred orbits are read, got CENTER_NAME = {center}",
                source=message.source,
                line=segment.line,
                field="CENTER_NAME",
            )
        frame, rotation = _frame_and_rotation(segment.meta("REF_FRAME") or "", message, segment)
        scale = (segment.meta("TIME_SYSTEM") or "UTC").lower()
        object_id = segment.meta("OBJECT_ID") or ""
        norad = int(object_id) if object_id.isdigit() else None
        covariances: dict[str | None, np.ndarray] = {}
        for group in segment.groups("covarianceMatrix"):
            matrix = np.zeros((6, 6))
            for name, i, j in zip(CARTESIAN_COVARIANCE, _ROWS, _COLS, strict=True):
                matrix[i, j] = matrix[j, i] = group.number(name, message.source)
            covariances[group.get("EPOCH")] = matrix
        for group in segment.groups("stateVector"):
            epoch_text = group.get("EPOCH")
            r = np.array([group.number(k, message.source) for k in ("X", "Y", "Z")])
            v = np.array([group.number(k, message.source) for k in ("X_DOT", "Y_DOT", "Z_DOT")])
            cov: np.ndarray | None = covariances.get(epoch_text, covariances.get(None))
            if rotation is not None:
                r, v = rotation @ r, rotation @ v
                if cov is not None:
                    big = np.kron(np.eye(2), rotation)
                    cov = big @ cov @ big.T
            out.append(
                OrbitState(
                    epoch=parse_utc(epoch_text or "", field="EPOCH", scale=scale).utc,
                    position_km=r,
                    velocity_km_s=v,
                    frame=frame,
                    covariance=cov,
                    norad_id=norad,
                    markings=markings,
                )
            )
    return out
