"""Checks shared by the KVN and XML readers: mandatory keywords, well-formed values."""

from __future__ import annotations

import re
from collections.abc import Sequence

from beltwatch.errors import InputError
from beltwatch.formats._keywords import SPECS, KindSpec
from beltwatch.formats._model import Entry, Group, Message, Segment

_EPOCH = re.compile(r"^\d{4}-(\d{2}-\d{2}|\d{3})(T\d{2}:\d{2}(:\d{2}(\.\d*)?)?)?Z?$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$")


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def check_epoch(text: str, *, source: str | None, line: int | None, field: str) -> None:
    if not _EPOCH.match(text.strip()):
        raise InputError(
            f"expected an epoch like 2026-05-24T00:00:00 or 2026-144T00:00:00, got {text!r}",
            source=source,
            line=line,
            field=field,
        )


def check_number(text: str, *, source: str | None, line: int | None, field: str) -> None:
    if not is_number(text):
        raise InputError(f"expected a number, got {text!r}", source=source, line=line, field=field)


def validate_message(message: Message) -> Message:
    """Raise :class:`InputError` naming the first mandatory keyword a message lacks."""
    spec = SPECS[message.kind]
    where = message.source
    _require(spec.header_required, message.header, "header", where, _first_line(message.header))
    _require(
        spec.relative_required,
        message.relative,
        "the CDM relative metadata/data",
        where,
        _first_line(message.relative),
    )
    if not message.segments:
        raise InputError(f"{message.kind} has no segment", source=where)
    if message.kind == "CDM" and len(message.segments) != 2:
        raise InputError(
            f"a CDM holds exactly 2 objects, found {len(message.segments)}",
            source=where,
            field="OBJECT",
        )
    for segment in message.segments:
        _require(spec.metadata_required, segment.metadata, "metadata", where, segment.line)
        _require_data(spec, segment, where)
    return message


def _require_data(spec: KindSpec, segment: Segment, where: str | None) -> None:
    _require(spec.data_required, segment.data, f"{spec.kind} data", where, segment.line)
    present = _keywords(segment.data)
    if spec.kind == "OMM" and not present & {"MEAN_MOTION", "SEMI_MAJOR_AXIS"}:
        raise InputError(
            "OMM data needs MEAN_MOTION or SEMI_MAJOR_AXIS",
            source=where,
            line=segment.line,
            field="MEAN_MOTION",
        )


def _require(
    keywords: tuple[str, ...], items: Sequence[Entry | Group], block: str, where: str | None, line
) -> None:
    """Raise naming the first of ``keywords`` absent from ``items`` (entries or groups)."""
    present = _keywords(items)
    for keyword in keywords:
        if keyword not in present:
            raise InputError(
                f"mandatory keyword {keyword} missing from {block}",
                source=where,
                line=line,
                field=keyword,
            )


def _keywords(items: Sequence) -> set[str]:
    out: set[str] = set()
    for item in items:
        if isinstance(item, Group):
            out.update(entry.keyword for entry in item.entries)
        else:
            out.add(item.keyword)
    return out


def _first_line(items: list) -> int | None:
    for item in items:
        if item.line is not None:
            return item.line
    return None
