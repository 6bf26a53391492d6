"""Events: JSON form, markings combined from the inputs, CDM round trip, OD adapters."""

from __future__ import annotations

import json

import numpy as np
from astropy.time import Time

from beltwatch.analytics import (
    conjunction_event,
    conjunction_from_event,
    maneuver_event_from_estimate,
    maneuver_events_from_filter,
    public_markings,
    unmarked_markings,
)
from beltwatch.formats import (
    ConjunctionEvent,
    cdm_from_event,
    encode_message,
    event_from_cdm,
    parse_messages,
)
from beltwatch.orbit_determination import FilterResult, OrbitEstimate
from beltwatch.sharing import load_policy
from beltwatch.values import Event, EventKind, Markings, OrbitState

T0 = Time("2026-06-01T12:00:00", scale="utc")


def _conjunction(markings: Markings) -> ConjunctionEvent:
    cov = np.diag([1e-3, 4e-2, 1e-3, 1e-8, 1e-8, 1e-8])
    s1 = OrbitState(
        T0, np.array([42164.0, 0, 0]), np.array([0, 3.0747, 0]), "gcrs", cov, 1, markings
    )
    s2 = OrbitState(
        T0, np.array([42164.0, 0, 0.8]), np.array([0, 3.0747, 0.02]), "gcrs", None, 2, markings
    )
    return ConjunctionEvent("c1", T0, 0.8, s1, s2, markings, 1.2e-5, "ONE", "TWO", 15.0)


def test_event_json_round_trip() -> None:
    event = conjunction_event(_conjunction(Markings("USA", "PARTNER", frozenset({"JPN"}))))
    record = json.loads(json.dumps(event.to_dict()))
    assert record["kind"] == "conjunction" and record["norad_ids"] == [1, 2]
    assert record["time_utc"] == "2026-06-01T12:00:00.000Z"
    assert record["figures"]["miss_distance_km"] == 0.8 and record["figures"]["pc"] == 1.2e-5
    back = Event.from_dict(record)
    assert back.kind is EventKind.CONJUNCTION and back.markings == event.markings
    assert abs((back.time - event.time).to_value("sec")) < 1e-3


def test_conjunction_event_to_cdm_and_back() -> None:
    marks = Markings("USA", "PARTNER", frozenset({"JPN"}))
    event = conjunction_event(_conjunction(marks))
    product = conjunction_from_event(event)
    text = encode_message(cdm_from_event(product), "kvn")
    assert "COMMENT HBR = 15 [m]" in text and "MARKING PARTNER//OWNER USA//REL TO JPN" in text
    read = event_from_cdm(parse_messages(text, "x")[0])
    assert read.hard_body_radius_m == 15.0 and read.markings == marks
    assert read.object2.covariance is None  # written as zeros, read as "not known"
    np.testing.assert_allclose(read.object1.covariance, product.object1.covariance, rtol=1e-6)


def test_markings_of_derived_events() -> None:
    policy = load_policy(None)
    public = public_markings(policy)
    assert public.level == policy.levels[0]
    for partner in policy.partners:
        assert policy.releasable(policy.combine([public]), partner)
    hidden = unmarked_markings(policy)
    assert not any(policy.releasable(hidden, p) for p in policy.partners)
    mixed = policy.combine([public, Markings("USA", "RESTRICTED", frozenset({"FVEY"}))])
    assert mixed.level == "RESTRICTED"
    assert not policy.releasable(mixed, "JPN_LIAISON")


def _estimate(dv_m_s: np.ndarray, sigma_m_s: float) -> OrbitEstimate:
    orbit = OrbitState(
        T0, np.array([42164.0, 0, 0]), np.array([0, 3.0747, 0]), "gcrs", np.eye(6) * 1e-6, 12345
    )
    return OrbitEstimate(
        orbit=orbit,
        rms_weighted=1.0,
        rms_arcsec=0.5,
        n_used=100,
        n_rejected=0,
        converged=True,
        iterations=5,
        residuals=np.zeros(0),
        used=np.zeros(0, dtype=bool),
        maneuver_dv_km_s=dv_m_s / 1000.0,
        maneuver_covariance=np.eye(3) * (sigma_m_s / 1000.0) ** 2,
    )


def test_batch_solve_for_becomes_an_event_when_significant() -> None:
    marks = Markings("USA", "PUBLIC")
    event = maneuver_event_from_estimate(_estimate(np.array([0, 0.3, 0]), 0.01), T0, marks)
    assert event is not None and event.kind is EventKind.MANEUVER
    assert abs(event.figures["delta_v_m_s"] - 0.3) < 1e-9
    assert abs(event.figures["delta_v_sigma_m_s"] - 0.01) < 1e-9
    assert maneuver_event_from_estimate(_estimate(np.array([0, 0.02, 0]), 0.01), T0, marks) is None


def test_filter_rejection_runs_become_events() -> None:
    times = Time(T0.jd + np.arange(10) * 600.0 / 86400.0, format="jd", scale="utc")

    class Meas:  # the two fields the adapter reads
        object_index = np.zeros(10, dtype=int)

    Meas.times = times  # type: ignore[attr-defined]
    accepted = np.array([True, True, True, False, False, False, False, True, True, True])
    nis = np.where(accepted, 2.0, 80.0)
    result = FilterResult(times, np.zeros((1, 6)), np.zeros((1, 6, 6)), accepted, nis)
    events = maneuver_events_from_filter(result, Meas, Markings("USA", "PUBLIC"), np.array([7]))
    assert len(events) == 1
    assert events[0].norad_ids == (7,) and abs((events[0].time - times[3]).to_value("sec")) < 1e-3
    assert events[0].figures["rejected_rows"] == 4
