"""Everything the service shows goes through :func:`beltwatch.sharing.release`; this
module pages over what it releases, so that neither a page's size nor its cursor says
anything about withheld records. Element sets are one of the gate's record kinds like
the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from beltwatch.api._cursor import Position
from beltwatch.sharing import Policy, release

CHUNK = 200  # stored records fetched at a time while filling a page
ELEMENT_SETS = "element_sets"


def released_pairs(
    records: Sequence, kind: str, partner: str, policy: Policy
) -> list[tuple[int, Any]]:
    """(index in ``records``, the record as released) for each record the gate lets out."""
    result = release(list(records), kind, partner, policy)
    out, it = [], iter(result.records)
    for index, decision in enumerate(result.decisions):
        if decision.released:
            out.append((index, next(it)))
    return out


def released(records: Sequence, kind: str, partner: str, policy: Policy) -> list:
    """The records the gate lets ``partner`` have (sanitised where a rule applied)."""
    return [r for _, r in released_pairs(records, kind, partner, policy)]


@dataclass(frozen=True)
class Listing:
    """A store listing read in chunks: ``fetch(after, limit)`` returns a store page,
    ``select(records)`` the (index, shown record) pairs the partner may see (from the
    gate), ``ident`` names one stored record."""

    fetch: Callable[[str | None, int], Any]
    select: Callable[[Sequence], list[tuple[int, Any]]]
    ident: Callable[[Any], str]
    chunk: int = CHUNK  # stored records read at a time (small when selecting is costly)


def released_page(listing: Listing, limit: int, position: Position) -> tuple[list, Position | None]:
    """Up to ``limit`` released records from ``position`` on, and the position of the
    next page (None when no further record is released)."""
    out: list = []
    after, skip, last_id = position.store_after, position.consumed, position.last_id
    next_position: Position | None = None
    while True:
        page = listing.fetch(after, listing.chunk)
        items = list(page.items)
        start = _resume_index(items, skip, last_id, listing.ident)
        for index, record in listing.select(items[start:]):
            at = start + index
            if len(out) == limit:  # one more exists: the next page starts after the last
                return out, next_position
            out.append(record)
            next_position = Position(after, at + 1, listing.ident(items[at]))
        if page.next_cursor is None or not items:
            return out, None
        after, skip, last_id = page.next_cursor, 0, None


def _resume_index(items: list, skip: int, last_id: str | None, ident: Callable) -> int:
    """Index of the first record not yet consumed (found by the last one's id when
    records were added to the chunk since)."""
    if skip <= 0:
        return 0
    if last_id is None or (skip <= len(items) and ident(items[skip - 1]) == last_id):
        return min(skip, len(items))
    for index, record in enumerate(items):
        if ident(record) == last_id:
            return index + 1
    return min(skip, len(items))
