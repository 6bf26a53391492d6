"""The read endpoints under /api/v1: objects, element sets, orbits, observations, events,
coverage, releases. Every record shown went through the gate (see ``_views``)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from beltwatch.api._auth import Caller, Who
from beltwatch.api._coverage import coverage_json
from beltwatch.api._gate import Listing, released_page
from beltwatch.api._geo import element_longitudes_deg, orbit_longitudes_deg
from beltwatch.api._json import element_set_json, event_json, finite, observation_json, orbit_json
from beltwatch.api._problems import ProblemError
from beltwatch.api._products import product_response
from beltwatch.api._service import Service
from beltwatch.api._views import (
    ObjectView,
    all_orbits,
    element_set_listing,
    event_listing,
    items_of,
    next_of,
    object_summary_for,
    object_view,
    observation_listing,
    released_orbits,
)
from beltwatch.timescales import format_utc, parse_utc
from beltwatch.values import EventKind

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=1000, description="Most records in one page")]
Cursor = Annotated[
    str | None, Query(max_length=2000, description="next_cursor of the previous page")
]
NoradId = Annotated[int, Path(ge=1, le=999_999_999, description="Catalog number")]


class OrbitFormat(StrEnum):
    json = "json"
    omm = "omm"
    oem = "oem"


class ObservationFormat(StrEnum):
    json = "json"
    tdm = "tdm"
    udl_json = "udl-json"


class EventFormat(StrEnum):
    json = "json"
    events_json = "events-json"


def service_of(request: Request) -> Service:
    return request.app.state.service


Svc = Annotated[Service, Depends(service_of)]


def _page(
    service: Service,
    who: Caller,
    listing: Listing,
    limit: int,
    cursor: str | None,
    query: dict[str, Any],
) -> tuple[list, str | None]:
    """One page of released records and the sealed cursor of the next one."""
    key = json.dumps(query, sort_keys=True, default=str)
    position = service.cursors.open(cursor, who.partner, key)
    records, nxt = released_page(listing, limit, position)
    sealed = None if nxt is None else service.cursors.seal(nxt, who.partner, key)
    return records, sealed


def _time(text: str | None, name: str) -> Any:
    return None if text is None else parse_utc(text, field=name)


def _view_json(view: ObjectView) -> dict[str, Any]:
    orbit = view.latest_orbit
    elements = view.latest_element_set
    longitude = None
    epoch = None
    if orbit is not None:
        longitude = orbit_longitudes_deg([orbit.state])[0]
        epoch = format_utc(orbit.state.epoch)
    elif elements is not None:
        longitude = element_longitudes_deg([elements])[0]
        epoch = format_utc(elements.epoch)
    return {
        "norad_id": view.norad_id,
        "name": view.name,
        "status": view.status,
        "longitude_deg": finite(longitude),
        "latest_epoch_utc": epoch,
        "latest_orbit_rms_arcsec": None if orbit is None else finite(orbit.rms_arcsec),
    }


@router.get("/healthz", tags=["service"], summary="Liveness (no key needed)")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/whoami", tags=["service"], summary="The partner of the key")
def whoami(*, who: Who, service: Svc) -> dict:
    seat = service.policy.partner(who.partner)
    return {
        "partner": seat.name,
        "clearance": seat.clearance,
        "description": seat.description,
        "can_ingest": who.can_ingest,
    }


@router.get("/objects", tags=["objects"], summary="Objects with at least one released record")
def list_objects(
    *,
    limit: Limit = 100,
    cursor: Cursor = None,
    status: Annotated[str | None, Query(max_length=64)] = None,
    who: Who,
    service: Svc,
) -> dict:
    def fetch(after: str | None, n: int) -> Any:
        return service.store.objects(status=status, limit=n, after=after)

    def select(summaries: Any) -> list:
        out = []
        for index, summary in enumerate(summaries):
            view = object_view(service, summary, who.partner)
            # A status filter only matches objects whose status this partner may see.
            if view.visible and (status is None or view.status == status):
                out.append((index, view))
        return out

    # Each object's view costs queries: read a page's worth (and one to look ahead).
    listing = Listing(fetch, select, lambda s: str(s.norad_id), chunk=limit + 1)
    views, nxt = _page(service, who, listing, limit, cursor, {"l": "objects", "s": status})
    return {"items": [_view_json(v) for v in views], "next_cursor": nxt}


def _visible_view(service: Service, norad_id: int, partner: str) -> ObjectView:
    summary = object_summary_for(service, norad_id)
    view = None if summary is None else object_view(service, summary, partner)
    if view is None or not view.visible:
        raise ProblemError(404, f"no object {norad_id} is known to {partner}")
    return view


@router.get("/objects/{norad_id}", tags=["objects"], summary="One object and its latest orbit")
def get_object(*, norad_id: NoradId, who: Who, service: Svc) -> dict:
    view = _visible_view(service, norad_id, who.partner)
    out = _view_json(view)
    orbit = view.latest_orbit
    out["latest_orbit"] = (
        None
        if orbit is None
        else {
            **orbit_json(orbit.state, orbit_longitudes_deg([orbit.state])[0]),
            "rms_arcsec": finite(orbit.rms_arcsec),
            "observations_used": orbit.observations_used,
            "source": orbit.source,
        }
    )
    sets = view.latest_element_set
    out["latest_element_set"] = (
        None if sets is None else element_set_json(sets, element_longitudes_deg([sets])[0])
    )
    return out


@router.get("/objects/{norad_id}/element-sets", tags=["objects"], summary="Element-set history")
def get_element_sets(
    *,
    norad_id: NoradId,
    limit: Limit = 100,
    cursor: Cursor = None,
    who: Who,
    service: Svc,
) -> dict:
    listing = element_set_listing(service, norad_id, who.partner)
    sets, nxt = _page(service, who, listing, limit, cursor, {"l": "sets", "n": norad_id})
    longitudes = element_longitudes_deg(sets)
    return {
        "items": [element_set_json(s, lon) for s, lon in zip(sets, longitudes, strict=True)],
        "next_cursor": nxt,
    }


@router.get(
    "/objects/{norad_id}/orbits",
    tags=["objects"],
    summary="Orbit history (JSON), or the latest orbit as a CCSDS OEM / OMM product",
    responses={200: {"content": {"application/json": {}, "text/plain": {}}}},
)
def get_orbits(
    *,
    norad_id: NoradId,
    format: OrbitFormat = OrbitFormat.json,
    who: Who,
    service: Svc,
) -> Any:
    if format is OrbitFormat.json:
        views = released_orbits(service, norad_id, who.partner)
        longitudes = orbit_longitudes_deg([v.state for v in views])
        return {
            "items": [
                {
                    **orbit_json(v.state, lon),
                    "rms_arcsec": finite(v.rms_arcsec),
                    "observations_used": v.observations_used,
                    "source": v.source,
                }
                for v, lon in zip(views, longitudes, strict=True)
            ]
        }
    states = [s if not hasattr(s, "state") else s.state for s in all_orbits(service, norad_id)]
    if format is OrbitFormat.omm:
        # One element set: fitted to the newest orbit state, as the gate releases it.
        states = sorted(states, key=lambda s: float(s.epoch.utc.jd1 + s.epoch.utc.jd2))[-1:]
    return product_response(service, who.partner, states, "orbits", format.value, str(norad_id))


@router.get(
    "/observations",
    tags=["observations"],
    summary="Observations (JSON page, or the page as a CCSDS TDM / UDL-style JSON product)",
    responses={200: {"content": {"application/json": {}, "text/plain": {}}}},
)
def get_observations(
    *,
    start: Annotated[str | None, Query(description="ISO 8601 UTC, inclusive")] = None,
    stop: Annotated[str | None, Query(description="ISO 8601 UTC, exclusive")] = None,
    sensor: Annotated[str | None, Query(max_length=64)] = None,
    norad_id: Annotated[int | None, Query(ge=1, le=999_999_999)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
    format: ObservationFormat = ObservationFormat.json,
    who: Who,
    service: Svc,
) -> Any:
    query = {
        "start": _time(start, "start"),
        "stop": _time(stop, "stop"),
        "sensor_id": sensor,
        "norad_id": norad_id,
    }
    listing = observation_listing(service, who.partner, **query)
    key = {"l": "obs", "q": [start, stop, sensor, norad_id], "f": format.value}
    if format is ObservationFormat.json:
        records, nxt = _page(service, who, listing, limit, cursor, key)
        return {"items": [observation_json(o) for o in records], "next_cursor": nxt}
    originals = Listing(listing.fetch, _originals(listing), listing.ident)
    records, nxt = _page(service, who, originals, limit, cursor, key)
    response = product_response(
        service, who.partner, records, "observations", format.value, "observations"
    )
    if nxt is not None:
        response.headers["X-Next-Cursor"] = nxt
    return response


def _originals(listing: Listing) -> Any:
    """A select giving the stored records the gate releases (a product releases them
    again, through the gate, with its format)."""

    def select(records: Any) -> list:
        return [(i, records[i]) for i, _ in listing.select(records)]

    return select


@router.get("/events", tags=["events"], summary="Alerts: maneuvers, conjunctions, new objects…")
def get_events(
    *,
    kind: EventKind | None = None,
    norad_id: Annotated[int | None, Query(ge=1, le=999_999_999)] = None,
    since: Annotated[str | None, Query(description="ISO 8601 UTC")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
    format: EventFormat = EventFormat.json,
    who: Who,
    service: Svc,
) -> Any:
    query = {
        "kind": None if kind is None else kind.value,
        "norad_id": norad_id,
        "since": _time(since, "since"),
    }
    listing = event_listing(service, who.partner, **query)
    key = {"l": "events", "q": [query["kind"], norad_id, since], "f": format.value}
    if format is EventFormat.json:
        events, nxt = _page(service, who, listing, limit, cursor, key)
        return {"items": [event_json(e) for e in events], "next_cursor": nxt}
    originals = Listing(listing.fetch, _originals(listing), listing.ident)
    events, nxt = _page(service, who, originals, limit, cursor, key)
    response = product_response(service, who.partner, events, "events", format.value, "events")
    if nxt is not None:
        response.headers["X-Next-Cursor"] = nxt
    return response


@router.get("/coverage", tags=["coverage"], summary="Sensors and where on the belt they looked")
def get_coverage(
    *,
    start: Annotated[str | None, Query(description="ISO 8601 UTC, inclusive")] = None,
    stop: Annotated[str | None, Query(description="ISO 8601 UTC, exclusive")] = None,
    who: Who,
    service: Svc,
) -> dict:
    return coverage_json(service, who.partner, _time(start, "start"), _time(stop, "stop"))


@router.get("/releases", tags=["releases"], summary="Products released to the caller's partner")
def get_releases(
    *,
    limit: Limit = 100,
    cursor: Cursor = None,
    who: Who,
    service: Svc,
) -> dict:
    """The caller's own release history (store ids and withheld counts are not shown:
    they would tell of other partners' releases and of withheld records)."""

    def fetch(after: str | None, n: int) -> Any:
        return service.store.releases(partner=who.partner, limit=n, after=after)

    def select(records: Any) -> list:
        return [(i, r) for i, r in enumerate(records) if str(r.partner).upper() == who.partner]

    listing = Listing(fetch, select, lambda r: str(r.release_id))
    records, nxt = _page(service, who, listing, limit, cursor, {"l": "releases"})
    return {
        "items": [
            {
                "kind": r.kind,
                "format": r.fmt,
                "released_ids": list(r.released_ids),
                "released_utc": format_utc(r.released),
                "audit_digest": r.audit_digest,
            }
            for r in records
        ],
        "next_cursor": nxt,
    }


