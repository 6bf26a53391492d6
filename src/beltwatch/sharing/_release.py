"""The one releasability gate every export path goes through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from beltwatch.errors import InputError
from beltwatch.formats import ConjunctionEvent
from beltwatch.sharing._elements import ElementFit
from beltwatch.sharing._formats import product_format
from beltwatch.sharing._policy import RECORD_KINDS, Policy
from beltwatch.sharing._sanitise import sanitise, sanitised_markings
from beltwatch.timescales import ccsds_time
from beltwatch.values import ElementSet, Event, Markings, Observation, OrbitState

DIRECT = "direct"
_TYPES: dict[str, type[Any]] = {
    "observations": Observation,
    "orbits": OrbitState,
    "element_sets": ElementSet,
    "conjunctions": ConjunctionEvent,
    "events": Event,
}


def record_id(record) -> str:
    """A stable identifier of a record for decisions and the audit log."""
    if isinstance(record, Observation):
        return record.obs_id
    if isinstance(record, ConjunctionEvent | Event):
        return record.event_id
    if isinstance(record, OrbitState | ElementSet):
        return f"{record.norad_id}@{ccsds_time(record.epoch)}"
    raise TypeError(f"not a releasable record: {type(record).__name__}")


def record_markings(record) -> Markings | None:
    return record.markings


@dataclass(frozen=True)
class Decision:
    """What happened to one record: released as is, released through a rule, or withheld."""

    record_id: str
    released: bool
    rule: str | None  # "direct", a sanitisation rule name, or None when withheld
    reason: str | None = None  # why it was withheld


@dataclass(frozen=True)
class Release:
    partner: str
    kind: str
    records: list  # what may leave, already sanitised where a rule was used
    decisions: list[Decision]

    @property
    def withheld(self) -> int:
        return sum(1 for d in self.decisions if not d.released)

    def withheld_reasons(self) -> dict[str, int]:
        """How many records were withheld for each reason."""
        out: dict[str, int] = {}
        for d in self.decisions:
            if not d.released:
                out[d.reason or "withheld"] = out.get(d.reason or "withheld", 0) + 1
        return out


def release(
    records: Sequence,
    kind: str,
    partner: str,
    policy: Policy,
    *,
    fmt: str | None = None,
    fit: ElementFit | None = None,
) -> Release:
    """The records of ``kind`` that ``partner`` may receive.

    Each record goes as is when the policy allows it; otherwise the first
    sanitisation rule written for this kind and partner, applicable to its level,
    whose product the policy allows; otherwise it is withheld. Every record that
    leaves has passed :meth:`Policy.releasable` for this partner, here.

    ``fmt`` is the format the records will be written in: rules whose product is
    an SGP4 element set (``sgp4_elements``) apply only to element-set formats (OMM),
    and make their element sets with ``fit``.
    """
    if kind not in RECORD_KINDS:
        raise InputError(
            f"unknown record kind {kind!r}; expected one of {RECORD_KINDS}", field="what"
        )
    seat = policy.partner(partner.upper())
    expected = _TYPES[kind]
    out, decisions = [], []
    as_element_sets = fmt is not None and product_format(fmt).element_sets
    rules = [r for r in policy.rules_for(kind, seat.name) if as_element_sets or not r.sgp4_elements]
    # The decision depends on a record's markings alone: made once per distinct marking.
    routes: dict = {}
    for record in records:
        if not isinstance(record, expected):
            raise InputError(f"a {type(record).__name__} is not one of the {kind}", field="records")
        rid = record_id(record)
        if record.markings not in routes:
            routes[record.markings] = _route(record.markings, rules, seat, policy)
        route = routes[record.markings]
        candidate = None
        if route == DIRECT:
            candidate = record
        elif route is not None:
            candidate = sanitise(record, route, policy, fit=fit)
        if candidate is not None and policy.releasable(candidate.markings, seat):
            out.append(candidate)
            decisions.append(Decision(rid, True, DIRECT if route == DIRECT else route.name))
        else:
            why = policy.why_not(record.markings, seat) or "no sanitised product is releasable"
            if route is None and rules and policy.why_not(record.markings, seat):
                why += " (no sanitisation rule applies)"
            decisions.append(Decision(rid, False, None, why))
    return Release(seat.name, kind, out, decisions)


def _route(markings: Markings | None, rules: list, seat, policy: Policy):
    """DIRECT, the first rule whose product ``seat`` may receive, or None (withheld)."""
    if policy.releasable(markings, seat):
        return DIRECT
    for rule in rules:
        if markings is None or markings.level not in rule.from_levels:
            continue
        if policy.releasable(sanitised_markings(markings, rule, policy), seat):
            return rule
    return None
