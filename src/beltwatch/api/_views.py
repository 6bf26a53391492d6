"""Released views of the store: an object's records, and which objects a partner may know.

An object is listed to a partner only when at least one of its records (an orbit, an
element set, an event naming it, an observation of it) is released to that partner by
the gate; everything shown about it comes from such records. The store's own object
fields (name, status) show only when the object's markings are releasable to the
partner as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beltwatch.api._cursor import Position
from beltwatch.api._gate import ELEMENT_SETS, Listing, released_page, released_pairs
from beltwatch.api._service import Service
from beltwatch.sharing import record_id
from beltwatch.timescales import tai_seconds_since_j2000
from beltwatch.values import ElementSet, Event, Observation, OrbitState


def items_of(result: Any) -> list:
    """A store answer as a list (a Page's items, or a plain sequence)."""
    if result is None:
        return []
    items = getattr(result, "items", None)
    return list(items) if items is not None and not callable(items) else list(result)


def next_of(result: Any) -> str | None:
    return getattr(result, "next_cursor", None)


@dataclass(frozen=True)
class OrbitView:
    """A released orbit state and what the store keeps beside it."""

    state: OrbitState
    source: str | None = None
    rms_arcsec: float | None = None
    observations_used: int | None = None


def _state_of(stored: Any) -> OrbitState:
    return stored if isinstance(stored, OrbitState) else stored.state


def all_orbits(service: Service, norad_id: int) -> list:
    """Every stored orbit of an object (the store pages its history)."""
    out: list = []
    after = None
    while True:
        page = service.store.orbits(norad_id, limit=1000, after=after)
        out += items_of(page)
        after = next_of(page)
        if after is None:
            return out


def released_orbits(service: Service, norad_id: int, partner: str) -> list[OrbitView]:
    """The object's orbit history as released to ``partner``, oldest first. The store's
    fit figures (source, residual RMS, observations used) go with an orbit released as
    it is, not with one a sanitisation rule made."""
    stored = all_orbits(service, norad_id)
    stored.sort(key=lambda s: tai_seconds_since_j2000(_state_of(s).epoch))
    states = [_state_of(s) for s in stored]
    out = []
    for index, state in released_pairs(states, "orbits", partner, service.policy):
        extra = stored[index]
        if state is not states[index]:  # sanitised: the fit's figures stay home too
            out.append(OrbitView(state))
            continue
        out.append(
            OrbitView(
                state,
                getattr(extra, "source", None),
                getattr(extra, "rms_arcsec", None),
                getattr(extra, "observations_used", None),
            )
        )
    return out


def element_set_listing(service: Service, norad_id: int, partner: str) -> Listing:
    def fetch(after: str | None, limit: int) -> Any:
        return service.store.element_sets(norad_id, limit=limit, after=after)

    def select(records: Sequence) -> list:
        return released_pairs(records, ELEMENT_SETS, partner, service.policy)

    return Listing(fetch, select, record_id)


def observation_listing(service: Service, partner: str, **query: Any) -> Listing:
    def fetch(after: str | None, limit: int) -> Any:
        return service.store.observations(limit=limit, after=after, **query)

    def select(records: Sequence) -> list:
        return released_pairs(records, "observations", partner, service.policy)

    return Listing(fetch, select, record_id)


def event_listing(service: Service, partner: str, **query: Any) -> Listing:
    def fetch(after: str | None, limit: int) -> Any:
        return service.store.events(limit=limit, after=after, **query)

    def select(records: Sequence) -> list:
        return released_pairs(records, "events", partner, service.policy)

    return Listing(fetch, select, record_id)


@dataclass(frozen=True)
class ObjectView:
    """What a partner may know of one object (None where nothing is released)."""

    norad_id: int
    name: str
    status: str | None
    latest_orbit: OrbitView | None
    latest_element_set: ElementSet | None
    latest_event: Event | None
    latest_observation: Observation | None
    orbits: tuple[OrbitView, ...] = ()  # the released histories, oldest first
    element_sets: tuple[ElementSet, ...] = ()

    @property
    def visible(self) -> bool:
        return any(
            x is not None
            for x in (
                self.latest_orbit,
                self.latest_element_set,
                self.latest_event,
                self.latest_observation,
            )
        )


def _all_released(listing: Listing) -> list:
    """Every released record of a listing, oldest first."""
    out: list = []
    position = Position()
    while True:
        got, nxt = released_page(listing, 1000, position)
        out += got
        if nxt is None:
            return out
        position = nxt


def _first_released(listing: Listing) -> Any | None:
    got, _ = released_page(listing, 1, Position())
    return got[0] if got else None


def object_view(service: Service, summary: Any, partner: str) -> ObjectView:
    """The released view of one object (``summary``: the store's ObjectSummary)."""
    norad_id = int(summary.norad_id)
    orbits = released_orbits(service, norad_id, partner)
    latest_orbit = orbits[-1] if orbits else None
    sets = _all_released(element_set_listing(service, norad_id, partner))
    latest_set = sets[-1] if sets else None
    event = None
    observation = None
    if latest_orbit is None and latest_set is None:  # is anything else released?
        event = _first_released(event_listing(service, partner, norad_id=norad_id))
        if event is None:
            observation = _first_released(observation_listing(service, partner, norad_id=norad_id))
    own = service.policy.releasable(getattr(summary, "markings", None), partner)
    name = ""
    if latest_set is not None and latest_set.name:
        name = latest_set.name
    elif latest_orbit is not None and latest_orbit.state.object_name:
        name = latest_orbit.state.object_name
    elif own:
        name = str(getattr(summary, "name", "") or "")
    status = getattr(summary, "status", None) if own else None
    return ObjectView(
        norad_id,
        name,
        status,
        latest_orbit,
        latest_set,
        event,
        observation,
        tuple(orbits),
        tuple(sets),
    )


def object_summary_for(service: Service, norad_id: int) -> Any | None:
    """The store's summary of one object, or None when it has none."""
    getter = getattr(service.store, "object", None)
    if callable(getter):
        return getter(norad_id)
    after = None
    while True:
        page = service.store.objects(limit=500, after=after)
        for summary in items_of(page):
            if int(summary.norad_id) == norad_id:
                return summary
        after = next_of(page)
        if after is None:
            return None
