"""The message codec: exact round trips (markings included), subjects, refusals."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from astropy.time import Time

from beltwatch.errors import InputError
from beltwatch.formats import ConjunctionEvent
from beltwatch.sharing import RECORD_KINDS
from beltwatch.stream import (
    dead_letter_subject,
    decode_record,
    decode_records,
    encode_record,
    subject_for,
    subject_matches,
    subject_token,
)
from beltwatch.values import Event, EventKind, Markings, Observation, OrbitState

from .conftest import MARKINGS, alert, element_set, event, observation, state


def same(a, b, path: str = "record") -> None:
    """Field-by-field exact equality: times by two-part JD and scale, arrays bit for bit
    (NaN equals NaN), floats exactly (NaN equals NaN), everything else with ==."""
    assert type(a) is type(b), path
    if isinstance(a, Time):
        assert (a.scale, a.format) == (b.scale, b.format), path
        assert (float(a.jd1), float(a.jd2)) == (float(b.jd1), float(b.jd2)), path
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape and a.dtype == b.dtype, path
        assert np.array_equal(a, b, equal_nan=True), path
    elif isinstance(a, float):
        assert a == b or (math.isnan(a) and math.isnan(b)), f"{path}: {a!r} != {b!r}"
    elif dataclasses.is_dataclass(a) and not isinstance(a, Markings):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif hasattr(a, "items"):
        assert dict(a).keys() == dict(b).keys(), path
        for k in a:
            same(a[k], b[k], f"{path}[{k}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _edge_records() -> dict[str, list]:
    """Records with every optional field set, unset, NaN or infinite."""
    m = Markings("JPN+USA", "PARTNER", frozenset({"JPN", "USA", "FVEY"}))
    base_obs = observation(3, m)
    t_tai = Time(2461000.5, 0.123456789012345, format="jd", scale="tai")
    obs = [
        base_obs,
        replace(
            base_obs,
            obs_id="uct-1",
            time=t_tai,
            norad_id=None,
            magnitude=None,
            frame_id="frame-0007",
            track_id="trk.1",
            solar_phase_angle_rad=0.7853981633974483,
            observer_position_km=np.array([np.nan, np.nan, np.nan]),
            observer_velocity_km_s=np.array([np.inf, -np.inf, 1e-300]),
            ra_sigma_rad=float("nan"),
            sensor_id="QZS6.HP *>",
        ),
    ]
    s = state(4, m)
    cov7 = np.arange(49, dtype=float).reshape(7, 7) * 1e-9 + np.eye(7)
    orbits = [
        s,
        replace(
            s,
            covariance=cov7,
            cr=1.3,
            object_name="QZS-6 (MICHIBIKI)",
            intl_designator="2025-023A",
            frame="teme",
        ),
        replace(s, covariance=None, norad_id=None, cr=None),
    ]
    c = event(5, m)
    conj = [
        c,
        replace(
            c,
            collision_probability=None,
            hard_body_radius_m=12.5,
            flags=("non-psd covariance", "frames differ"),
            object1=replace(c.object1, markings=None, covariance=None),
        ),
    ]
    a = alert(6, m)
    events = [
        a,
        Event(
            event_id="prox-1",
            kind=EventKind.PROXIMITY,
            norad_ids=(1, 2, 3),
            time=Time("2026-05-24T01:02:03.123456789", scale="utc"),
            markings=m,
            figures={"range_km": 1.5, "pc": float("nan"), "rate": float("inf"), "n": 3.0},
            evidence={"method": "foster", "sigma": [1.0, 2.5], "nested": {"a": None}},
            summary="close",
            time_sigma_s=0.25,
        ),
    ]
    e = element_set(7, m)
    element_sets = [
        e,
        replace(
            e,
            epoch=t_tai,
            bstar=-1.25e-5,
            ndot_over_2=-3.1e-8,
            nddot_over_6=1e-12,
            intl_designator="2025-023A",
            classification="C",
            element_set_no=12,
            rev_at_epoch=654,
            comments=("fitted to od/opm", "reduced precision"),
        ),
    ]
    return {
        "observations": obs,
        "orbits": orbits,
        "element_sets": element_sets,
        "conjunctions": conj,
        "events": events,
    }


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_round_trip_is_exact_for_every_marking(kind, dataset):
    for record in dataset[kind]:
        back = decode_record(kind, encode_record(kind, record))
        same(record, back)
        assert back.markings == record.markings  # owner, level, releasable-to


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_round_trip_is_exact_for_edge_values(kind):
    for record in _edge_records()[kind]:
        data = encode_record(kind, record)
        json.loads(data)  # standard JSON: no bare NaN or Infinity
        assert b"NaN," not in data.replace(b'"NaN"', b"")
        same(record, decode_record(kind, data))


def test_the_comparator_sees_a_difference():
    """The equality used above is able to fail (a changed bit, a changed marking)."""
    o = observation(1, MARKINGS[0])
    with pytest.raises(AssertionError):
        same(o, replace(o, ra_rad=np.nextafter(o.ra_rad, 10.0)))
    with pytest.raises(AssertionError):
        same(o, replace(o, markings=MARKINGS[1]))
    with pytest.raises(AssertionError):
        later = Time(o.time.jd1, o.time.jd2 + 1e-12, format="jd", scale="utc")
        later.format = o.time.format
        same(o, replace(o, time=later))


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_unmarked_records_are_refused(kind, dataset):
    record = replace(dataset[kind][0], markings=None)
    with pytest.raises(InputError, match="markings"):
        encode_record(kind, record)


def test_wrong_type_and_unknown_kind_are_refused(dataset):
    with pytest.raises(InputError, match="not one of the orbits"):
        encode_record("orbits", dataset["observations"][0])
    with pytest.raises(InputError, match="unknown record kind"):
        encode_record("tracklets", dataset["observations"][0])


@pytest.mark.parametrize(
    "payload, why",
    [
        (b"\xff\xfe", "JSON"),
        (b"{not json", "JSON"),
        (b"[1, 2]", "version"),
        (b'{"v": 2, "kind": "observations", "record": {}}', "version"),
        (b'{"v": 1, "kind": "orbits", "record": {}}', "holds 'orbits'"),
        (b'{"v": 1, "kind": "observations", "record": {"obs_id": "x"}}', "not a observations"),
    ],
)
def test_undecodable_payloads_are_input_errors(payload, why):
    with pytest.raises(InputError, match=why):
        decode_record("observations", payload)


def test_a_payload_without_markings_is_refused_on_decode(dataset):
    body = json.loads(encode_record("observations", dataset["observations"][0]))
    body["record"]["markings"] = None
    with pytest.raises(InputError, match="markings"):
        decode_record("observations", json.dumps(body).encode())


def test_subjects(dataset):
    obs = replace(dataset["observations"][0], sensor_id="QZS6.HP *>x")
    assert subject_for("observations", obs) == "beltwatch.observations.QZS6_HP___x"
    assert subject_for("orbits", dataset["orbits"][2], "p.q") == "p.q.orbits.2002"
    uct = replace(dataset["orbits"][2], norad_id=None)
    assert subject_for("orbits", uct) == "beltwatch.orbits.uct"
    assert subject_for("events", dataset["events"][0]) == "beltwatch.events.maneuver"
    assert isinstance(dataset["conjunctions"][0], ConjunctionEvent)
    assert subject_for("conjunctions", dataset["conjunctions"][0]).endswith(".conjunction")
    assert subject_token("") == "_"
    assert dead_letter_subject("observations") == "beltwatch.deadletter.observations"
    with pytest.raises(InputError, match="prefix"):
        subject_for("orbits", dataset["orbits"][0], "bad prefix.>")


@pytest.mark.parametrize(
    "pattern, subject, matches",
    [
        ("a.>", "a.b", True),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.*.c", "a.x.c", True),
        ("a.b", "a.b", True),
        ("a.b", "a.bb", False),
        ("a.*.>", "a.b", False),
    ],
)
def test_subject_matching(pattern, subject, matches):
    assert subject_matches(pattern, subject) is matches


def test_observation_type_is_kept(dataset):
    assert isinstance(
        decode_record("observations", encode_record("observations", dataset["observations"][0])),
        Observation,
    )
    assert isinstance(
        decode_record("orbits", encode_record("orbits", dataset["orbits"][0])), OrbitState
    )


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_batch_decoding_equals_one_by_one(kind, dataset):
    records = dataset[kind] + _edge_records()[kind]
    payloads = [encode_record(kind, r) for r in records] + [b"{broken", b'{"v": 1}']
    decoded = decode_records(kind, payloads)
    for record, got in zip(records, decoded, strict=False):
        same(record, got)
        same(decode_record(kind, encode_record(kind, record)), got)
    assert all(isinstance(e, InputError) for e in decoded[len(records) :])
