"""Opening a store: URL -> engine -> schema at head."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from beltwatch.store._engine import default_url, make_engine, parse_url
from beltwatch.store._migrate import upgrade
from beltwatch.store._store import Store, database_error


def open_store(url: str | None = None) -> Store:
    """The store at ``url`` (None: ``$BELTWATCH_DB`` or ``beltwatch.db`` in the user data
    directory; ``sqlite:///PATH`` or ``postgresql://USER@HOST:PORT/DB``), migrated to the
    newest schema. A bad URL is an InputError, an unreachable database a BeltwatchError,
    each naming the URL with its password masked."""
    parsed = parse_url(url)
    engine = make_engine(parsed)
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise database_error(url or default_url(), exc) from None
    return Store(engine)


def upgrade_database(url: str | None = None) -> str:
    """Migrate the database at ``url`` to the newest schema; the head revision."""
    parsed = parse_url(url)
    engine = make_engine(parsed)
    try:
        return upgrade(engine)
    except SQLAlchemyError as exc:
        raise database_error(url or default_url(), exc) from None
    finally:
        engine.dispose()
