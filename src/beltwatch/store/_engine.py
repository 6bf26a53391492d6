"""Database URLs and engines: SQLite by default, PostgreSQL through psycopg 3."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from beltwatch.errors import InputError

CONNECT_TIMEOUT_S = 5


def default_url() -> str:
    """``$BELTWATCH_DB`` (a URL or a file path), else ``beltwatch.db`` in the user data dir."""
    env = os.environ.get("BELTWATCH_DB")
    if env:
        return env if "://" in env else f"sqlite:///{Path(env).expanduser()}"
    return f"sqlite:///{platformdirs.user_data_path('beltwatch') / 'beltwatch.db'}"


def masked(url: str | URL) -> str:
    """The URL as text with its password hidden (for messages)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url).split("@")[-1] if "@" in str(url) else str(url)


def parse_url(url: str | None) -> URL:
    """``url`` (None: :func:`default_url`) as a SQLAlchemy URL with the psycopg driver
    for PostgreSQL; an :class:`InputError` naming it when it is not SQLite or PostgreSQL."""
    text = default_url() if url is None else url.strip()
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise InputError(
            f"not a database URL: {masked(text)!r} (expected sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DB)",
            field="db",
        ) from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        if not parsed.database or parsed.database == ":memory:":
            raise InputError(
                f"{masked(parsed)}: give a file (sqlite:///PATH); an in-memory store keeps nothing",
                field="db",
            )
        folder = Path(parsed.database).expanduser().parent
        if not folder.is_dir():
            raise InputError(
                f"{masked(parsed)}: directory {folder} does not exist (create it first)",
                field="db",
            )
        return parsed.set(database=str(Path(parsed.database).expanduser()))
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise InputError(
        f"unsupported database URL {masked(parsed)!r}: expected sqlite:///PATH or "
        "postgresql://USER@HOST:PORT/DB",
        field="db",
    )


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: URL) -> Engine:
    """An engine for a URL from :func:`parse_url`."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    return create_engine(url, connect_args=args, pool_pre_ping=True)
