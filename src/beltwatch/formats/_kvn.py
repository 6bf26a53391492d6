"""CCSDS KVN (keyword = value) tokenising with line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from beltwatch.errors import InputError

_KEY_VALUE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$")
_UNITS = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")


@dataclass(frozen=True)
class KvnLine:
    """One non-blank KVN line: a keyword/value pair, a COMMENT, or a bare data line."""

    line: int
    keyword: str | None
    value: str
    units: str | None = None


def read_kvn_lines(text: str, source: str) -> list[KvnLine]:
    """Split KVN text into keyword lines (``KEY = value [units]``), COMMENTs and data lines."""
    out: list[KvnLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("COMMENT"):
            out.append(KvnLine(number, "COMMENT", stripped[len("COMMENT") :].strip()))
            continue
        match = _KEY_VALUE.match(stripped)
        if match:
            keyword, value = match.group(1).upper(), match.group(2)
            units = None
            with_units = _UNITS.match(value)
            if with_units:
                value, units = with_units.group(1), with_units.group(2)
            out.append(KvnLine(number, keyword, value, units))
        elif "=" in stripped:
            raise InputError(
                f"malformed keyword line {stripped[:40]!r}", source=source, line=number
            )
        else:
            out.append(KvnLine(number, None, stripped))
    return out
