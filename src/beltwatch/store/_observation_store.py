"""Observations: idempotent bulk ingest and keyset pages."""

from __future__ import annotations

from collections.abc import Iterable

from astropy.time import Time
from sqlalchemy import select

from beltwatch.store._base import StoreBase, chunks
from beltwatch.store._convert import (
    markings_columns,
    observation_of,
    observation_row,
    tai_s,
    tai_s_many,
    utc_times,
)
from beltwatch.store._records import IngestResult, Page
from beltwatch.store._schema import ObservationRow
from beltwatch.values import Markings, Observation


class ObservationStore(StoreBase):
    """Observations: idempotent bulk ingest and keyset pages."""

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
            for chunk in chunks(list(rows)):
                for old in session.execute(
                    select(table).where(self._member(table.c.obs_id, chunk))
                ):
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
