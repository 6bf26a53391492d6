"""Building :class:`~beltwatch.values.Event` records: ids, markings, conjunctions and CDMs.

Markings: an event carries the sharing policy's ``combine`` of its inputs'
markings. Element-set catalogs and histories (CelesTrak GP data: public) carry no
marking in the file; they are given :func:`public_markings` unless the caller says
otherwise (``--marking``). A product without a marking (a CDM from outside) gets
:func:`unmarked_markings`: the policy's most restrictive level, releasable to no one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from astropy.time import Time

from beltwatch.formats import ConjunctionEvent
from beltwatch.sharing import Policy
from beltwatch.values import Event, EventKind, Markings, OrbitState

OWNER = "BELTWATCH"


def public_markings(policy: Policy) -> Markings:
    """Public data (element sets from a public catalog): the policy's lowest level,
    releasable to every nation behind any of its partners."""
    nations = frozenset().union(*(policy.expand(p.nations) for p in policy.partners.values()))
    return Markings(OWNER, policy.levels[0], nations)


def unmarked_markings(policy: Policy) -> Markings:
    """What an input without a marking is treated as: most restrictive, released to no one."""
    return Markings(OWNER, policy.levels[-1], frozenset())


def combined(policy: Policy, inputs: Iterable[Markings | None], fallback: Markings) -> Markings:
    """``policy.combine`` of the inputs' markings (``fallback`` for an unmarked input)."""
    return policy.combine([m if m is not None else fallback for m in inputs])


def event_id(kind: EventKind | str, norad_ids: Iterable[int], time: Time) -> str:
    """A stable id: kind, objects and the time to the second (the same finding, the same id)."""
    stamp = time.utc.strftime("%Y%m%dT%H%M%S")
    return f"{EventKind(kind).value}-{'-'.join(str(int(n)) for n in norad_ids)}-{stamp}Z"


def _state_evidence(state: OrbitState, name: str) -> dict:
    return {
        "norad_id": state.norad_id,
        "name": name,
        "state_gcrs_km_km_s": np.concatenate([state.position_km, state.velocity_km_s]).tolist(),
        "covariance_gcrs_km": None if state.covariance is None else state.covariance.tolist(),
    }


def conjunction_event(
    conjunction: ConjunctionEvent,
    *,
    figures: dict[str, float] | None = None,
    evidence: dict | None = None,
    summary: str = "",
) -> Event:
    """An Event of a conjunction; the states at TCA ride in the evidence (for the CDM)."""
    ids = tuple(
        -1 if s.norad_id is None else s.norad_id for s in (conjunction.object1, conjunction.object2)
    )
    base = {
        "miss_distance_km": conjunction.miss_distance_km,
        "relative_speed_km_s": conjunction.relative_speed_km_s,
    }
    if conjunction.collision_probability is not None:
        base["pc"] = conjunction.collision_probability
    if conjunction.hard_body_radius_m is not None:
        base["hbr_m"] = conjunction.hard_body_radius_m
    return Event(
        event_id=conjunction.event_id or event_id(EventKind.CONJUNCTION, ids, conjunction.tca),
        kind=EventKind.CONJUNCTION,
        norad_ids=ids,
        time=conjunction.tca,
        markings=conjunction.markings,
        figures={**base, **(figures or {})},
        evidence={
            "object1": _state_evidence(conjunction.object1, conjunction.object1_name),
            "object2": _state_evidence(conjunction.object2, conjunction.object2_name),
            "flags": list(conjunction.flags),
            **(evidence or {}),
        },
        summary=summary
        or (
            f"{conjunction.object1_name} and {conjunction.object2_name}: "
            f"{conjunction.miss_distance_km:.3f} km at {event_time(conjunction.tca)}"
        ),
    )


def event_time(time: Time) -> str:
    utc = time.utc
    utc.precision = 3
    return f"{utc.isot}Z"


def conjunction_from_event(event: Event) -> ConjunctionEvent:
    """The CDM value of a conjunction Event (states and covariances from its evidence)."""
    if event.kind != EventKind.CONJUNCTION:
        raise ValueError(f"not a conjunction event: {event.kind}")
    states = []
    for key in ("object1", "object2"):
        info = event.evidence[key]
        assert isinstance(info, dict)
        x = np.asarray(info["state_gcrs_km_km_s"], float)
        cov = info.get("covariance_gcrs_km")
        states.append(
            OrbitState(
                epoch=event.time,
                position_km=x[:3],
                velocity_km_s=x[3:],
                frame="gcrs",
                covariance=None if cov is None else np.asarray(cov, float),
                norad_id=info.get("norad_id"),
                markings=event.markings,
            )
        )
    names = [str(event.evidence[k]["name"]) for k in ("object1", "object2")]  # type: ignore[index]
    pc = event.figures.get("pc")
    return ConjunctionEvent(
        event_id=event.event_id,
        tca=event.time,
        miss_distance_km=float(event.figures["miss_distance_km"]),
        object1=states[0],
        object2=states[1],
        markings=event.markings,
        collision_probability=None if pc is None or not np.isfinite(pc) else float(pc),
        object1_name=names[0],
        object2_name=names[1],
        hard_body_radius_m=event.figures.get("hbr_m"),
        flags=tuple(event.evidence.get("flags", ())),  # type: ignore[arg-type]
    )
