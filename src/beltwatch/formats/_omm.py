"""SGP4 mean element sets as CCSDS OMM (one message per element set), and back.

An OMM written here carries ``MEAN_ELEMENT_THEORY = SGP4``, ``REF_FRAME = TEME``,
``TIME_SYSTEM = UTC``, the mean elements (mean motion in rev/day, angles in
degrees) and the TLE parameters (``NORAD_CAT_ID``, ``BSTAR``, ...), with the
record's marking in ``CLASSIFICATION``. It reads back with
:func:`elements_from_omm`, with ``beltwatch.catalog.load_catalog`` and (XML)
with ``sgp4.omm``. Angles are printed to 1e-10 deg, eccentricity to 1e-10, mean
motion to 1e-12 rev/day (trailing zeros dropped), so printing adds < 0.1 mm at GEO.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from astropy.time import Time

from beltwatch.constants import GM_EARTH_WGS72_KM3_S2
from beltwatch.errors import InputError
from beltwatch.formats._model import Entry, Group, Message, Segment
from beltwatch.formats._odm import _header, message_markings
from beltwatch.timescales import ccsds_time, parse_utc
from beltwatch.values import Markings

MEAN_ELEMENT_THEORY = "SGP4"
_DEG = math.pi / 180.0


@dataclass(frozen=True, eq=False)
class MeanElements:
    """One SGP4 mean element set (TEME of epoch, TLE conventions), radians inside.

    ``mean_motion_dot`` / ``mean_motion_ddot`` are the OMM/TLE fields (n-dot/2 in
    rev/day^2, n-ddot/6 in rev/day^3); ``bstar`` in 1/earth radii. ``comments`` go
    into the OMM as COMMENT lines (how the set was made, its precision).
    """

    norad_id: int
    epoch: Time
    mean_motion_rev_per_day: float
    eccentricity: float
    inclination_rad: float
    raan_rad: float
    arg_perigee_rad: float
    mean_anomaly_rad: float
    bstar: float = 0.0
    mean_motion_dot: float = 0.0
    mean_motion_ddot: float = 0.0
    markings: Markings | None = None
    object_name: str = ""
    object_id: str = ""  # international designator, "" when unknown
    element_set_no: int = 999
    rev_at_epoch: int = 0
    comments: tuple[str, ...] = ()


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0")
        text = text + "0" if text.endswith(".") else text
    return "0.0" if text in ("-0.0", "-0") else text


def _general(value: float) -> str:
    return "0.0" if value == 0 else f"{value:.10g}"


def _angle_deg(rad: float) -> str:
    text = _fixed(math.degrees(rad) % 360.0, 10)
    return "0.0" if text == "360.0" else text


def omm_from_elements(
    elements: MeanElements,
    *,
    originator: str = "BELTWATCH",
    creation_date: str | None = None,
    message_id: str | None = None,
    classification_type: str = "U",
) -> Message:
    """An OMM 3.0 of one SGP4 element set (``classification_type``: the TLE letter)."""
    if elements.norad_id is None or not 0 <= int(elements.norad_id) <= 999_999_999:
        raise InputError(
            f"an OMM for SGP4 needs a catalog number, got {elements.norad_id!r}",
            field="NORAD_CAT_ID",
        )
    creation = creation_date or ccsds_time(Time.now())
    meta = [Entry("COMMENT", text) for text in elements.comments]
    meta += [
        Entry("OBJECT_NAME", elements.object_name or f"NORAD {elements.norad_id}"),
        Entry("OBJECT_ID", elements.object_id or "UNKNOWN"),
        Entry("CENTER_NAME", "EARTH"),
        Entry("REF_FRAME", "TEME"),
        Entry("TIME_SYSTEM", "UTC"),
        Entry("MEAN_ELEMENT_THEORY", MEAN_ELEMENT_THEORY),
    ]
    mean = Group(
        "meanElements",
        [
            Entry("EPOCH", ccsds_time(elements.epoch)),
            Entry("MEAN_MOTION", _fixed(elements.mean_motion_rev_per_day, 12)),
            Entry("ECCENTRICITY", _fixed(elements.eccentricity, 10)),
            Entry("INCLINATION", _angle_deg(elements.inclination_rad)),
            Entry("RA_OF_ASC_NODE", _angle_deg(elements.raan_rad)),
            Entry("ARG_OF_PERICENTER", _angle_deg(elements.arg_perigee_rad)),
            Entry("MEAN_ANOMALY", _angle_deg(elements.mean_anomaly_rad)),
            Entry("GM", str(GM_EARTH_WGS72_KM3_S2)),
        ],
    )
    tle = Group(
        "tleParameters",
        [
            Entry("EPHEMERIS_TYPE", "0"),
            Entry("CLASSIFICATION_TYPE", classification_type[:1] or "U"),
            Entry("NORAD_CAT_ID", str(int(elements.norad_id))),
            Entry("ELEMENT_SET_NO", str(int(elements.element_set_no))),
            Entry("REV_AT_EPOCH", str(int(elements.rev_at_epoch))),
            Entry("BSTAR", _general(elements.bstar)),
            Entry("MEAN_MOTION_DOT", _general(elements.mean_motion_dot)),
            Entry("MEAN_MOTION_DDOT", _general(elements.mean_motion_ddot)),
        ],
    )
    header = _header(elements.markings, originator, creation, message_id)
    return Message("OMM", "3.0", header, [Segment(meta, [mean, tle])])


def _number(segment: Segment, keyword: str, message: Message, default: str | None = None):
    text = segment.data_value(keyword)
    if text is None:
        if default is None:
            raise InputError(
                f"OMM lacks {keyword}", source=message.source, line=segment.line, field=keyword
            )
        text = default
    try:
        return float(text)
    except ValueError as exc:
        raise InputError(
            f"{keyword} is not a number: {text!r}",
            source=message.source,
            line=segment.line,
            field=keyword,
        ) from exc


def elements_from_omm(
    message: Message, *, default_markings: Markings | None = None
) -> list[MeanElements]:
    """The SGP4 element set of an OMM (TEME, MEAN_MOTION given), with its marking."""
    if message.kind != "OMM":
        raise InputError(f"expected an OMM, got {message.kind}", source=message.source)
    markings = message_markings(message, default_markings)
    out = []
    for segment in message.segments:
        theory = (segment.meta("MEAN_ELEMENT_THEORY") or "").upper()
        if "SGP4" not in theory:
            raise InputError(
                f"only SGP4 element sets are read, got MEAN_ELEMENT_THEORY = {theory}",
                source=message.source,
                line=segment.line,
                field="MEAN_ELEMENT_THEORY",
            )
        object_id = segment.meta("OBJECT_ID") or ""
        scale = (segment.meta("TIME_SYSTEM") or "UTC").lower()
        values = {
            k: _number(segment, k, message)
            for k in (
                "MEAN_MOTION",
                "ECCENTRICITY",
                "INCLINATION",
                "RA_OF_ASC_NODE",
                "ARG_OF_PERICENTER",
                "MEAN_ANOMALY",
                "NORAD_CAT_ID",
            )
        }
        extra = {k: _number(segment, k, message, "0") for k in ("BSTAR", "REV_AT_EPOCH")}
        out.append(
            MeanElements(
                norad_id=int(values["NORAD_CAT_ID"]),
                epoch=parse_utc(segment.data_value("EPOCH") or "", field="EPOCH", scale=scale).utc,
                mean_motion_rev_per_day=values["MEAN_MOTION"],
                eccentricity=values["ECCENTRICITY"],
                inclination_rad=values["INCLINATION"] * _DEG,
                raan_rad=values["RA_OF_ASC_NODE"] * _DEG,
                arg_perigee_rad=values["ARG_OF_PERICENTER"] * _DEG,
                mean_anomaly_rad=values["MEAN_ANOMALY"] * _DEG,
                bstar=extra["BSTAR"],
                mean_motion_dot=_number(segment, "MEAN_MOTION_DOT", message, "0"),
                mean_motion_ddot=_number(segment, "MEAN_MOTION_DDOT", message, "0"),
                markings=markings,
                object_name=segment.meta("OBJECT_NAME") or "",
                object_id="" if object_id.upper() == "UNKNOWN" else object_id,
                element_set_no=int(_number(segment, "ELEMENT_SET_NO", message, "999")),
                rev_at_epoch=int(extra["REV_AT_EPOCH"]),
                comments=tuple(e.value for e in segment.metadata if e.keyword == "COMMENT"),
            )
        )
    return out
