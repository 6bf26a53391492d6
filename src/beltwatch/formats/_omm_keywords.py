"""CCSDS OMM (KVN or XML) as keyword dictionaries, one per message, for catalog loading."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from beltwatch.errors import InputError
from beltwatch.formats._kvn import read_kvn_lines

# Keywords an OMM may carry (CCSDS 502.0-B-3), header to TLE parameters and covariance.
OMM_KEYWORDS = frozenset(
    [
        "CCSDS_OMM_VERS",
        "CREATION_DATE",
        "ORIGINATOR",
        "MESSAGE_ID",
        "CLASSIFICATION",
        "OBJECT_NAME",
        "OBJECT_ID",
        "CENTER_NAME",
        "REF_FRAME",
        "REF_FRAME_EPOCH",
        "TIME_SYSTEM",
        "MEAN_ELEMENT_THEORY",
        "EPOCH",
        "SEMI_MAJOR_AXIS",
        "MEAN_MOTION",
        "ECCENTRICITY",
        "INCLINATION",
        "RA_OF_ASC_NODE",
        "ARG_OF_PERICENTER",
        "MEAN_ANOMALY",
        "GM",
        "MASS",
        "SOLAR_RAD_AREA",
        "SOLAR_RAD_COEFF",
        "DRAG_AREA",
        "DRAG_COEFF",
        "EPHEMERIS_TYPE",
        "CLASSIFICATION_TYPE",
        "NORAD_CAT_ID",
        "ELEMENT_SET_NO",
        "REV_AT_EPOCH",
        "BSTAR",
        "BTERM",
        "MEAN_MOTION_DOT",
        "MEAN_MOTION_DDOT",
        "AGOM",
        "COV_REF_FRAME",
        "CX_X",
        "CY_X",
        "CY_Y",
        "CZ_X",
        "CZ_Y",
        "CZ_Z",
        "CX_DOT_X",
        "CX_DOT_Y",
        "CX_DOT_Z",
        "CX_DOT_X_DOT",
        "CY_DOT_X",
        "CY_DOT_Y",
        "CY_DOT_Z",
        "CY_DOT_X_DOT",
        "CY_DOT_Y_DOT",
        "CZ_DOT_X",
        "CZ_DOT_Y",
        "CZ_DOT_Z",
        "CZ_DOT_X_DOT",
        "CZ_DOT_Y_DOT",
        "CZ_DOT_Z_DOT",
        "USER_DEFINED_OBJECT",
        "COMMENT",
    ]
)


def looks_like_ccsds_omm(text: str) -> bool:
    head = text.lstrip()[:2000]
    return "CCSDS_OMM_VERS" in head or "<omm" in head.lower()


def omm_keyword_records(text: str, source: str) -> list[tuple[dict[str, str], int | None]]:
    """Keyword dictionaries of every OMM in KVN or XML text, with the first line number (KVN)."""
    if text.lstrip().startswith("<"):
        return _xml_records(text, source)
    records: list[tuple[dict[str, str], int | None]] = []
    current: dict[str, str] | None = None
    for item in read_kvn_lines(text, source):
        if item.keyword is None:
            raise InputError(
                f"unexpected line {item.value[:40]!r} in OMM", source=source, line=item.line
            )
        if item.keyword == "COMMENT":
            continue
        if item.keyword == "CCSDS_OMM_VERS":
            current = {}
            records.append((current, item.line))
        if current is None:
            raise InputError("OMM must start with CCSDS_OMM_VERS", source=source, line=item.line)
        if item.keyword not in OMM_KEYWORDS and not item.keyword.startswith("USER_DEFINED_"):
            raise InputError(
                f"unexpected keyword {item.keyword} in OMM",
                source=source,
                line=item.line,
                field=item.keyword,
            )
        current[item.keyword] = item.value
    if not records:
        raise InputError("no OMM found (expected CCSDS_OMM_VERS)", source=source)
    return records


def _xml_records(text: str, source: str) -> list[tuple[dict[str, str], int | None]]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"invalid XML: {exc}", source=source, line=exc.position[0]) from exc
    messages = [el for el in root.iter() if el.tag.split("}")[-1].lower() == "omm"]
    if not messages:
        raise InputError("no <omm> element found", source=source)
    records = []
    for message in messages:
        fields = {}
        for element in message.iter():
            tag = element.tag.split("}")[-1].upper()
            if len(element) == 0 and element.text is not None and tag != "COMMENT":
                fields[tag] = element.text.strip()
        if "version" in message.attrib:
            fields.setdefault("CCSDS_OMM_VERS", message.attrib["version"])
        records.append((fields, None))
    return records
