"""Events, sensors, frames, tracklets, releases and API keys on both backends."""

from __future__ import annotations

import math

from astropy import units as u
from astropy.time import Time
from sqlalchemy import create_engine, text

from beltwatch.store import FrameRecord, TrackletRecord
from beltwatch.values import Event, EventKind, Markings

MARKS = Markings("JPN+USA", "PARTNER", frozenset({"JPN", "USA"}))
T0 = Time("2026-06-01T00:00:00.000001", scale="utc")


def _event(i: int, kind: EventKind, norad_ids: tuple[int, ...]) -> Event:
    return Event(
        event_id=f"ev-{i}",
        kind=kind,
        norad_ids=norad_ids,
        time=T0 + i * u.hour,
        markings=MARKS,
        figures={"delta_v_m_s": 0.1 * i, "pc": math.nan},
        evidence={"method": "test", "sigmas": [1.5, 2.5]},
        summary=f"event {i}",
        time_sigma_s=12.5,
    )


def test_events_round_trip_idempotent_and_filtered(store) -> None:
    events = [
        _event(0, EventKind.MANEUVER, (62876,)),
        _event(1, EventKind.CONJUNCTION, (62876, 41107)),
        _event(2, EventKind.MANEUVER, (41107,)),
        _event(3, EventKind.PROXIMITY, (41107, 62876)),
    ]
    assert store.add_events(events) == 4
    assert store.add_events(events) == 0
    got = store.events().items
    assert [e.event_id for e in got] == ["ev-0", "ev-1", "ev-2", "ev-3"]
    first = got[1]
    assert first.kind is EventKind.CONJUNCTION and first.norad_ids == (62876, 41107)
    assert abs((first.time - events[1].time).to_value(u.s)) < 1e-6
    assert first.figures["delta_v_m_s"] == 0.1 and math.isnan(first.figures["pc"])
    assert dict(first.evidence) == {"method": "test", "sigmas": [1.5, 2.5]}
    assert (first.summary, first.time_sigma_s, first.markings) == ("event 1", 12.5, MARKS)
    assert first.to_dict() == events[1].to_dict()
    assert [e.event_id for e in store.events(kind="maneuver").items] == ["ev-0", "ev-2"]
    assert [e.event_id for e in store.events(norad_id=62876).items] == ["ev-0", "ev-1", "ev-3"]
    assert [e.event_id for e in store.events(since=events[2].time).items] == ["ev-2", "ev-3"]
    page = store.events(limit=3)
    assert [e.event_id for e in store.events(limit=3, after=page.next_cursor).items] == ["ev-3"]


def test_sensors_frames_tracklets(store) -> None:
    assert store.add_sensor("qzs6-wfc", "optical", 62876, markings=MARKS) is True
    assert store.add_sensor("qzs6-wfc", "optical", 62876, markings=MARKS) is False
    store.add_sensor("ground-1", "optical", markings=MARKS)
    assert [(s.sensor_id, s.host_norad_id) for s in store.sensors()] == [
        ("ground-1", None),
        ("qzs6-wfc", 62876),
    ]
    frames = [
        FrameRecord(f"f{i}", "qzs6-wfc", T0 + 30 * i * u.s, 0.1 * i, -0.05, MARKS, 2.0, None)
        for i in range(5)
    ]
    assert store.add_frames(frames) == 5 and store.add_frames(frames) == 0
    got = store.frames(sensor_id="qzs6-wfc", start=frames[1].time, stop=frames[4].time).items
    assert [f.frame_id for f in got] == ["f1", "f2", "f3"]
    assert got[0].pointing_ra_rad == 0.1 and got[0].exposure_s == 2.0
    tracklets = [TrackletRecord("tk1", ("o1", "o2", "o3"), MARKS, "qzs6-wfc", 62876)]
    assert store.add_tracklets(tracklets) == 1 and store.add_tracklets(tracklets) == 0
    assert store.tracklets(norad_id=62876).items == tracklets


def test_releases(store) -> None:
    first = store.record_release("JPN_LIAISON", "observations", "tdm", ["a", "b"], 3, "ab12", "/x")
    store.record_release("SSN", "orbits", "oem", ["c"], 0, None, None)
    got = store.releases(partner="JPN_LIAISON").items
    assert len(got) == 1
    assert (got[0].release_id, got[0].released_ids, got[0].withheld) == (first, ("a", "b"), 3)
    assert (got[0].audit_digest, got[0].product_path) == ("ab12", "/x")
    assert len(store.releases().items) == 2


def test_api_keys_store_only_a_salted_hash(store, db_url) -> None:
    key_id, secret = store.add_api_key("JPN_LIAISON")
    other_id, other = store.add_api_key("SSN")
    assert store.partner_for_key(secret) == "JPN_LIAISON"
    assert store.partner_for_key(other) == "SSN"
    assert store.partner_for_key(secret + "x") is None
    assert store.partner_for_key(f"{other_id}.{secret.partition('.')[2]}") is None
    assert store.partner_for_key("") is None and store.partner_for_key("nodot") is None
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text("SELECT * FROM api_keys"))]
    engine.dispose()
    assert len(rows) == 2
    for row in rows:
        assert not any(isinstance(v, str) and (secret in v or other in v) for v in row)
        assert not any(isinstance(v, str) and secret.partition(".")[2] in v for v in row)
    listed = store.api_keys()
    assert {k.key_id for k in listed} == {key_id, other_id}
    assert "secret" not in repr(listed).lower() and secret not in repr(listed)
    assert store.revoke_api_key(key_id) is True
    assert store.revoke_api_key(key_id) is False
    assert store.revoke_api_key("nope") is False
    assert store.partner_for_key(secret) is None
    assert store.partner_for_key(other) == "SSN"
    revoked = {k.key_id: k.is_revoked for k in store.api_keys()}
    assert revoked == {key_id: True, other_id: False}


def test_counts_cover_every_table(store) -> None:
    counts = store.counts()
    assert set(counts) >= {"observations", "element_sets", "orbits", "events", "api_keys"}
    assert all(v == 0 for v in counts.values())
