"""The catalog store: observations, element sets, orbits, objects, events, sensors,
frames, tracklets, releases and API keys in SQLite or PostgreSQL."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

import numpy as np
from astropy.time import Time
from sqlalchemy import Engine, and_, any_, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from beltwatch.errors import BeltwatchError, InputError
from beltwatch.store import _keys
from beltwatch.store._convert import (
    covariance_text,
    element_set_of,
    element_set_row,
    event_of,
    event_row,
    markings_columns,
    markings_of,
    observation_of,
    observation_row,
    orbit_of,
    require_markings,
    require_norad,
    tai_s,
    tai_s_many,
    utc_time,
    utc_times,
)
from beltwatch.store._cursor import decode_cursor, encode_cursor
from beltwatch.store._engine import masked
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
from beltwatch.store._schema import (
    ApiKeyRow,
    Base,
    ElementSetRow,
    EventObjectRow,
    EventRow,
    FrameRow,
    ObjectRow,
    ObjectStatusRow,
    ObservationRow,
    OrbitRow,
    ReleaseRow,
    SensorRow,
    TrackletRow,
)
from beltwatch.values import ElementSet, Event, Markings, Observation, OrbitState

MAX_PAGE = 10_000
_CHUNK = 500  # ids per IN (...) lookup


def _now_tai_s() -> float:
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


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """A catalog database (use :func:`open_store`). Every method is one transaction;
    records are returned as beltwatch value types with their markings."""

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

    def __enter__(self) -> Store:
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
        for chunk in _chunks(ids):
            present |= set(
                session.scalars(select(ObjectRow.norad_id).where(self._member(ObjectRow.norad_id, chunk)))
            )
        now = _now_tai_s()
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

    # -- observations -------------------------------------------------------------

    def add_observations(self, observations: Iterable[Observation]) -> IngestResult:
        """Store a batch in one transaction, idempotent by ``obs_id``.

        The same observation again is a duplicate; a different one under a stored id is
        rejected with the reason (the stored one is kept); invalid records are rejected
        with the reason while the rest is stored.
        """
        rejected: list[tuple[str, str]] = []
        valid: list[tuple[Observation, dict]] = []
        marks: dict[Markings, dict[str, str]] = {}
        for obs in observations:
            row = observation_row(obs)
            if isinstance(row, str):
                rejected.append((str(getattr(obs, "obs_id", "")), row))
                continue
            if obs.markings not in marks:
                marks[obs.markings] = markings_columns(obs.markings)
            row.update(marks[obs.markings])
            valid.append((obs, row))
        rows: dict[str, dict] = {}
        duplicates = 0
        seconds = tai_s_many([obs.time for obs, _ in valid])
        for (obs, row), t in zip(valid, seconds.tolist(), strict=True):
            row["t_tai_s"] = t
            seen = rows.get(obs.obs_id)
            if seen is None:
                rows[obs.obs_id] = row
            elif seen == row:
                duplicates += 1
            else:
                rejected.append((obs.obs_id, "another observation has this obs_id in the batch"))
        table = ObservationRow.__table__
        with self._session() as session, session.begin():
            stored: dict[str, dict] = {}
            for chunk in _chunks(list(rows)):
                for old in session.execute(select(table).where(self._member(table.c.obs_id, chunk))):
                    stored[old.obs_id] = old._asdict()
            new = []
            for obs_id, row in rows.items():
                old_row = stored.get(obs_id)
                if old_row is None:
                    new.append(row)
                elif old_row == row:
                    duplicates += 1
                else:
                    differ = sorted(k for k in row if row[k] != old_row.get(k))
                    rejected.append(
                        (
                            obs_id,
                            f"obs_id is stored with a different payload ({', '.join(differ)}); "
                            "the stored observation is kept",
                        )
                    )
            first: dict[int, dict] = {}
            for row in new:
                if row["norad_id"] is not None:
                    first.setdefault(row["norad_id"], row)
            self._ensure_objects(session, first)
            inserted = self._insert_returning(session, table, new, "obs_id")
        # a concurrent writer may have stored some of ``new`` first: those are repeats
        return IngestResult(inserted, duplicates + len(new) - inserted, rejected)

    def observations(
        self,
        *,
        start: Time | None = None,
        stop: Time | None = None,
        sensor_id: str | None = None,
        norad_id: int | None = None,
        limit: int = 1000,
        after: str | None = None,
    ) -> Page[Observation]:
        """Observations with ``start <= time < stop``, of a sensor and/or object, ordered
        by time then ``obs_id``."""
        statement = select(ObservationRow)
        if start is not None:
            statement = statement.where(ObservationRow.t_tai_s >= tai_s(start))
        if stop is not None:
            statement = statement.where(ObservationRow.t_tai_s < tai_s(stop))
        if sensor_id is not None:
            statement = statement.where(ObservationRow.sensor_id == sensor_id)
        if norad_id is not None:
            statement = statement.where(ObservationRow.norad_id == norad_id)
        with self._session() as session:
            rows, cursor = self._page(
                session,
                statement,
                (ObservationRow.t_tai_s, ObservationRow.obs_id),
                (float, str),
                limit,
                after,
            )
        times = utc_times([r.t_tai_s for r in rows])
        return Page([observation_of(r, t) for r, t in zip(rows, times, strict=True)], cursor)

    # -- element sets -------------------------------------------------------------

    def add_element_sets(
        self,
        element_sets: Iterable[ElementSet],
        source: str,
        *,
        default_markings: Markings | None = None,
    ) -> int:
        """Append element sets to the history (a repeat of (norad_id, epoch, source) is
        skipped); the number added. Sets without markings take ``default_markings``;
        without either they are refused (InputError)."""
        if not source:
            raise InputError("an element-set source is needed", field="source")
        rows: dict[tuple, dict] = {}
        for es in element_sets:
            markings = require_markings(
                es.markings or default_markings, f"element set of {es.norad_id}"
            )
            row = element_set_row(es, source, markings)
            numbers = [row[k] for k in ("epoch_tai_s", "mean_motion_rev_per_day", "eccentricity")]
            if not all(math.isfinite(v) for v in numbers):
                raise InputError(f"element set of {es.norad_id}: non-finite elements")
            rows.setdefault((row["norad_id"], row["epoch_tai_s"]), row)
        with self._session() as session, session.begin():
            first: dict[int, dict] = {}
            for row in rows.values():
                first.setdefault(row["norad_id"], row)
            self._ensure_objects(session, first)
            return self._insert_returning(
                session, ElementSetRow.__table__, list(rows.values()), "id"
            )

    def element_sets(
        self,
        norad_id: int,
        *,
        since: Time | None = None,
        limit: int = 1000,
        after: str | None = None,
    ) -> Page[ElementSet]:
        """An object's element-set history (epoch >= ``since``), oldest first."""
        statement = select(ElementSetRow).where(ElementSetRow.norad_id == norad_id)
        if since is not None:
            statement = statement.where(ElementSetRow.epoch_tai_s >= tai_s(since))
        with self._session() as session:
            rows, cursor = self._page(
                session,
                statement,
                (ElementSetRow.epoch_tai_s, ElementSetRow.id),
                (float, int),
                limit,
                after,
            )
        epochs = utc_times([r.epoch_tai_s for r in rows])
        return Page([element_set_of(r, t) for r, t in zip(rows, epochs, strict=True)], cursor)

    # -- orbits -------------------------------------------------------------------

    def add_orbit(
        self,
        state: OrbitState,
        *,
        source: str,
        rms_arcsec: float | None = None,
        observations_used: int | None = None,
        default_markings: Markings | None = None,
    ) -> int:
        """Append an orbit (state, covariance 6x6 or 7x7, cr) to its object's history;
        its id. The state needs a norad_id and markings (or ``default_markings``)."""
        norad_id = require_norad(state.norad_id, "orbit")
        markings = require_markings(state.markings or default_markings, f"orbit of {norad_id}")
        r = np.asarray(state.position_km, dtype=float)
        v = np.asarray(state.velocity_km_s, dtype=float)
        if r.shape != (3,) or v.shape != (3,) or not np.all(np.isfinite(np.r_[r, v])):
            raise InputError(f"orbit of {norad_id}: position and velocity must be 3 finite numbers")
        if state.cr is not None and not math.isfinite(state.cr):
            raise InputError(f"orbit of {norad_id}: cr must be finite", field="cr")
        row = {
            "norad_id": norad_id,
            "epoch_tai_s": tai_s(state.epoch),
            "frame": state.frame,
            "x_km": float(r[0]),
            "y_km": float(r[1]),
            "z_km": float(r[2]),
            "vx_km_s": float(v[0]),
            "vy_km_s": float(v[1]),
            "vz_km_s": float(v[2]),
            "covariance": covariance_text(state.covariance),
            "cr": None if state.cr is None else float(state.cr),
            "object_name": state.object_name,
            "intl_designator": state.intl_designator,
            "source": source,
            "rms_arcsec": None if rms_arcsec is None else float(rms_arcsec),
            "observations_used": None if observations_used is None else int(observations_used),
            "recorded_tai_s": _now_tai_s(),
            **markings_columns(markings),
        }
        with self._session() as session, session.begin():
            self._ensure_objects(session, {norad_id: {**row, "name": state.object_name}})
            orbit = OrbitRow(**row)
            session.add(orbit)
            session.flush()
            return orbit.id

    def orbits(
        self, norad_id: int, *, limit: int = 1000, after: str | None = None
    ) -> Page[StoredOrbit]:
        """An object's orbit history, oldest epoch first."""
        statement = select(OrbitRow).where(OrbitRow.norad_id == norad_id)
        with self._session() as session:
            rows, cursor = self._page(
                session, statement, (OrbitRow.epoch_tai_s, OrbitRow.id), (float, int), limit, after
            )
        epochs = utc_times([r.epoch_tai_s for r in rows])
        recorded = utc_times([r.recorded_tai_s for r in rows])
        items = [
            StoredOrbit(r.id, orbit_of(r, t), r.source, r.rms_arcsec, r.observations_used, rec)
            for r, t, rec in zip(rows, epochs, recorded, strict=True)
        ]
        return Page(items, cursor)

    def latest_orbit(self, norad_id: int) -> OrbitState | None:
        """The orbit of the newest epoch (the last stored among equal epochs)."""
        with self._session() as session:
            row = session.scalars(
                select(OrbitRow)
                .where(OrbitRow.norad_id == norad_id)
                .order_by(OrbitRow.epoch_tai_s.desc(), OrbitRow.id.desc())
                .limit(1)
            ).first()
        return None if row is None else orbit_of(row, utc_time(row.epoch_tai_s))

    # -- objects ------------------------------------------------------------------

    def upsert_object(
        self,
        norad_id: int,
        *,
        name: str = "",
        intl_designator: str = "",
        status: str | None = None,
        markings: Markings,
    ) -> None:
        """Create or update an object. Empty ``name``/``intl_designator`` and a None
        ``status`` keep what is stored; a new status is appended to its history."""
        norad_id = require_norad(norad_id, "object")
        marks = markings_columns(require_markings(markings, f"object {norad_id}"))
        now = _now_tai_s()
        with self._session() as session, session.begin():
            row = session.get(ObjectRow, norad_id)
            if row is None:
                row = ObjectRow(
                    norad_id=norad_id,
                    name=name,
                    intl_designator=intl_designator,
                    status=None,
                    created_tai_s=now,
                    **marks,
                )
                session.add(row)
            else:
                row.name = name or row.name
                row.intl_designator = intl_designator or row.intl_designator
                for key, value in marks.items():
                    setattr(row, key, value)
            if status is not None and status != row.status:
                row.status = status
                session.flush()
                session.add(ObjectStatusRow(norad_id=norad_id, status=status, changed_tai_s=now))

    def objects(
        self, *, status: str | None = None, limit: int = 1000, after: str | None = None
    ) -> Page[ObjectSummary]:
        """Catalog objects by norad_id, with their newest orbit and element-set epochs."""
        statement = select(ObjectRow)
        if status is not None:
            statement = statement.where(ObjectRow.status == status)
        with self._session() as session:
            rows, cursor = self._page(
                session, statement, (ObjectRow.norad_id,), (int,), limit, after
            )
            ids = [r.norad_id for r in rows]
            orbit_epochs = self._latest(session, OrbitRow, ids)
            element_epochs = self._latest(session, ElementSetRow, ids)
        items = [
            ObjectSummary(
                r.norad_id,
                r.name,
                r.intl_designator,
                r.status,
                _maybe_time(orbit_epochs.get(r.norad_id)),
                _maybe_time(element_epochs.get(r.norad_id)),
                markings_of(r),
            )
            for r in rows
        ]
        return Page(items, cursor)

    @staticmethod
    def _latest(session: Session, model: Any, ids: list[int]) -> dict[int, float]:
        out: dict[int, float] = {}
        for chunk in _chunks(ids):
            rows = session.execute(
                select(model.norad_id, func.max(model.epoch_tai_s))
                .where(model.norad_id.in_(chunk))
                .group_by(model.norad_id)
            )
            out.update((int(n), float(t)) for n, t in rows)
        return out

    def status_history(self, norad_id: int) -> list[StatusChange]:
        """An object's status changes, oldest first."""
        with self._session() as session:
            rows = list(
                session.scalars(
                    select(ObjectStatusRow)
                    .where(ObjectStatusRow.norad_id == norad_id)
                    .order_by(ObjectStatusRow.id)
                )
            )
        times = utc_times([r.changed_tai_s for r in rows])
        return [StatusChange(r.norad_id, r.status, t) for r, t in zip(rows, times, strict=True)]

    # -- events -------------------------------------------------------------------

    def add_events(self, events: Iterable[Event]) -> int:
        """Store events, idempotent by ``event_id`` (a stored id is kept as it is); the
        number added."""
        batch: dict[str, Event] = {}
        for event in events:
            if not event.event_id:
                raise InputError("an event needs an event_id", field="event_id")
            require_markings(event.markings, f"event {event.event_id}")
            batch.setdefault(event.event_id, event)
        seconds = tai_s_many([e.time for e in batch.values()])
        rows = [event_row(e, float(t)) for e, t in zip(batch.values(), seconds, strict=True)]
        with self._session() as session, session.begin():
            if not rows:
                return 0
            table = EventRow.__table__
            statement = self._insert_ignore(table).returning(table.c.event_id)
            added = [r[0] for r in session.execute(statement, rows)]
            links = [
                {"event_id": event_id, "norad_id": n}
                for event_id in added
                for n in sorted(set(batch[event_id].norad_ids))
            ]
            if links:
                session.execute(self._insert_ignore(EventObjectRow.__table__), links)
            return len(added)

    def events(
        self,
        *,
        kind: str | None = None,
        norad_id: int | None = None,
        since: Time | None = None,
        limit: int = 1000,
        after: str | None = None,
    ) -> Page[Event]:
        """Events (of a kind, about an object, at or after ``since``) by time then id."""
        statement = select(EventRow)
        if kind is not None:
            statement = statement.where(EventRow.kind == str(kind))
        if since is not None:
            statement = statement.where(EventRow.t_tai_s >= tai_s(since))
        if norad_id is not None:
            statement = statement.where(
                EventRow.event_id.in_(
                    select(EventObjectRow.event_id).where(EventObjectRow.norad_id == norad_id)
                )
            )
        with self._session() as session:
            rows, cursor = self._page(
                session,
                statement,
                (EventRow.t_tai_s, EventRow.event_id),
                (float, str),
                limit,
                after,
            )
        times = utc_times([r.t_tai_s for r in rows])
        return Page([event_of(r, t) for r, t in zip(rows, times, strict=True)], cursor)

    # -- sensors, frames, tracklets -----------------------------------------------

    def add_sensor(
        self,
        sensor_id: str,
        kind: str,
        host_norad_id: int | None = None,
        *,
        markings: Markings,
    ) -> bool:
        """Create or update a sensor; True when it was new."""
        if not sensor_id or not kind:
            raise InputError("a sensor needs an id and a kind", field="sensor_id")
        marks = markings_columns(require_markings(markings, f"sensor {sensor_id}"))
        host = None if host_norad_id is None else require_norad(host_norad_id, "sensor host")
        with self._session() as session, session.begin():
            row = session.get(SensorRow, sensor_id)
            if row is None:
                session.add(SensorRow(sensor_id=sensor_id, kind=kind, host_norad_id=host, **marks))
                return True
            row.kind, row.host_norad_id = kind, host
            for key, value in marks.items():
                setattr(row, key, value)
            return False

    def sensors(self) -> list[SensorRecord]:
        with self._session() as session:
            rows = list(session.scalars(select(SensorRow).order_by(SensorRow.sensor_id)))
        return [SensorRecord(r.sensor_id, r.kind, r.host_norad_id, markings_of(r)) for r in rows]

    def add_frames(self, frames: Iterable[FrameRecord]) -> int:
        """Store frames, idempotent by ``frame_id``; the number added."""
        batch = list(frames)
        for frame in batch:
            require_markings(frame.markings, f"frame {frame.frame_id}")
            if not frame.frame_id or not all(
                math.isfinite(x) for x in (frame.pointing_ra_rad, frame.pointing_dec_rad)
            ):
                raise InputError(f"frame {frame.frame_id!r}: needs an id and a finite pointing")
        seconds = tai_s_many([f.time for f in batch])
        rows = [
            {
                "frame_id": f.frame_id,
                "sensor_id": f.sensor_id,
                "t_tai_s": float(t),
                "pointing_ra_rad": float(f.pointing_ra_rad),
                "pointing_dec_rad": float(f.pointing_dec_rad),
                "exposure_s": f.exposure_s,
                "path": f.path,
                **markings_columns(f.markings),
            }
            for f, t in zip(batch, seconds, strict=True)
        ]
        with self._session() as session, session.begin():
            return self._insert_returning(session, FrameRow.__table__, rows, "frame_id")

    def frames(
        self,
        *,
        sensor_id: str | None = None,
        start: Time | None = None,
        stop: Time | None = None,
        limit: int = 1000,
        after: str | None = None,
    ) -> Page[FrameRecord]:
        """Frames with ``start <= time < stop`` (of a sensor), by time then id."""
        statement = select(FrameRow)
        if sensor_id is not None:
            statement = statement.where(FrameRow.sensor_id == sensor_id)
        if start is not None:
            statement = statement.where(FrameRow.t_tai_s >= tai_s(start))
        if stop is not None:
            statement = statement.where(FrameRow.t_tai_s < tai_s(stop))
        with self._session() as session:
            rows, cursor = self._page(
                session,
                statement,
                (FrameRow.t_tai_s, FrameRow.frame_id),
                (float, str),
                limit,
                after,
            )
        times = utc_times([r.t_tai_s for r in rows])
        items = [
            FrameRecord(
                r.frame_id,
                r.sensor_id,
                t,
                r.pointing_ra_rad,
                r.pointing_dec_rad,
                markings_of(r),
                r.exposure_s,
                r.path,
            )
            for r, t in zip(rows, times, strict=True)
        ]
        return Page(items, cursor)

    def add_tracklets(self, tracklets: Iterable[TrackletRecord]) -> int:
        """Store tracklets, idempotent by ``tracklet_id``; the number added."""
        rows = []
        for tracklet in tracklets:
            require_markings(tracklet.markings, f"tracklet {tracklet.tracklet_id}")
            if not tracklet.tracklet_id:
                raise InputError("a tracklet needs an id", field="tracklet_id")
            rows.append(
                {
                    "tracklet_id": tracklet.tracklet_id,
                    "sensor_id": tracklet.sensor_id,
                    "norad_id": tracklet.norad_id,
                    "observation_ids": json.dumps(list(tracklet.observation_ids)),
                    **markings_columns(tracklet.markings),
                }
            )
        with self._session() as session, session.begin():
            return self._insert_returning(session, TrackletRow.__table__, rows, "tracklet_id")

    def tracklets(
        self, *, norad_id: int | None = None, limit: int = 1000, after: str | None = None
    ) -> Page[TrackletRecord]:
        """Tracklets (of an object) by id."""
        statement = select(TrackletRow)
        if norad_id is not None:
            statement = statement.where(TrackletRow.norad_id == norad_id)
        with self._session() as session:
            rows, cursor = self._page(
                session, statement, (TrackletRow.tracklet_id,), (str,), limit, after
            )
        items = [
            TrackletRecord(
                r.tracklet_id,
                tuple(json.loads(r.observation_ids)),
                markings_of(r),
                r.sensor_id,
                r.norad_id,
            )
            for r in rows
        ]
        return Page(items, cursor)

    # -- releases -----------------------------------------------------------------

    def record_release(
        self,
        partner: str,
        kind: str,
        fmt: str,
        released_ids: Sequence[str],
        withheld: int,
        audit_digest: str | None,
        product_path: str | None,
    ) -> int:
        """Record a product released to ``partner``; its id."""
        if not partner:
            raise InputError("a release needs a partner", field="partner")
        ids = [str(i) for i in released_ids]
        with self._session() as session, session.begin():
            row = ReleaseRow(
                partner=partner,
                kind=kind,
                fmt=fmt,
                released_ids=json.dumps(ids),
                released_count=len(ids),
                withheld=int(withheld),
                audit_digest=audit_digest,
                product_path=product_path,
                released_tai_s=_now_tai_s(),
            )
            session.add(row)
            session.flush()
            return row.id

    def releases(
        self, *, partner: str | None = None, limit: int = 1000, after: str | None = None
    ) -> Page[ReleaseRecord]:
        """Releases (to a partner), oldest first."""
        statement = select(ReleaseRow)
        if partner is not None:
            statement = statement.where(ReleaseRow.partner == partner)
        with self._session() as session:
            rows, cursor = self._page(session, statement, (ReleaseRow.id,), (int,), limit, after)
        times = utc_times([r.released_tai_s for r in rows])
        items = [
            ReleaseRecord(
                r.id,
                r.partner,
                r.kind,
                r.fmt,
                tuple(json.loads(r.released_ids)),
                r.withheld,
                r.audit_digest,
                r.product_path,
                t,
            )
            for r, t in zip(rows, times, strict=True)
        ]
        return Page(items, cursor)

    # -- API keys -----------------------------------------------------------------

    def add_api_key(self, partner: str) -> tuple[str, str]:
        """A new key for ``partner``: ``(key_id, secret)``. The secret is not stored (only
        a salted hash): show it once."""
        if not partner:
            raise InputError("an API key needs a partner", field="partner")
        key_id = _keys.new_key_id()
        secret = _keys.new_secret(key_id)
        salt = _keys.new_salt()
        with self._session() as session, session.begin():
            session.add(
                ApiKeyRow(
                    key_id=key_id,
                    partner=partner,
                    salt=salt,
                    secret_hash=_keys.secret_hash(salt, secret),
                    created_tai_s=_now_tai_s(),
                    revoked_tai_s=None,
                )
            )
        return key_id, secret

    def partner_for_key(self, secret: str) -> str | None:
        """The partner of a valid, unrevoked key's secret; None otherwise."""
        key_id = _keys.key_id_of(secret) if isinstance(secret, str) else None
        if key_id is None:
            return None
        with self._session() as session:
            row = session.get(ApiKeyRow, key_id)
        if row is None or row.revoked_tai_s is not None:
            return None
        return row.partner if _keys.secret_matches(row.salt, row.secret_hash, secret) else None

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key; False when no such active key exists."""
        with self._session() as session, session.begin():
            result = session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.key_id == key_id, ApiKeyRow.revoked_tai_s.is_(None))
                .values(revoked_tai_s=_now_tai_s())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def api_keys(self) -> list[ApiKeyRecord]:
        """Every key (never its secret), oldest first."""
        with self._session() as session:
            rows = list(
                session.scalars(
                    select(ApiKeyRow).order_by(ApiKeyRow.created_tai_s, ApiKeyRow.key_id)
                )
            )
        return [
            ApiKeyRecord(
                r.key_id, r.partner, utc_time(r.created_tai_s), _maybe_time(r.revoked_tai_s)
            )
            for r in rows
        ]

    # -- summaries ----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._session() as session:
            return {
                name: int(session.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in sorted(Base.metadata.tables.items())
            }


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


def _maybe_time(seconds: float | None) -> Time | None:
    return None if seconds is None else utc_time(seconds)


def database_error(url: str, exc: SQLAlchemyError) -> BeltwatchError:
    """A one-line project error for a database that cannot be reached or used."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__
    return BeltwatchError(f"database {masked(url)}: {detail}")
