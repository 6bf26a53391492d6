"""Events, sensors, frames, tracklets and product releases."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

from astropy.time import Time
from sqlalchemy import select

from beltwatch.errors import InputError
from beltwatch.store._base import StoreBase, now_tai_s
from beltwatch.store._convert import (
    event_of,
    event_row,
    markings_columns,
    markings_of,
    require_markings,
    require_norad,
    tai_s,
    tai_s_many,
    utc_times,
)
from beltwatch.store._records import FrameRecord, Page, ReleaseRecord, SensorRecord, TrackletRecord
from beltwatch.store._schema import (
    EventObjectRow,
    EventRow,
    FrameRow,
    ReleaseRow,
    SensorRow,
    TrackletRow,
)
from beltwatch.values import Event, Markings


class EventStore(StoreBase):
    """Events, sensors, frames, tracklets and product releases."""

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
                released_tai_s=now_tai_s(),
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
