"""CCSDS OMM (KVN or XML) as flat keyword dictionaries, one per segment, for catalog loading.

Built on the message codec, so a catalog load validates an OMM exactly as
``beltwatch formats check`` does (unknown keywords, missing mandatory ones,
naming the line or element).
"""

from __future__ import annotations

from beltwatch.errors import InputError
from beltwatch.formats._io import parse_messages
from beltwatch.formats._model import Entry, Group, Message


def looks_like_ccsds_omm(text: str) -> bool:
    head = text.lstrip()[:2000]
    return "CCSDS_OMM_VERS" in head or "<omm" in head.lower()


def _entries(items: list[Entry | Group]) -> list[Entry]:
    out: list[Entry] = []
    for item in items:
        out.extend(item.entries if isinstance(item, Group) else [item])
    return out


def _header_fields(message: Message) -> dict[str, str]:
    fields = {e.keyword: e.value for e in message.header if e.keyword != "COMMENT"}
    fields.setdefault("CCSDS_OMM_VERS", message.version)
    return fields


def omm_keyword_records(text: str, source: str) -> list[tuple[dict[str, str], int | None]]:
    """Keyword -> value of every OMM segment (header, metadata, data), with its first line."""
    records: list[tuple[dict[str, str], int | None]] = []
    for message in parse_messages(text, source):
        if message.kind != "OMM":
            raise InputError(f"expected an OMM, got a {message.kind}", source=source)
        header = _header_fields(message)
        for segment in message.segments:
            fields = dict(header)
            for entry in [*segment.metadata, *_entries(segment.data)]:
                if entry.keyword != "COMMENT":
                    fields[entry.keyword] = entry.value
            records.append((fields, segment.line))
    if not records:
        raise InputError("no OMM found (expected CCSDS_OMM_VERS)", source=source)
    return records
