"""Element sets, orbits, objects and their histories on both backends."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.time import Time

from beltwatch.errors import InputError
from beltwatch.values import ElementSet, Markings, OrbitState

MARKS = Markings("USA", "PARTNER", frozenset({"JPN", "FVEY"}))
EPOCH = Time("2026-05-24T12:00:00.000250", scale="utc")


def _element_set(norad_id: int, day: float, **changes) -> ElementSet:
    fields = {
        "norad_id": norad_id,
        "epoch": EPOCH + day * u.day,
        "mean_motion_rev_per_day": 1.00271 + 1e-6 * day,
        "eccentricity": 0.0002137,
        "inclination_rad": 0.0012345678901234,
        "raan_rad": 1.234567890123456,
        "arg_perigee_rad": 2.345678901234567,
        "mean_anomaly_rad": 3.456789012345678,
        "bstar": 1.2e-5,
        "ndot_over_2": -3.0e-7,
        "nddot_over_6": 0.0,
        "name": f"SAT {norad_id}",
        "intl_designator": "2025-020A",
        "classification": "U",
        "element_set_no": 999,
        "rev_at_epoch": 123,
        "markings": MARKS,
        "comments": ("fitted", "test"),
    }
    fields.update(changes)
    return ElementSet(**fields)


def _orbit(number: int, hours: float, size: int | None = 6, **changes) -> OrbitState:
    rng = np.random.default_rng(int(hours * 10) + number)
    covariance = None
    if size is not None:
        a = rng.normal(size=(size, size))
        covariance = a @ a.T * 1e-6
    fields = {
        "epoch": EPOCH + hours * u.hour,
        "position_km": rng.normal(0, 30000, 3),
        "velocity_km_s": rng.normal(0, 3, 3),
        "covariance": covariance,
        "norad_id": number,
        "markings": MARKS,
        "object_name": "QZS-6",
        "intl_designator": "2025-020A",
        "cr": 1.3 if size == 7 else None,
    }
    fields.update(changes)
    return OrbitState(**fields)


def test_element_set_history_round_trip_and_no_repeats(store) -> None:
    sets = [_element_set(62876, d) for d in (0.0, 0.5, 1.0)]
    assert store.add_element_sets(sets, "celestrak") == 3
    assert store.add_element_sets(sets, "celestrak") == 0  # same (norad, epoch, source)
    assert store.add_element_sets(sets[:1], "od") == 1  # another source is another record
    got = store.element_sets(62876).items
    assert len(got) == 4
    first = got[0]
    for name in (
        "mean_motion_rev_per_day",
        "eccentricity",
        "inclination_rad",
        "raan_rad",
        "arg_perigee_rad",
        "mean_anomaly_rad",
        "bstar",
        "ndot_over_2",
    ):
        assert getattr(first, name) == getattr(sets[0], name), name
    assert abs((first.epoch - sets[0].epoch).to_value(u.s)) < 1e-6
    assert (first.name, first.intl_designator, first.comments, first.markings) == (
        "SAT 62876",
        "2025-020A",
        ("fitted", "test"),
        MARKS,
    )
    since = store.element_sets(62876, since=sets[1].epoch).items
    assert len(since) == 2
    page = store.element_sets(62876, limit=3)
    rest = store.element_sets(62876, limit=3, after=page.next_cursor)
    assert len(page.items) + len(rest.items) == 4 and rest.next_cursor is None


def test_unmarked_element_sets_are_refused_or_take_the_default(store) -> None:
    unmarked = _element_set(40000, 0.0, markings=None)
    with pytest.raises(InputError, match="markings"):
        store.add_element_sets([unmarked], "tle")
    assert store.counts()["element_sets"] == 0
    assert store.add_element_sets([unmarked], "tle", default_markings=MARKS) == 1
    assert store.element_sets(40000).items[0].markings == MARKS


@pytest.mark.parametrize("size", [None, 6, 7])
def test_orbit_history_round_trip(store, size) -> None:
    states = [_orbit(62876, h, size) for h in (2.0, 0.0, 1.0)]
    ids = [
        store.add_orbit(s, source="batch-ls", rms_arcsec=0.8, observations_used=40) for s in states
    ]
    assert len(set(ids)) == 3
    history = store.orbits(62876).items
    assert [h.orbit_id for h in history] == [ids[1], ids[2], ids[0]]  # by epoch
    stored = history[0]
    assert (stored.source, stored.rms_arcsec, stored.observations_used) == ("batch-ls", 0.8, 40)
    got, given = stored.state, states[1]
    np.testing.assert_array_equal(got.position_km, given.position_km)
    np.testing.assert_array_equal(got.velocity_km_s, given.velocity_km_s)
    assert abs((got.epoch - given.epoch).to_value(u.s)) < 1e-6
    if size is None:
        assert got.covariance is None
    else:
        np.testing.assert_array_equal(got.covariance, given.covariance)
    assert got.cr == given.cr and got.markings == MARKS and got.object_name == "QZS-6"
    latest = store.latest_orbit(62876)
    np.testing.assert_array_equal(latest.position_km, states[0].position_km)
    assert store.latest_orbit(11111) is None


def test_orbits_need_an_object_and_markings(store) -> None:
    with pytest.raises(InputError, match="catalog number"):
        store.add_orbit(_orbit(62876, 0, norad_id=None), source="od")
    with pytest.raises(InputError, match="markings"):
        store.add_orbit(_orbit(62876, 0, markings=None), source="od")
    with pytest.raises(InputError, match="covariance"):
        store.add_orbit(_orbit(62876, 0, covariance=np.eye(5)), source="od")
    assert store.counts()["orbits"] == 0


def test_objects_status_history_and_summary(store) -> None:
    store.upsert_object(62876, name="QZS-6", intl_designator="2025-020A", markings=MARKS)
    store.upsert_object(62876, status="active", markings=MARKS)
    store.upsert_object(62876, status="active", markings=MARKS)  # unchanged: no new entry
    store.upsert_object(62876, status="drifting", markings=MARKS)
    store.upsert_object(41107, status="active", markings=MARKS)
    assert [c.status for c in store.status_history(62876)] == ["active", "drifting"]
    store.add_orbit(_orbit(62876, 5.0), source="od")
    store.add_element_sets([_element_set(62876, 0.0), _element_set(62876, 2.0)], "tle")
    store.add_element_sets([_element_set(30000, 1.0)], "tle")  # creates object 30000
    page = store.objects()
    assert [s.norad_id for s in page.items] == [30000, 41107, 62876]
    qzs6 = page.items[2]
    assert (qzs6.name, qzs6.intl_designator, qzs6.status) == ("QZS-6", "2025-020A", "drifting")
    assert abs((qzs6.latest_orbit_epoch - (EPOCH + 5 * u.hour)).to_value(u.s)) < 1e-6
    assert abs((qzs6.latest_element_epoch - (EPOCH + 2 * u.day)).to_value(u.s)) < 1e-6
    assert page.items[0].latest_orbit_epoch is None and page.items[0].name == "SAT 30000"
    assert [s.norad_id for s in store.objects(status="active").items] == [41107]
    first = store.objects(limit=2)
    second = store.objects(limit=2, after=first.next_cursor)
    assert [s.norad_id for s in first.items + second.items] == [30000, 41107, 62876]
