"""Observations: exact round trips, idempotent ingest, conflicts, bad records, pages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy import units as u

from beltwatch.errors import InputError


def _same(a, b) -> None:
    assert a.obs_id == b.obs_id
    assert abs((a.time - b.time).to_value(u.s)) < 1e-6
    assert a.time.scale == "utc"
    for name in ("ra_rad", "dec_rad", "ra_sigma_rad", "dec_sigma_rad", "solar_phase_angle_rad"):
        assert abs(getattr(a, name) - getattr(b, name)) <= 1e-12, name
    np.testing.assert_array_equal(a.observer_position_km, b.observer_position_km)
    np.testing.assert_array_equal(a.observer_velocity_km_s, b.observer_velocity_km_s)
    assert (a.sensor_id, a.norad_id, a.frame_id, a.track_id, a.magnitude) == (
        b.sensor_id,
        b.norad_id,
        b.frame_id,
        b.track_id,
        b.magnitude,
    )
    assert a.markings == b.markings


def test_round_trip_is_exact(store, make_observation) -> None:
    given = [make_observation(i) for i in range(30)]
    given.append(make_observation(99, magnitude=None, norad_id=None, frame_id=None))
    result = store.add_observations(given)
    assert (result.inserted, result.duplicates, result.rejected) == (31, 0, [])
    got = {o.obs_id: o for o in store.observations(limit=100).items}
    assert set(got) == {o.obs_id for o in given}
    for obs in given:
        _same(got[obs.obs_id], obs)
    assert got["obs-00099"].magnitude is None and got["obs-00099"].norad_id is None


def test_same_batch_twice_inserts_nothing(store, make_observation) -> None:
    batch = [make_observation(i) for i in range(50)]
    assert store.add_observations(batch).inserted == 50
    again = store.add_observations(batch)
    assert (again.inserted, again.duplicates, again.rejected) == (0, 50, [])
    assert store.counts()["observations"] == 50


def test_conflicting_payload_is_rejected_and_original_kept(store, make_observation) -> None:
    original = make_observation(7)
    store.add_observations([original])
    changed = make_observation(7, ra_rad=original.ra_rad + 1e-9)
    result = store.add_observations([changed, make_observation(8)])
    assert result.inserted == 1 and result.duplicates == 0
    assert len(result.rejected) == 1
    obs_id, reason = result.rejected[0]
    assert obs_id == "obs-00007" and "ra_rad" in reason
    (kept,) = [o for o in store.observations().items if o.obs_id == "obs-00007"]
    assert kept.ra_rad == original.ra_rad


def test_bad_records_are_rejected_while_the_rest_is_stored(store, make_observation) -> None:
    bad = [
        make_observation(1, ra_rad=math.nan),
        make_observation(2, dec_rad=2.0),
        make_observation(3, markings=None),
        make_observation(4, observer_position_km=np.array([1.0, math.inf, 0.0])),
        make_observation(5, obs_id=""),
        make_observation(6, norad_id=-4),
        make_observation(9, ra_sigma_rad=-1e-6),
    ]
    good = [make_observation(i) for i in (10, 11, 12)]
    result = store.add_observations(bad[:3] + good + bad[3:])
    assert result.inserted == 3
    reasons = dict(result.rejected)
    assert len(result.rejected) == len(bad)
    assert "finite" in reasons["obs-00001"]
    assert "Dec" in reasons["obs-00002"]
    assert "markings" in reasons["obs-00003"]
    assert "observer_position_km" in reasons["obs-00004"]
    assert "obs_id" in reasons[""]
    assert "catalog number" in reasons["obs-00006"]
    assert "sigma" in reasons["obs-00009"]
    assert sorted(o.obs_id for o in store.observations().items) == [o.obs_id for o in good]


def test_pages_cover_everything_once_in_order(store, make_observation) -> None:
    given = [make_observation(i) for i in range(47)]
    # two observations at the same instant: the id breaks the tie
    given.append(make_observation(100, time=given[5].time))
    store.add_observations(given)
    seen, cursor, pages = [], None, 0
    while True:
        page = store.observations(limit=10, after=cursor)
        seen += page.items
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 5
    ids = [o.obs_id for o in seen]
    assert sorted(ids) == sorted(o.obs_id for o in given) and len(set(ids)) == len(ids)
    keys = [((o.time - given[0].time).to_value(u.s), o.obs_id) for o in seen]
    assert keys == sorted(keys)


def test_filters(store, make_observation) -> None:
    given = [make_observation(i) for i in range(60)]
    store.add_observations(given)
    start, stop = given[10].time, given[40].time
    got = store.observations(start=start, stop=stop, limit=1000).items
    assert [o.obs_id for o in got] == [o.obs_id for o in given[10:40]]
    by_sensor = store.observations(sensor_id="qzs7-wfc").items
    assert {o.obs_id for o in by_sensor} == {o.obs_id for o in given if o.sensor_id == "qzs7-wfc"}
    by_object = store.observations(norad_id=41107, start=start).items
    expected = {o.obs_id for o in given[10:] if o.norad_id == 41107}
    assert {o.obs_id for o in by_object} == expected and expected


def test_observations_create_their_objects(store, make_observation) -> None:
    store.add_observations([make_observation(i) for i in range(4)])
    ids = [s.norad_id for s in store.objects().items]
    assert ids == [41107, 62876]
    assert all(s.markings == make_observation(0).markings for s in store.objects().items)


@pytest.mark.parametrize("cursor", ["garbage!", "WzEsMiwzXQ"])
def test_bad_cursor_and_limit_are_input_errors(store, cursor) -> None:
    with pytest.raises(InputError, match="after"):
        store.observations(after=cursor)
    with pytest.raises(InputError, match="limit"):
        store.observations(limit=0)


def test_unknown_sigmas_and_observer_state_round_trip_as_nan(store, make_observation) -> None:
    nan3 = np.full(3, np.nan)
    given = make_observation(
        3,
        ra_sigma_rad=math.nan,
        dec_sigma_rad=math.nan,
        observer_position_km=nan3,
        observer_velocity_km_s=nan3,
    )
    partial = make_observation(4, observer_velocity_km_s=np.array([1.0, math.nan, 2.0]))
    result = store.add_observations([given, partial])
    assert result.inserted == 1 and [r[0] for r in result.rejected] == ["obs-00004"]
    (got,) = store.observations().items
    assert math.isnan(got.ra_sigma_rad) and math.isnan(got.dec_sigma_rad)
    assert np.isnan(got.observer_position_km).all() and np.isnan(got.observer_velocity_km_s).all()
    assert store.add_observations([given]).duplicates == 1
