"""Angles-only observations as CCSDS TDM (ANGLE_TYPE = RADEC), and back.

One segment per sensor, object, track and uncertainty: PARTICIPANT_1 is the
sensor, PARTICIPANT_2 the object (``NORAD <n>`` or ``UCT``), PATH = 2,1,
REFERENCE_FRAME = GCRF (the exchange convention: geometric direction, GCRS axes).
ANGLE_1/ANGLE_2 are RA/Dec in degrees to 1e-9 deg; MAG when known. The
1-sigma angle uncertainties travel in a metadata COMMENT (TDM has no keyword
for them); the observer's state does not travel in a TDM at all (send the
host's OEM beside it, or use UDL-style JSON, which carries it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
from astropy.time import Time

from beltwatch.constants import ARCSEC_RAD
from beltwatch.errors import InputError
from beltwatch.formats._marking_text import format_marking, parse_marking
from beltwatch.formats._model import Entry, Group, Message, Segment
from beltwatch.frames import eme2000_to_gcrs
from beltwatch.timescales import ccsds_time, ccsds_times, parse_utc, stack_utc
from beltwatch.values import Markings, Observation

_SIGMA = re.compile(r"sigma ANGLE_1 ([0-9.eE+-]+) arcsec, ANGLE_2 ([0-9.eE+-]+) arcsec")
ObserverState = Callable[[Time], tuple[np.ndarray, np.ndarray]]


def tdm_from_observations(
    observations: Sequence[Observation],
    *,
    originator: str = "BELTWATCH",
    message_id: str | None = None,
    creation_date: Time | None = None,
    markings: Markings | None = None,
) -> Message:
    """A TDM 2.0 of observations; ``markings`` (else the observations' own, which must agree)
    goes into CLASSIFICATION."""
    if not observations:
        raise InputError("no observations to write", field="observations")
    marking = markings or _common_markings(observations)
    header = [
        Entry("CLASSIFICATION", format_marking(marking)),
        Entry("CREATION_DATE", ccsds_time(creation_date or Time.now())),
        Entry("ORIGINATOR", originator),
    ]
    if message_id:
        header.append(Entry("MESSAGE_ID", message_id))
    times = stack_utc([o.time for o in observations])
    stamps = ccsds_times(times)
    order = np.lexsort((times.jd2 - np.round(times.jd2), times.jd1 + np.round(times.jd2)))
    segments: dict[tuple, list[tuple[Observation, str]]] = {}
    for index in order:
        obs = observations[index]
        key = (
            obs.sensor_id,
            obs.norad_id,
            obs.track_id,
            _sigma_text(obs.ra_sigma_rad),
            _sigma_text(obs.dec_sigma_rad),
        )
        segments.setdefault(key, []).append((obs, stamps[index]))
    message = Message("TDM", "2.0", header, [])
    for (sensor, norad, track, s1, s2), stamped in segments.items():
        meta = [Entry("COMMENT", f"sigma ANGLE_1 {s1} arcsec, ANGLE_2 {s2} arcsec")]
        if track:
            meta.append(Entry("TRACK_ID", track))
        meta += [
            Entry("TIME_SYSTEM", "UTC"),
            Entry("START_TIME", stamped[0][1]),
            Entry("STOP_TIME", stamped[-1][1]),
            Entry("PARTICIPANT_1", sensor),
            Entry("PARTICIPANT_2", f"NORAD {norad}" if norad is not None else "UCT"),
            Entry("MODE", "SEQUENTIAL"),
            Entry("PATH", "2,1"),
            Entry("ANGLE_TYPE", "RADEC"),
            Entry("REFERENCE_FRAME", "GCRF"),
        ]
        data: list = []
        for obs, epoch in stamped:
            values: list[tuple[str, str, str | None]] = [
                ("ANGLE_1", f"{math.degrees(obs.ra_rad) % 360.0:.9f}", "deg"),
                ("ANGLE_2", f"{math.degrees(obs.dec_rad):.9f}", "deg"),
            ]
            if obs.magnitude is not None and math.isfinite(obs.magnitude):
                values.append(("MAG", f"{obs.magnitude:.3f}", None))
            for keyword, value, units in values:
                data.append(
                    Group("observation", [Entry("EPOCH", epoch), Entry(keyword, value, units)])
                )
        message.segments.append(Segment(meta, data))
    return message


def _sigma_text(sigma_rad: float) -> str:
    return f"{sigma_rad / ARCSEC_RAD:.6g}"


def _common_markings(observations: Sequence[Observation]) -> Markings:
    first = observations[0].markings
    for obs in observations:
        if obs.markings != first:
            raise InputError(
                "observations with different markings go in different messages "
                "(or pass the combined markings)",
                field="markings",
            )
    return first


def observations_from_tdm(
    message: Message,
    *,
    observer_state: ObserverState | None = None,
    default_markings: Markings | None = None,
    id_prefix: str | None = None,
) -> list[Observation]:
    """Observations from the RADEC segments of a TDM (other segments are skipped).

    Observation ids are ``<prefix>-<segment>-<row>`` with the prefix ``id_prefix``, else
    the MESSAGE_ID, else "tdm": give each message of a multi-message file its own prefix.

    ``observer_state(times) -> (position_km (n, 3), velocity_km_s (n, 3))`` in GCRS gives
    the observer; without it the observer state is NaN. EME2000/J2000 angles are rotated
    into GCRS axes (frame bias, ~20 mas).
    """
    if message.kind != "TDM":
        raise InputError(f"expected a TDM, got {message.kind}", source=message.source)
    classification = message.header_value("CLASSIFICATION")
    if classification is not None:
        markings = parse_marking(classification, source=message.source, field="CLASSIFICATION")
    elif default_markings is not None:
        markings = default_markings
    else:
        raise InputError(
            "TDM has no CLASSIFICATION marking and no default markings were given",
            source=message.source,
            field="CLASSIFICATION",
        )
    out: list[Observation] = []
    for number, segment in enumerate(message.segments):
        if (segment.meta("ANGLE_TYPE") or "").upper() != "RADEC":
            continue
        prefix = id_prefix or message.header_value("MESSAGE_ID") or "tdm"
        out += _segment_observations(message, number, segment, markings, observer_state, prefix)
    return out


def _segment_observations(
    message: Message,
    number: int,
    segment: Segment,
    markings: Markings,
    observer_state: ObserverState | None,
    prefix: str,
) -> list[Observation]:
    frame = (segment.meta("REFERENCE_FRAME") or "").upper()
    if frame not in ("GCRF", "ICRF", "EME2000", "J2000"):
        raise InputError(
            f"RADEC angles in {frame or 'no frame'}; expected GCRF, ICRF or EME2000",
            source=message.source,
            line=segment.line,
            field="REFERENCE_FRAME",
        )
    time_system = (segment.meta("TIME_SYSTEM") or "UTC").upper()
    by_epoch: dict[str, dict[str, float]] = {}
    for group in segment.groups("observation"):
        epoch = group.entries[0].value
        keyword, value = group.entries[1].keyword, float(group.entries[1].value)
        by_epoch.setdefault(epoch, {})[keyword] = value
    rows = [(e, v) for e, v in by_epoch.items() if "ANGLE_1" in v and "ANGLE_2" in v]
    if not rows:
        return []
    times = Time([parse_utc(e, field="EPOCH", scale=time_system).utc for e, _ in rows])
    ra = np.radians([v["ANGLE_1"] for _, v in rows])
    dec = np.radians([v["ANGLE_2"] for _, v in rows])
    if frame in ("EME2000", "J2000"):
        unit = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], -1)
        unit = unit @ eme2000_to_gcrs().T
        ra = np.mod(np.arctan2(unit[:, 1], unit[:, 0]), 2 * np.pi)
        dec = np.arcsin(np.clip(unit[:, 2], -1, 1))
    sigmas = _SIGMA.search(" ".join(e.value for e in segment.metadata if e.keyword == "COMMENT"))
    s1, s2 = (
        (float(sigmas.group(i)) * ARCSEC_RAD for i in (1, 2))
        if sigmas
        else (
            math.nan,
            math.nan,
        )
    )
    if observer_state is not None:
        pos, vel = observer_state(times)
    else:
        pos = vel = np.full((len(rows), 3), np.nan)
    target = segment.meta("PARTICIPANT_2") or ""
    norad = int(target.split()[1]) if re.fullmatch(r"NORAD \d+", target) else None
    return [
        Observation(
            obs_id=f"{prefix}-{number}-{i}",
            time=times[i],
            ra_rad=float(ra[i]),
            dec_rad=float(dec[i]),
            ra_sigma_rad=s1,
            dec_sigma_rad=s2,
            observer_position_km=np.asarray(pos[i], dtype=float),
            observer_velocity_km_s=np.asarray(vel[i], dtype=float),
            sensor_id=segment.meta("PARTICIPANT_1") or "",
            markings=markings,
            magnitude=values.get("MAG"),
            norad_id=norad,
            track_id=segment.meta("TRACK_ID"),
        )
        for i, (_, values) in enumerate(rows)
    ]
