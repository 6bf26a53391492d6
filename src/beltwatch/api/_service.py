"""What the routes share: the store, the stream, the policy and the service settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from beltwatch.api._cursor import CursorBox
from beltwatch.sharing import ElementFit, Policy

DEFAULT_INGEST_PARTNERS = frozenset({"SSN"})


@dataclass
class Service:
    """Dependencies of one app (injected by :func:`create_app`; no globals). ``stream``
    is set when the app starts if it was given by URL.

    ``ingest_partners``: partners whose keys may POST observations; ``audit_log``: the
    hash-chained log product downloads are appended to; ``fit``: how orbits become SGP4
    element sets for OMM products."""

    store: Any
    policy: Policy
    audit_log: Path
    stream: Any = None
    ingest_partners: frozenset[str] = DEFAULT_INGEST_PARTNERS
    fit: ElementFit = field(default_factory=ElementFit)
    cursors: CursorBox = field(default_factory=CursorBox)
    max_ingest_records: int = 10_000
