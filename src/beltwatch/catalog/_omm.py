"""OMM element sets (CelesTrak GP JSON/CSV, CCSDS OMM KVN/XML) as keyword dictionaries -> rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from beltwatch.catalog._columns import ElementRow
from beltwatch.catalog._tle import alpha5_to_int
from beltwatch.errors import InputError
from beltwatch.timescales import parse_utc

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

# One OMM record: keyword -> printed value, the line it started on (or None), and a label.
OmmRecord = tuple[dict[str, str], int | None]


def _number(fields: dict[str, str], key: str, source: str, line: int | None, default=None):
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


def omm_fields_to_row(fields: dict[str, str], source: str, line: int | None) -> ElementRow:
    """Validate one OMM keyword set and convert it to an element row."""
    fields = {k.strip().upper(): v for k, v in fields.items()}
    for key in REQUIRED_KEYWORDS:
        if key not in fields or str(fields[key]).strip() == "":
            raise InputError(f"missing {key}", source=source, line=line, field=key)
    try:
        norad = alpha5_to_int(str(fields["NORAD_CAT_ID"]).strip())
    except ValueError as exc:
        raise InputError(str(exc), source=source, line=line, field="NORAD_CAT_ID") from exc
    if not 0 <= norad <= 999_999_999:
        raise InputError(
            f"catalog number {norad} out of range", source=source, line=line, field="NORAD_CAT_ID"
        )
    try:
        epoch = parse_utc(str(fields["EPOCH"]), field="EPOCH")
    except InputError as exc:
        raise InputError(exc.message, source=source, line=line, field="EPOCH") from exc
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
    return ElementRow(
        norad_id=norad,
        name=str(fields.get("OBJECT_NAME", "")).strip(),
        intl_designator=str(fields.get("OBJECT_ID", "")).strip(),
        classification=str(fields.get("CLASSIFICATION_TYPE", "U")).strip() or "U",
        epoch_jd1=float(epoch.jd1),
        epoch_jd2=float(epoch.jd2),
        mean_motion_rev_per_day=mean_motion,
        eccentricity=ecc,
        inclination_deg=_number(fields, "INCLINATION", source, line),
        raan_deg=_number(fields, "RA_OF_ASC_NODE", source, line),
        arg_perigee_deg=_number(fields, "ARG_OF_PERICENTER", source, line),
        mean_anomaly_deg=_number(fields, "MEAN_ANOMALY", source, line),
        bstar=_number(fields, "BSTAR", source, line, 0.0),
        ndot_over_2=_number(fields, "MEAN_MOTION_DOT", source, line, 0.0),
        nddot_over_6=_number(fields, "MEAN_MOTION_DDOT", source, line, 0.0),
        element_set_no=int(_number(fields, "ELEMENT_SET_NO", source, line, 999.0)),
        rev_at_epoch=int(_number(fields, "REV_AT_EPOCH", source, line, 0.0)),
        ephemeris_type=int(_number(fields, "EPHEMERIS_TYPE", source, line, 0.0)),
    )


def iter_gp_json(text: str, source: str) -> Iterator[OmmRecord]:
    """CelesTrak GP JSON: a list of OMM keyword objects (or one object)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=source, line=exc.lineno) from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputError("expected a JSON list of OMM objects", source=source)
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(
                f"record {index} is not a JSON object", source=source, field=f"[{index}]"
            )
        yield {str(k): ("" if v is None else str(v)) for k, v in item.items()}, None


def iter_gp_csv(text: str, source: str) -> Iterator[OmmRecord]:
    """CelesTrak GP CSV: a header of OMM keywords, one element set per line."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise InputError("CSV without a header line", source=source, line=1)
    for row in reader:
        if None in row:
            raise InputError("more values than header columns", source=source, line=reader.line_num)
        yield {k: (v or "") for k, v in row.items()}, reader.line_num
