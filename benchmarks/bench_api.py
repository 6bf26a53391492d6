"""HTTP API latency under concurrent load, and publish -> stored -> visible in the API.

* Query latency: 8 concurrent httpx clients against uvicorn on loopback for a fixed time
  per endpoint (one server process, SQLite store seeded with objects, orbits, element
  sets and observations at mixed markings; key of COMBINED_OPS). Baseline in the same
  run: ``/api/v1/healthz`` (routing + auth-free JSON), and the ratio of each endpoint's
  p50 to it.
* End-to-end: an observation published on the in-process stream, consumed into the
  store by ``consume_into``, polled for through ``GET /api/v1/observations`` until the
  API shows it. Baseline: the same observation written straight into the store, then
  polled for the same way.
"""

from __future__ import annotations

import asyncio
import math
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.api import create_app
from beltwatch.sharing import load_policy
from beltwatch.store import open_store
from beltwatch.stream import DEFAULT_PREFIX, MemoryBroker, MemoryStream, consume_into
from beltwatch.values import ElementSet, Markings, Observation, OrbitState

T0 = Time("2026-05-24T00:00:00", scale="utc")
MARKS = [
    Markings("USA", "RESTRICTED", frozenset({"FVEY"})),
    Markings("USA", "PARTNER", frozenset({"FVEY", "JPN"})),
    Markings("USA", "PUBLIC", frozenset({"GLOBAL_SENTINEL"})),
    Markings("USA", "RESTRICTED", frozenset()),
]
CLIENTS = 8


def _observation(i: int, norad_id: int, marks: Markings, t: Time | None = None) -> Observation:
    rng = np.random.default_rng(i)
    return Observation(
        obs_id=f"bench-{i}",
        time=t if t is not None else T0 + TimeDelta(5.0 * i, format="sec"),
        ra_rad=float(rng.uniform(0, 2 * math.pi)),
        dec_rad=float(rng.uniform(-0.2, 0.2)),
        ra_sigma_rad=5e-6,
        dec_sigma_rad=5e-6,
        observer_position_km=rng.normal(0, 30000.0, 3),
        observer_velocity_km_s=rng.normal(0, 3.0, 3),
        sensor_id="QZS6-WFC",
        markings=marks,
        norad_id=norad_id,
    )


def _seed(store, n_objects: int, n_obs: int) -> None:
    for k in range(n_objects):
        norad_id = 40000 + k
        marks = MARKS[k % len(MARKS)]
        ang = 2 * math.pi * k / n_objects
        radius = 42164.17
        store.add_orbit(
            OrbitState(
                T0,
                radius * np.array([math.cos(ang), math.sin(ang), 0.0]),
                3.0747 * np.array([-math.sin(ang), math.cos(ang), 0.0]),
                norad_id=norad_id,
                markings=marks,
            ),
            source="bench",
            rms_arcsec=0.8,
        )
        store.add_element_sets(
            [
                ElementSet(
                    norad_id,
                    T0 + TimeDelta(86400.0 * d, format="sec"),
                    1.0027,
                    1e-4,
                    1e-3,
                    0.0,
                    0.0,
                    ang,
                    markings=marks,
                )
                for d in range(3)
            ],
            source="bench",
        )
    store.add_observations(
        [_observation(i, 40000 + i % n_objects, MARKS[i % len(MARKS)]) for i in range(n_obs)]
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app) -> tuple[str, object, threading.Thread]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


async def _load(url: str, key: str, seconds: float) -> list[float]:
    """Latencies (s) of requests from CLIENTS concurrent clients for ``seconds``."""
    stop_at = time.perf_counter() + seconds
    latencies: list[float] = []

    async def worker() -> None:
        async with httpx.AsyncClient(headers={"X-API-Key": key}, timeout=30.0) as client:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status_code}")

    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return latencies


