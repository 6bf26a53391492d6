"""Markings as one line of text, for CCSDS CLASSIFICATION and UDL classificationMarking.

beltwatch writes ``LEVEL//OWNER USA//REL TO AUS,CAN,GBR`` (the REL TO part absent when
the record is releasable to no one beyond its owner). Other systems write plain
markings such as a UDL feed's ``U``, ``U//FOUO`` or ``C//REL TO USA, AUS``: those are
read through a :class:`ForeignMarkings` rule (the policy's ``[markings]`` table).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from beltwatch.errors import InputError
from beltwatch.values import Markings

_PATTERN = re.compile(
    r"^\s*(?P<level>[A-Za-z0-9_\-]+)\s*//\s*OWNER\s+(?P<owner>[A-Za-z0-9_+\-]+)"
    r"(\s*//\s*REL TO\s+(?P<rel>[A-Za-z0-9_,\s\-]*))?\s*$"
)
_REL_TO = re.compile(r"^REL(?:\s+TO)?\s+(?P<rel>[A-Za-z0-9_,\s\-]+)$")


@dataclass(frozen=True)
class ForeignMarkings:
    """How a plain marking of another system becomes beltwatch markings.

    The classification (the part before the first ``//``) maps to a policy level through
    ``levels`` (an unmapped one is refused); the record's owner is ``owner``; a
    ``REL TO`` control gives the releasable-to nations, otherwise ``releasable_to``.
    Any other control (``FOUO``, ``NOFORN``, ...) leaves the record to its owner alone:
    an unknown restriction never widens a release.
    """

    owner: str
    levels: Mapping[str, str]
    releasable_to: frozenset[str] = field(default_factory=frozenset)

    def markings(self, text: str, *, source: str | None = None, field: str = "marking") -> Markings:
        parts = [part.strip().upper() for part in text.split("//")]
        level = self.levels.get(parts[0])
        if level is None:
            known = ", ".join(sorted(self.levels)) or "none"
            raise InputError(
                f"marking {text!r}: classification {parts[0]!r} has no level in the policy's "
                f"[markings.foreign_levels] table (known: {known})",
                source=source,
                field=field,
            )
        releasable = self.releasable_to
        for control in parts[1:]:
            rel = _REL_TO.match(control)
            if rel:
                names = (n.strip() for n in rel.group("rel").split(","))
                releasable = frozenset(n for n in names if n) - {self.owner}
            else:
                return Markings(self.owner, level, frozenset())
        return Markings(self.owner, level, releasable)


def format_marking(markings: Markings) -> str:
    """One-line text of ``markings`` (nations and groups sorted)."""
    text = f"{markings.level}//OWNER {markings.owner}"
    if markings.releasable_to:
        text += "//REL TO " + ",".join(sorted(markings.releasable_to))
    return text


def parse_marking(
    text: str,
    *,
    source: str | None = None,
    field: str = "marking",
    foreign: ForeignMarkings | None = None,
) -> Markings:
    """Markings from :func:`format_marking` text, or from another system's plain marking
    through ``foreign``; anything else is an :class:`InputError`."""
    match = _PATTERN.match(text or "")
    if match:
        rel = match.group("rel") or ""
        nations = frozenset(part.strip().upper() for part in rel.split(",") if part.strip())
        return Markings(match.group("owner").upper(), match.group("level").upper(), nations)
    if foreign is not None and (text or "").strip():
        return foreign.markings(text, source=source, field=field)
    raise InputError(
        f"expected a marking like 'PARTNER//OWNER USA//REL TO JPN,FVEY', got {text!r}"
        + ("" if foreign is not None else " (plain markings need the policy's [markings] table)"),
        source=source,
        field=field,
    )
