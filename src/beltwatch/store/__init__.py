"""The persistent catalog store: SQLite by default, PostgreSQL by URL.

* :func:`open_store` opens (and migrates to the newest schema) a database;
  :func:`upgrade_database` only migrates. Migrations are Alembic scripts shipped in
  the package (``beltwatch/store/migrations``), run from code.
* :class:`Store` keeps observations (idempotent by ``obs_id``), element-set and orbit
  histories, catalog objects and their status history, events, sensors, frames,
  tracklets, product releases and API keys (salted hashes only). Every record keeps
  its markings; listings are keyset-paginated :class:`Page`\\ s.

Schema, units and measured ingest rates: docs/store.md.
"""

from beltwatch.store._engine import default_url
from beltwatch.store._engine import masked as masked_url
from beltwatch.store._migrate import head_revision
from beltwatch.store._open import open_store, upgrade_database
from beltwatch.store._records import (
    ApiKeyRecord,
    FrameRecord,
    IngestResult,
    ObjectSummary,
    Page,
    ReleaseRecord,
    SensorRecord,
    StatusChange,
    StoredOrbit,
    TrackletRecord,
)
from beltwatch.store._store import Store

__all__ = [
    "ApiKeyRecord",
    "FrameRecord",
    "IngestResult",
    "ObjectSummary",
    "Page",
    "ReleaseRecord",
    "SensorRecord",
    "StatusChange",
    "Store",
    "StoredOrbit",
    "TrackletRecord",
    "default_url",
    "head_revision",
    "masked_url",
    "open_store",
    "upgrade_database",
]