def _pct_ms(values: list[float]) -> dict:
    arr = np.asarray(values) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 2),
        "p99_ms": round(float(np.percentile(arr, 99)), 2),
        "requests": int(arr.size),
    }


def _visible_after(client: httpx.Client, obs: Observation, t0: float, key: str) -> float:
    """Seconds from ``t0`` until the API lists ``obs``."""
    params = {"norad_id": obs.norad_id, "start": "2026-05-30T00:00:00Z", "limit": 1000}
    while True:
        items = client.get("/api/v1/observations", params=params).json()["items"]
        if any(o["obs_id"] == obs.obs_id for o in items):
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > 30:
            raise RuntimeError(f"{obs.obs_id} never became visible")
        time.sleep(0.002)


def _end_to_end(base: str, store, broker: MemoryBroker, key: str, n: int) -> dict:
    loop = asyncio.new_event_loop()
    stop = threading.Event()
    publisher = MemoryStream(broker)

    async def consume() -> None:
        await consume_into(
            MemoryStream(broker),
            f"{DEFAULT_PREFIX}.observations.>",
            None,
            store.add_observations,
            batch=100,
            stop=stop,
            fetch_timeout_s=0.2,
        )

    consumer = threading.Thread(target=lambda: loop.run_until_complete(consume()), daemon=True)
    consumer.start()
    marks = MARKS[0]
    e2e, direct = [], []
    publish_loop = asyncio.new_event_loop()
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30.0) as client:
        for i in range(n):
            t = Time("2026-06-01T00:00:00", scale="utc") + TimeDelta(10.0 * i, format="sec")
            obs = _observation(10_000_000 + i, 40000, marks, t)
            t0 = time.perf_counter()
            publish_loop.run_until_complete(publisher.publish("observations", obs))
            e2e.append(_visible_after(client, obs, t0, key))
            base_obs = _observation(20_000_000 + i, 40000, marks, t + TimeDelta(5.0, format="sec"))
            t0 = time.perf_counter()
            store.add_observations([base_obs])
            direct.append(_visible_after(client, base_obs, t0, key))
    stop.set()
    consumer.join(timeout=10)
    publish_loop.close()
    return {"published": _pct_ms(e2e), "baseline_direct_store": _pct_ms(direct)}


def run(seconds: float = 8.0, n_objects: int = 60, n_obs: int = 3000, n_e2e: int = 40) -> dict:
    figures: dict = {"clients": CLIENTS, "seconds_per_endpoint": seconds}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        _seed(store, n_objects, n_obs)
        key = store.add_api_key("COMBINED_OPS")[1]
        broker = MemoryBroker()
        app = create_app(
            store, MemoryStream(broker), policy=load_policy(), audit_log=Path(tmp) / "a.jsonl"
        )
        base, server, thread = _serve(app)
        try:
            endpoints = {
                "healthz": "/api/v1/healthz",
                "observations_page100": "/api/v1/observations?limit=100",
                "objects_page20": "/api/v1/objects?limit=20",
                "object_detail": "/api/v1/objects/40000",
            }
            latency = {}
            for name, path in endpoints.items():
                latency[name] = _pct_ms(asyncio.run(_load(base + path, key, seconds)))
            base_p50 = latency["healthz"]["p50_ms"]
            for name in endpoints:
                if name != "healthz":
                    latency[name]["ratio_p50_over_healthz"] = round(
                        latency[name]["p50_ms"] / base_p50, 1
                    )
            figures["query_latency"] = latency
            e2e = _end_to_end(base, store, broker, key, n_e2e)
            e2e["ratio_p50_published_over_direct"] = round(
                e2e["published"]["p50_ms"] / e2e["baseline_direct_store"]["p50_ms"], 2
            )
            figures["publish_to_api"] = e2e
        finally:
            server.should_exit = True  # type: ignore[attr-defined]
            thread.join(timeout=10)
            store.close()
    figures["seeded"] = {"objects": n_objects, "observations": n_obs}
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
