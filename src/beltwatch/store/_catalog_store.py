"""Element-set and orbit histories, catalog objects and their status history."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from astropy.time import Time
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beltwatch.errors import InputError
from beltwatch.store._base import StoreBase, chunks, maybe_time, now_tai_s
from beltwatch.store._convert import (
    covariance_text,
    element_set_of,
    element_set_row,
    markings_columns,
    markings_of,
    orbit_of,
    require_markings,
    require_norad,
    tai_s,
    utc_time,
    utc_times,
)
from beltwatch.store._records import ObjectSummary, Page, StatusChange, StoredOrbit
from beltwatch.store._schema import ElementSetRow, ObjectRow, ObjectStatusRow, OrbitRow
from beltwatch.values import ElementSet, Markings, OrbitState


class CatalogStore(StoreBase):
    """Element-set and orbit histories, catalog objects and their status history."""

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
            "recorded_tai_s": now_tai_s(),
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
        now = now_tai_s()
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
                maybe_time(orbit_epochs.get(r.norad_id)),
                maybe_time(element_epochs.get(r.norad_id)),
                markings_of(r),
            )
            for r in rows
        ]
        return Page(items, cursor)

    @staticmethod
    def _latest(session: Session, model: Any, ids: list[int]) -> dict[int, float]:
        out: dict[int, float] = {}
        for chunk in chunks(ids):
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
