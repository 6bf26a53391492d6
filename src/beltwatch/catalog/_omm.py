"""CelesTrak GP JSON and CSV as OMM keyword records (read by formats.element_set_from_keywords)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from beltwatch.errors import InputError

# One OMM record: keyword -> printed value, and the line it started on (or None).
OmmRecord = tuple[dict[str, str], int | None]


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
