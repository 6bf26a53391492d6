"""Markings as one line of text, for CCSDS CLASSIFICATION and UDL classificationMarking.

``LEVEL//OWNER USA//REL TO AUS,CAN,GBR`` (the REL TO part absent when the
record is releasable to no one beyond its owner).
"""

from __future__ import annotations

import re

from beltwatch.errors import InputError
from beltwatch.values import Markings

_PATTERN = re.compile(
    r"^\s*(?P<level>[A-Za-z0-9_\-]+)\s*//\s*OWNER\s+(?P<owner>[A-Za-z0-9_+\-]+)"
    r"(\s*//\s*REL TO\s+(?P<rel>[A-Za-z0-9_,\s\-]*))?\s*$"
)


def format_marking(markings: Markings) -> str:
    """One-line text of ``markings`` (nations and groups sorted)."""
    text = f"{markings.level}//OWNER {markings.owner}"
    if markings.releasable_to:
        text += "//REL TO " + ",".join(sorted(markings.releasable_to))
    return text


def parse_marking(text: str, *, source: str | None = None, field: str = "marking") -> Markings:
    """Markings from :func:`format_marking` text; anything else is an :class:`InputError`."""
    match = _PATTERN.match(text or "")
    if not match:
        raise InputError(
            f"expected a marking like 'PARTNER//OWNER USA//REL TO JPN,FVEY', got {text!r}",
            source=source,
            field=field,
        )
    rel = match.group("rel") or ""
    nations = frozenset(part.strip().upper() for part in rel.split(",") if part.strip())
    return Markings(match.group("owner").upper(), match.group("level").upper(), nations)
