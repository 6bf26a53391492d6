"""Where the day's records go besides the run directory: the catalog store (SQLite file in
the run directory by default, ``--db URL`` for another database) and the near-real-time
stream (in-process by default, ``--stream nats://...``). Both sit behind :class:`Sinks`
so the stages do not depend on either backend.

The stream and the store hold our own records, each with its markings; nothing leaves
the system from either except through the release gate (the stream's partner feeds, the
products of :mod:`beltwatch.pipeline._products`)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from beltwatch.catalog import Catalog
from beltwatch.values import Event, Markings, Observation, OrbitState


class Sinks:
    """The store and the stream of one run (either may be absent: None)."""

    def __init__(
        self, store: Any, stream_url: str | None, description: str, broker: Any = None
    ) -> None:
        self.store = store
        self.stream_url = stream_url
        self.broker = broker  # the in-process stream's broker (None for nats://)
        self.description = description
        self.published: dict[str, int] = {}
        self.stored: dict[str, int] = {}

    def update_catalog(
        self,
        observations: list[Observation],
        orbits: list[OrbitState],
        catalog: Catalog,
        catalog_markings: Markings,
    ) -> None:
        """Our observations and orbits, and the starting catalog's element sets (public
        data: ``catalog_markings``)."""
        if self.store is None:
            return
        result = self.store.add_observations(observations)
        self.stored["observations"] = int(result.inserted)
        self.stored["element_sets"] = int(
            self.store.add_element_sets(catalog.element_sets(), "starting catalog",
                                        default_markings=catalog_markings)
        )  # fmt: skip
        for state in orbits:
            self.store.add_orbit(state, source="beltwatch run")
        self.stored["orbits"] = len(orbits)

    def add_events(self, events: list[Event]) -> None:
        if self.store is not None:
            self.stored["events"] = int(self.store.add_events(events))

    def publish(self, kind: str, records: list) -> None:
        """Publish our records of one kind (every one marked) on the stream; partners read
        it through the release gate (``beltwatch.stream.partner_feed``)."""
        if self.stream_url is None or not records:
            return
        stream = importlib.import_module("beltwatch.stream")
        options = {} if self.broker is None else {"broker": self.broker}
        self.published[kind] = int(
            stream.publish_records(self.stream_url, kind, records, **options)
        )

    def record_release(self, partner: str, kind: str, fmt: str, ids: list[str], withheld: int,
                       digest: str | None, path: str | None) -> None:  # fmt: skip
        if self.store is not None:
            self.store.record_release(partner, kind, fmt, ids, withheld, digest, path)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def open_sinks(db: str | None, stream: str | None, run_dir: Path) -> Sinks:
    """The store at ``db`` (default: ``catalog.db`` in the run directory) and the stream
    at ``stream`` (default: in-process)."""
    store_mod = importlib.import_module("beltwatch.store")
    url = db or f"sqlite:///{run_dir / 'catalog.db'}"
    store = store_mod.open_store(url)
    in_process = stream is None or stream.startswith("memory:")
    broker = importlib.import_module("beltwatch.stream").MemoryBroker() if in_process else None
    shown = "default (catalog.db in the run directory)" if db is None else store_mod.masked_url(url)
    return Sinks(
        store, stream or "memory://", f"store {shown}; stream {stream or 'in-process'}", broker
    )
