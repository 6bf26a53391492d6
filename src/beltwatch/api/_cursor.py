"""Opaque page cursors over released records.

A cursor says where in the store's listing the next page starts: the store's own
cursor at the start of a chunk, how many stored records of that chunk were already
consumed and the id of the last one. Those records include withheld ones, so the
cursor is encrypted and authenticated (Fernet, a key made when the app starts): a
partner can neither read how many records it was not shown nor forge a position.
Cursors are valid for the life of the process, for the partner and query they were
made for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

from beltwatch.api._problems import ProblemError


@dataclass(frozen=True)
class Position:
    """Where a listing resumes: the store cursor of a chunk's start (None: the very
    start), records of it already consumed, and the id of the last consumed one."""

    store_after: str | None = None
    consumed: int = 0
    last_id: str | None = None


class CursorBox:
    """Seals and opens cursors for one running service."""

    def __init__(self, key: bytes | None = None) -> None:
        self._fernet = Fernet(key or Fernet.generate_key())

    def seal(self, position: Position, partner: str, query: str) -> str:
        body = {
            "a": position.store_after,
            "n": position.consumed,
            "i": position.last_id,
            "p": partner,
            "q": query,
        }
        return self._fernet.encrypt(json.dumps(body).encode()).decode()

    def open(self, cursor: str | None, partner: str, query: str) -> Position:
        """The position in ``cursor`` (the start when None); a 422 problem naming the
        ``cursor`` parameter when it is not one this service made for this listing."""
        if cursor is None:
            return Position()
        try:
            body = json.loads(self._fernet.decrypt(cursor.encode()))
        except (InvalidToken, ValueError, UnicodeError):
            body = None
        if not isinstance(body, dict) or body.get("p") != partner or body.get("q") != query:
            raise ProblemError(
                422,
                "query parameter 'cursor': not a cursor of this listing (cursors come from "
                "next_cursor of a previous page of the same query, with the same key, and "
                "last while the service runs)",
                parameter="cursor",
            )
        return Position(body.get("a"), int(body.get("n") or 0), body.get("i"))
