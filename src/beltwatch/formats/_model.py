"""The CCSDS NDM message model, separate from its KVN and XML encodings.

A message is a header, optional CDM relative metadata, and segments of
metadata and data. Values are kept as the text that was read (or formatted by
a writer), so a message written back shows every number to the precision it
was printed with; typed views (observations, orbit states, conjunctions) are
built from it in the ``_tdm``, ``_odm`` and ``_cdm`` modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from beltwatch.errors import InputError


@dataclass(frozen=True)
class Entry:
    """One keyword and its value (``COMMENT`` entries hold comment text); units as written."""

    keyword: str
    value: str
    units: str | None = None
    line: int | None = field(default=None, compare=False)


@dataclass
class Group:
    """A named block of entries (the XML element name: ``stateVector``, ``observation``, ...)."""

    name: str
    entries: list[Entry]
    line: int | None = field(default=None, compare=False)

    def get(self, keyword: str) -> str | None:
        for entry in self.entries:
            if entry.keyword == keyword:
                return entry.value
        return None

    def number(self, keyword: str, source: str | None = None) -> float:
        """The value of ``keyword`` as a number, or an :class:`InputError` naming it."""
        return required_number(self.get(keyword), keyword, source, self.line)


Item = Entry | Group


@dataclass
class Segment:
    """Metadata entries and data items (groups, plus loose ``COMMENT`` entries)."""

    metadata: list[Entry]
    data: list[Item]
    line: int | None = field(default=None, compare=False)

    def meta(self, keyword: str) -> str | None:
        return _first(self.metadata, keyword)

    def groups(self, name: str) -> list[Group]:
        return [item for item in self.data if isinstance(item, Group) and item.name == name]

    def data_number(self, keyword: str, source: str | None = None) -> float:
        """A data keyword's value as a number, or an :class:`InputError` naming it."""
        return required_number(self.data_value(keyword), keyword, source, self.line)

    def data_value(self, keyword: str) -> str | None:
        for item in self.data:
            if isinstance(item, Group):
                value = item.get(keyword)
                if value is not None:
                    return value
        return None


@dataclass
class Message:
    """A CCSDS navigation data message: ``kind`` is TDM, OEM, OPM, OMM or CDM."""

    kind: str
    version: str
    header: list[Entry]
    segments: list[Segment]
    relative: list[Item] = field(default_factory=list)
    source: str | None = field(default=None, compare=False)

    def header_value(self, keyword: str) -> str | None:
        return _first(self.header, keyword)

    def counts(self) -> dict[str, int]:
        """Segments and data records (observations, states, covariances, ...) by block name."""
        out: dict[str, int] = {"segments": len(self.segments)}
        for segment in self.segments:
            for item in segment.data:
                if isinstance(item, Group):
                    out[item.name] = out.get(item.name, 0) + 1
        return out


def _first(entries: list[Entry], keyword: str) -> str | None:
    for entry in entries:
        if entry.keyword == keyword:
            return entry.value
    return None


def required_number(text: str | None, keyword: str, source: str | None, line: int | None) -> float:
    """``text`` as a float, or an :class:`InputError` naming the keyword (missing, not a number)."""
    if text is None:
        raise InputError(f"missing {keyword}", source=source, line=line, field=keyword)
    try:
        return float(text)
    except ValueError:
        raise InputError(
            f"{keyword} is not a number: {text!r}", source=source, line=line, field=keyword
        ) from None


def _canonical_value(text: str) -> object:
    """Numbers compared by value at their printed precision (``2.52E-03`` == ``0.00252``)."""
    parts = text.split()
    out: list[Decimal | str] = []
    for part in parts:
        try:
            out.append(Decimal(part).normalize())
        except InvalidOperation:
            out.append(part)
    return tuple(out)


def message_content(message: Message, *, comments: bool = True) -> list[tuple]:
    """A flat, encoding-independent view of a message for equality tests and diffs.

    Every keyword, value (numbers as exact decimals of their printed digits) and
    unit in order, with the block it belongs to; comments included unless asked not to.
    """
    rows: list[tuple] = [("version", message.kind, message.version)]

    def add(where: str, items: Sequence[Item]) -> None:
        for item in items:
            if isinstance(item, Group):
                add(f"{where}/{item.name}", item.entries)
            elif comments or item.keyword != "COMMENT":
                value = item.value if item.keyword == "COMMENT" else _canonical_value(item.value)
                rows.append((where, item.keyword, value, item.units))

    add("header", list(message.header))
    add("relative", message.relative)
    for number, segment in enumerate(message.segments):
        add(f"segment{number}/metadata", list(segment.metadata))
        add(f"segment{number}/data", segment.data)
    return rows
