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
from collections.abc import Mapping

from astropy.time import Time

from beltwatch.constants import DEG_RAD, GM_EARTH_WGS72_KM3_S2
from beltwatch.errors import InputError
from beltwatch.formats._io import parse_messages
from beltwatch.formats._model import Entry, Group, Message, Segment
from beltwatch.formats._odm import _header, message_markings
from beltwatch.identifiers import alpha5_to_int, is_catalog_number
from beltwatch.timescales import ccsds_time, parse_utc
from beltwatch.values import ElementSet, Markings

MEAN_ELEMENT_THEORY = "SGP4"


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
    elements: ElementSet,
    *,
    originator: str = "BELTWATCH",
    creation_date: str | None = None,
    message_id: str | None = None,
    classification_type: str | None = None,
) -> Message:
    """An OMM 3.0 of one SGP4 element set (``classification_type``: the TLE letter,
    default the element set's own)."""
    if elements.norad_id is None or not is_catalog_number(int(elements.norad_id)):
        raise InputError(
            f"an OMM for SGP4 needs a catalog number, got {elements.norad_id!r}",
            field="NORAD_CAT_ID",
        )
    creation = creation_date or ccsds_time(Time.now())
    meta = [Entry("COMMENT", text) for text in elements.comments]
    meta += [
        Entry("OBJECT_NAME", elements.name or f"NORAD {elements.norad_id}"),
        Entry("OBJECT_ID", elements.intl_designator or "UNKNOWN"),
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
    letter = (classification_type or elements.classification)[:1] or "U"
    tle = Group(
        "tleParameters",
        [
            Entry("EPHEMERIS_TYPE", str(int(elements.ephemeris_type))),
            Entry("CLASSIFICATION_TYPE", letter),
            Entry("NORAD_CAT_ID", str(int(elements.norad_id))),
            Entry("ELEMENT_SET_NO", str(int(elements.element_set_no))),
            Entry("REV_AT_EPOCH", str(int(elements.rev_at_epoch))),
            Entry("BSTAR", _general(elements.bstar)),
            Entry("MEAN_MOTION_DOT", _general(elements.ndot_over_2)),
            Entry("MEAN_MOTION_DDOT", _general(elements.nddot_over_6)),
        ],
    )
    header = _header(elements.markings, originator, creation, message_id)
    return Message("OMM", "3.0", header, [Segment(meta, [mean, tle])])


REQUIRED_KEYWORDS = (
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "NORAD_CAT_ID",
)


def _number(
    fields: Mapping[str, str], key: str, source: str, line: int | None, default: float | None = None
) -> float:
    raw = fields.get(key)
    if raw is None or str(raw).strip() == "":
        if default is not None:
            return default
        raise InputError(f"missing {key}", source=source, line=line, field=key)
    try:
        return float(raw)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{key} is not a number: {raw!r}", source=source, line=line, field=key
        ) from exc


def _catalog_number(text: str, source: str, line: int | None) -> int:
    """NORAD_CAT_ID as an integer (digits, or Alpha-5 as some GP files carry it)."""
    try:
        number = alpha5_to_int(text)
    except ValueError as exc:
        raise InputError(str(exc), source=source, line=line, field="NORAD_CAT_ID") from exc
    if not is_catalog_number(number):
        raise InputError(
            f"catalog number {number} out of range", source=source, line=line, field="NORAD_CAT_ID"
        )
    return number