MAX_BELT_OBJECTS = 1000


@router.get("/belt", tags=["objects"], summary="Longitude histories of the released objects")
def get_belt(*, who: Who, service: Svc) -> dict:
    """For every object listed to the caller: the sub-satellite longitude at the epoch of
    each released orbit and element set (the belt chart's data)."""
    views: list[ObjectView] = []
    after: str | None = None
    examined = 0
    while examined < MAX_BELT_OBJECTS:
        page = service.store.objects(limit=200, after=after)
        summaries = items_of(page)
        examined += len(summaries)
        views += [v for s in summaries if (v := object_view(service, s, who.partner)).visible]
        after = next_of(page)
        if after is None:
            break
    # One frame transform and one SGP4 call for all objects.
    orbits = [(i, o.state) for i, v in enumerate(views) for o in v.orbits]
    sets = [(i, e) for i, v in enumerate(views) for e in v.element_sets]
    points: list[list[dict]] = [[] for _ in views]
    orbit_lon = orbit_longitudes_deg([s for _, s in orbits])
    set_lon = element_longitudes_deg([e for _, e in sets])
    for (i, state), lon in zip(orbits, orbit_lon, strict=True):
        if lon is not None:
            points[i].append(
                {"epoch_utc": format_utc(state.epoch), "longitude_deg": lon, "from": "orbit"}
            )
    for (i, elements), lon in zip(sets, set_lon, strict=True):
        if lon is not None:
            points[i].append(
                {
                    "epoch_utc": format_utc(elements.epoch),
                    "longitude_deg": lon,
                    "from": "element_set",
                }
            )
    out = []
    for view, pts in zip(views, points, strict=True):
        pts.sort(key=lambda p: str(p["epoch_utc"]))
        out.append(
            {"norad_id": view.norad_id, "name": view.name, "status": view.status, "points": pts}
        )
    return {"objects": out}
