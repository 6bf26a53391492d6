"""The catalog store: every part in one class."""

from __future__ import annotations

from beltwatch.store._catalog_store import CatalogStore
from beltwatch.store._event_store import EventStore
from beltwatch.store._key_store import KeyStore
from beltwatch.store._observation_store import ObservationStore


class Store(ObservationStore, CatalogStore, EventStore, KeyStore):
    """A catalog database (use :func:`open_store`): observations, element sets, orbits,
    objects, events, sensors, frames, tracklets, releases and API keys. Every method is
    one transaction; records are returned as beltwatch value types with their markings."""
