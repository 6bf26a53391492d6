"""The live feed (server-sent events): records published on the in-process stream reach
each partner only as the oracle allows; ingested observations are published on it."""

from __future__ import annotations

import asyncio
import json

import pytest
from astropy.time import TimeDelta
from fastapi.testclient import TestClient
from tests.sharing.conftest import T0

from beltwatch.api import create_app
from beltwatch.sharing import REDACTED_SENSOR, load_policy
from beltwatch.stream import MemoryBroker, MemoryStream
from beltwatch.values import Event, EventKind, Markings

from .conftest import PARTNERS, verdict

SENTINEL = Event(
    event_id="sentinel-end",
    kind=EventKind.NEW_OBJECT,
    norad_ids=(99999,),
    time=T0 + TimeDelta(86400.0, format="sec"),
    markings=Markings("USA", "PUBLIC", frozenset({"GLOBAL_SENTINEL", "MN_CELL", "JPN"})),
    summary="end of the test feed",
)


def _publish(broker: MemoryBroker, batches: list[tuple[str, list]]) -> None:
    async def run() -> None:
        stream = MemoryStream(broker)
        for kind, records in batches:
            await stream.publish_many(kind, records)
        await stream.close()

    asyncio.run(run())


def _read_feed(client: TestClient, key: str, params: dict) -> list[tuple[str, dict]]:
    """SSE events until the sentinel arrives."""
    out: list[tuple[str, dict]] = []
    with client.stream("GET", "/api/v1/stream", headers={"X-API-Key": key}, params=params) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                record = json.loads(line.split(":", 1)[1])
                if record.get("event_id") == SENTINEL.event_id:
                    return out
                out.append((str(kind), record))
    raise AssertionError("the feed ended before the sentinel")


@pytest.fixture
def feed_app(api):
    broker = MemoryBroker()
    app = create_app(api.store, MemoryStream(broker), policy=load_policy(), audit_log=api.audit)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, broker


def test_feed_releases_only_what_the_oracle_allows(api, feed_app) -> None:
    client, broker = feed_app
    records = api.seeded.records
    _publish(
        broker,
        [
            ("observations", records["observations"]),
            ("orbits", records["orbits"]),
            ("events", records["events"]),
            ("events", [SENTINEL]),
        ],
    )
    for partner in PARTNERS:
        got = _read_feed(client, api.seeded.keys[partner], {"start": "all"})
        ids = {
            "observations": sorted(r["obs_id"] for k, r in got if k == "observations"),
            "orbits": sorted(r["norad_id"] for k, r in got if k == "orbits"),
            "events": sorted(r["event_id"] for k, r in got if k == "events"),
        }
        want = {
            "observations": sorted(
                o.obs_id for o in records["observations"] if verdict("observations", o, partner)
            ),
            "orbits": sorted(
                s.norad_id for s in records["orbits"] if verdict("orbits", s, partner)
            ),
            "events": sorted(
                e.event_id for e in records["events"] if verdict("events", e, partner)
            ),
        }
        assert ids == want, partner
        assert 0 < len(got) < sum(len(v) for v in records.values() if v)
        for kind, record in got:
            if (
                kind == "observations"
                and verdict(
                    "observations",
                    next(o for o in records["observations"] if o.obs_id == record["obs_id"]),
                    partner,
                )
                == "observations-drop-sensor"
            ):
                assert record["sensor_id"] == REDACTED_SENSOR


def test_ingested_observations_reach_the_feed(api, feed_app) -> None:
    from tests.sharing.conftest import MARKINGS, observation

    from beltwatch.formats import udl_records

    client, broker = feed_app
    restricted = udl_records([observation(3, MARKINGS[0])])[0]  # RESTRICTED, owner only
    shared = udl_records([observation(4, MARKINGS[1])])[0]  # RESTRICTED, FVEY
    restricted["id"], shared["id"] = "live-r", "live-s"
    key = {"X-API-Key": api.seeded.keys["SSN"]}
    response = client.post("/api/v1/observations", json=[restricted, shared], headers=key)
    assert response.status_code == 200 and response.json()["stored"] == 2
    _publish(broker, [("events", [SENTINEL])])
    seen = {
        p: {r["obs_id"] for k, r in _read_feed(client, api.seeded.keys[p], {"start": "all"})}
        for p in ("SSN", "COMBINED_OPS", "GLOBAL_SENTINEL")
    }
    assert seen == {
        "SSN": {"live-r", "live-s"},
        "COMBINED_OPS": {"live-s"},
        "GLOBAL_SENTINEL": set(),
    }


def test_no_stream_is_a_503_problem(api) -> None:
    response = api.get("/stream", "SSN")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("this service runs without a live feed")