def element_set_from_keywords(
    fields: Mapping[str, str],
    source: str,
    line: int | None = None,
    *,
    markings: Markings | None = None,
    comments: tuple[str, ...] = (),
) -> ElementSet:
    """The one OMM reader: an SGP4 element set from OMM keywords (CCSDS OMM KVN/XML
    segments, CelesTrak GP JSON objects and CSV rows), validated, angles to radians.

    Keywords are case-insensitive; ones not used here are ignored. A
    MEAN_ELEMENT_THEORY other than SGP4 and an unknown TIME_SYSTEM are refused.
    """
    fields = {k.strip().upper(): ("" if v is None else str(v)) for k, v in fields.items()}
    for key in REQUIRED_KEYWORDS:
        if not fields.get(key, "").strip():
            raise InputError(f"missing {key}", source=source, line=line, field=key)
    theory = fields.get("MEAN_ELEMENT_THEORY", "SGP4").strip().upper()
    if "SGP4" not in theory:
        raise InputError(
            f"only SGP4 element sets are read, got MEAN_ELEMENT_THEORY = {theory}",
            source=source,
            line=line,
            field="MEAN_ELEMENT_THEORY",
        )
    scale = (fields.get("TIME_SYSTEM", "").strip() or "UTC").lower()
    try:
        epoch = parse_utc(fields["EPOCH"], field="EPOCH", scale=scale).utc
    except InputError as exc:
        raise InputError(exc.message, source=source, line=line, field="EPOCH") from exc
    except ValueError as exc:  # an unknown time scale
        raise InputError(
            f"unknown time system {scale.upper()}", source=source, line=line, field="TIME_SYSTEM"
        ) from exc
    mean_motion = _number(fields, "MEAN_MOTION", source, line)
    if not mean_motion > 0:
        raise InputError(
            f"MEAN_MOTION must be positive, got {mean_motion}",
            source=source,
            line=line,
            field="MEAN_MOTION",
        )
    ecc = _number(fields, "ECCENTRICITY", source, line)
    if not 0 <= ecc < 1:
        raise InputError(
            f"ECCENTRICITY must be in [0, 1), got {ecc}",
            source=source,
            line=line,
            field="ECCENTRICITY",
        )
    object_id = fields.get("OBJECT_ID", "").strip()
    return ElementSet(
        norad_id=_catalog_number(fields["NORAD_CAT_ID"], source, line),
        epoch=epoch,
        mean_motion_rev_per_day=mean_motion,
        eccentricity=ecc,
        inclination_rad=_number(fields, "INCLINATION", source, line) * DEG_RAD,
        raan_rad=_number(fields, "RA_OF_ASC_NODE", source, line) * DEG_RAD,
        arg_perigee_rad=_number(fields, "ARG_OF_PERICENTER", source, line) * DEG_RAD,
        mean_anomaly_rad=_number(fields, "MEAN_ANOMALY", source, line) * DEG_RAD,
        bstar=_number(fields, "BSTAR", source, line, 0.0),
        ndot_over_2=_number(fields, "MEAN_MOTION_DOT", source, line, 0.0),
        nddot_over_6=_number(fields, "MEAN_MOTION_DDOT", source, line, 0.0),
        name=fields.get("OBJECT_NAME", "").strip(),
        intl_designator="" if object_id.upper() == "UNKNOWN" else object_id,
        classification=fields.get("CLASSIFICATION_TYPE", "U").strip()[:1] or "U",
        element_set_no=int(_number(fields, "ELEMENT_SET_NO", source, line, 999.0)),
        rev_at_epoch=int(_number(fields, "REV_AT_EPOCH", source, line, 0.0)),
        ephemeris_type=int(_number(fields, "EPHEMERIS_TYPE", source, line, 0.0)),
        markings=markings,
        comments=comments,
    )


def elements_from_omm(
    message: Message, *, default_markings: Markings | None = None
) -> list[ElementSet]:
    """The SGP4 element sets of an OMM (TEME, MEAN_MOTION given), with its marking."""
    if message.kind != "OMM":
        raise InputError(f"expected an OMM, got {message.kind}", source=message.source)
    markings = message_markings(message, default_markings)
    return [
        element_set_from_keywords(
            segment_keywords(segment),
            message.source or "<message>",
            segment.line,
            markings=markings,
            comments=tuple(e.value for e in segment.metadata if e.keyword == "COMMENT"),
        )
        for segment in message.segments
    ]


def segment_keywords(segment: Segment) -> dict[str, str]:
    """Keyword -> value of a segment's metadata and data (comments left out)."""
    entries = [*segment.metadata]
    for item in segment.data:
        entries.extend(item.entries if isinstance(item, Group) else [item])
    return {e.keyword: e.value for e in entries if e.keyword != "COMMENT"}


def looks_like_ccsds_omm(text: str) -> bool:
    """Whether text opens like a CCSDS OMM (KVN or XML)."""
    head = text.lstrip()[:2000]
    return "CCSDS_OMM_VERS" in head or "<omm" in head.lower()


def omm_keyword_records(text: str, source: str) -> list[tuple[dict[str, str], int | None]]:
    """Keyword -> value of every OMM segment, with its first line, for
    :func:`element_set_from_keywords` one by one (catalog loading may skip bad ones).

    Built on the message codec, so a catalog load validates an OMM exactly as
    ``beltwatch formats check`` does (unknown keywords, missing mandatory ones).
    """
    records: list[tuple[dict[str, str], int | None]] = []
    for message in parse_messages(text, source):
        if message.kind != "OMM":
            raise InputError(f"expected an OMM, got a {message.kind}", source=source)
        records += [(segment_keywords(s), s.line) for s in message.segments]
    if not records:
        raise InputError("no OMM found (expected CCSDS_OMM_VERS)", source=source)
    return records
