"""Screening results as conjunctions: GCRS states at TCA, optional covariances, Pc, events."""

from __future__ import annotations

from dataclasses import replace

from beltwatch.analytics._events import conjunction_event
from beltwatch.analytics._pc import PcAssessment, assess_collision_probability, default_methods
from beltwatch.analytics._screening import CloseApproach
from beltwatch.catalog import Catalog
from beltwatch.formats import ConjunctionEvent
from beltwatch.frames import transform_states
from beltwatch.propagation import NumericalPropagator
from beltwatch.values import Event, Markings, OrbitState


def conjunction_of(
    catalog: Catalog,
    approach: CloseApproach,
    markings: Markings,
    covariances: dict[int, OrbitState] | None = None,
    propagator: NumericalPropagator | None = None,
) -> ConjunctionEvent:
    """The conjunction of a close approach: SGP4 states rotated TEME -> GCRS at TCA; a
    covariance where ``covariances`` holds an orbit (with covariance) for the object,
    carried to TCA by ``propagator`` (its state transition matrix)."""
    states = []
    for row, x in (
        (approach.index1, approach.state1_teme),
        (approach.index2, approach.state2_teme),
    ):
        r, v = transform_states(x[None, None, :3], x[None, None, 3:], approach.tca, "teme", "gcrs")
        norad = int(catalog.norad_id[row])
        cov = None
        orbit = (covariances or {}).get(norad)
        if orbit is not None and orbit.covariance is not None and propagator is not None:
            cov = propagator.propagate_state(orbit, approach.tca).covariance
        states.append(OrbitState(approach.tca, r[0, 0], v[0, 0], "gcrs", cov, norad, markings))
    ids = "-".join(str(s.norad_id) for s in states)
    return ConjunctionEvent(
        event_id=f"conjunction-{ids}-{approach.tca.utc.strftime('%Y%m%dT%H%M%S')}Z",
        tca=approach.tca,
        miss_distance_km=approach.miss_km,
        object1=states[0],
        object2=states[1],
        markings=markings,
        object1_name=str(catalog.name[approach.index1]).strip() or "UNKNOWN",
        object2_name=str(catalog.name[approach.index2]).strip() or "UNKNOWN",
        flags=("identical element sets (docked or duplicate)",) if approach.identical else (),
    )


def screening_event(
    conjunction: ConjunctionEvent,
    approach: CloseApproach,
    *,
    hbr_m: float | None = None,
    samples: int = 0,
) -> tuple[Event, PcAssessment | None, ConjunctionEvent]:
    """The Event of a screened conjunction; with a covariance, its Pc (Foster as ``pc``)."""
    assessment = None
    figures: dict[str, float] = {}
    evidence: dict = {"at_window_edge": approach.at_window_edge}
    if conjunction.object1.covariance is not None or conjunction.object2.covariance is not None:
        assessment = assess_collision_probability(
            conjunction, hbr_m=hbr_m, methods=default_methods(samples=samples)
        )
        if assessment.pc is not None:
            figures["pc"] = assessment.pc
        figures["max_pc"] = assessment.max_pc
        figures["hbr_m"] = assessment.hbr_m
        evidence["pc"] = assessment.to_dict()
        conjunction = replace(
            conjunction,
            collision_probability=assessment.pc,
            hard_body_radius_m=assessment.hbr_m,
        )
    event = conjunction_event(conjunction, figures=figures, evidence=evidence)
    return event, assessment, conjunction
