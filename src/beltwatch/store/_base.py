"""The store's engine, sessions and shared SQL helpers (keyset pages, bulk inserts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self

from astropy.time import Time
from sqlalchemy import Engine, and_, any_, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from beltwatch.errors import BeltwatchError, InputError
from beltwatch.store._convert import tai_s, utc_time
from beltwatch.store._cursor import decode_cursor, encode_cursor
from beltwatch.store._engine import masked
from beltwatch.store._schema import ObjectRow

MAX_PAGE = 10_000
_CHUNK = 500  # ids per IN (...) lookup


def now_tai_s() -> float:
    return tai_s(Time.now())


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit must be an integer in 1..{MAX_PAGE}, got {limit!r}", field="limit")
    return limit


def _after(columns: Sequence[Any], key: tuple) -> ColumnElement[bool]:
    """Rows strictly after ``key`` in the lexicographic order of ``columns``."""
    terms = []
    for i, column in enumerate(columns):
        equal = [columns[j] == key[j] for j in range(i)]
        terms.append(and_(*equal, column > key[i]))
    return or_(*terms)


def chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StoreBase:
    """An engine and the helpers every part of the store uses."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- life cycle ---------------------------------------------------------------

    @property
    def url(self) -> str:
        """The database URL, password masked."""
        return masked(self._engine.url)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def _member(self, column: Any, values: Sequence) -> ColumnElement[bool]:
        """``column`` is one of ``values``: one array parameter on PostgreSQL (an IN list of
        hundreds of parameters makes its planner compare each row with each of them)."""
        if self.backend == "postgresql":
            return column == any_(literal(list(values), postgresql.ARRAY(column.type)))
        return column.in_(values)

    def _insert_ignore(self, table: Any) -> Any:
        """INSERT ... ON CONFLICT DO NOTHING for this backend."""
        dialect = postgresql if self.backend == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    def _insert_returning(self, session: Session, table: Any, rows: list[dict], key: str) -> int:
        """Insert ``rows`` skipping conflicts; the number inserted."""
        if not rows:
            return 0
        if self.backend == "postgresql" and key in rows[0]:  # not for generated ids
            return _copy_insert(session, table.name, rows, key)
        statement = self._insert_ignore(table).returning(table.c[key])
        return len(session.execute(statement, rows).all())

    def _page(
        self,
        session: Session,
        statement: Any,
        columns: Sequence[Any],
        types: tuple[type, ...],
        limit: int,
        after: str | None,
    ) -> tuple[list, str | None]:
        """Rows of one keyset page of ``statement`` ordered by ``columns``, and the cursor."""
        _check_limit(limit)
        if after is not None:
            statement = statement.where(_after(columns, decode_cursor(after, types)))
        rows = list(session.scalars(statement.order_by(*columns).limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        rows = rows[:limit]
        last = rows[-1]
        return rows, encode_cursor(*(getattr(last, c.key) for c in columns))

    def _ensure_objects(self, session: Session, first: dict[int, dict]) -> None:
        """Create the objects in ``first`` (norad_id -> row of its first record) that are
        absent, named and marked as that record."""
        if not first:
            return
        ids = sorted(first)
        present: set[int] = set()
        for chunk in chunks(ids):
            present |= set(
                session.scalars(
                    select(ObjectRow.norad_id).where(self._member(ObjectRow.norad_id, chunk))
                )
            )
        now = now_tai_s()
        rows = [
            {
                "norad_id": n,
                "name": first[n].get("name", first[n].get("object_name", "")) or "",
                "intl_designator": first[n].get("intl_designator", "") or "",
                "status": None,
                "created_tai_s": now,
                "marking_owner": first[n]["marking_owner"],
                "marking_level": first[n]["marking_level"],
                "marking_releasable_to": first[n]["marking_releasable_to"],
            }
            for n in ids
            if n not in present
        ]
        if rows:
            session.execute(self._insert_ignore(ObjectRow.__table__), rows)


def _copy_insert(session: Session, table: str, rows: list[dict], key: str) -> int:
    """PostgreSQL bulk path: COPY into a session-local staging table, then one INSERT ...
    SELECT ... ON CONFLICT DO NOTHING (a multi-row VALUES statement costs psycopg more to
    prepare than the server to run); the number inserted."""
    columns = list(rows[0])
    names = ", ".join(columns)
    staging = f"staging_{table}"
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} "
            f"ON CONFLICT DO NOTHING RETURNING {key}"
        )
        inserted = len(cursor.fetchall())
        cursor.execute(f"TRUNCATE {staging}")
    return inserted


def maybe_time(seconds: float | None) -> Time | None:
    return None if seconds is None else utc_time(seconds)


def database_error(url: str, exc: SQLAlchemyError) -> BeltwatchError:
    """A one-line project error for a database that cannot be reached or used."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
    return BeltwatchError(f"database {masked(url)}: {detail}")
