"""The near-real-time feed: publish rate and publish -> delivered latency.

Compared in the same run with baselines on the same bytes:

* publish rate: ``Stream.publish_many`` of observations (encode, headers, pipelined
  JetStream publish with de-duplication ids) vs raw nats-py ``js.publish`` of the
  already-encoded payloads with the same ids and the same pipelining; in-process vs
  NATS;
* latency: one record published, then fetched and decoded by a pull consumer
  (``Stream.consumer(...).fetch``), p50/p99 over sequential messages, vs raw nats-py
  publish + pull fetch of the same bytes (no encoding, no decoding);
* consume rate: ``consume_into`` a no-op sink (fetch, decode, ack) vs raw pull fetch +
  ack of the same messages.

NATS figures need the server at 127.0.0.1:4222 (skipped with a note when absent).
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from dataclasses import replace

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.stream import consume_into, encode_record, open_stream, subject_for
from beltwatch.values import Markings, Observation

NATS_URL = "nats://127.0.0.1:4222"
MARK = Markings("USA", "PARTNER", frozenset({"FVEY", "JPN"}))
T0 = Time("2026-05-24T00:00:00", scale="utc")
WINDOW = 256  # publishes in flight, for ours and for the baseline


def _observations(n: int) -> list[Observation]:
    base = Observation(
        obs_id="bench",
        time=T0,
        ra_rad=1.0,
        dec_rad=0.1,
        ra_sigma_rad=5e-6,
        dec_sigma_rad=5e-6,
        observer_position_km=np.array([42164.0, 10.0, 1.0]),
        observer_velocity_km_s=np.array([-0.001, 3.07, 0.0]),
        sensor_id="QZS6-HP",
        markings=MARK,
        magnitude=12.5,
        norad_id=40001,
    )
    times = T0 + TimeDelta(np.arange(n) * 0.5, format="sec")
    return [
        replace(base, obs_id=f"b{i}", time=t, ra_rad=1.0 + 1e-5 * i) for i, t in enumerate(times)
    ]


def _reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=1.0):
            return True
    except OSError:
        return False


def _pct(values_s: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values_s) * 1e3, q)), 3)


async def _ours(url: str | None, obs: list[Observation]) -> dict:
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    options = {"storage": "memory"} if url else {}
    stream = await open_stream(url, prefix=prefix, **options)
    try:
        t = time.perf_counter()
        await stream.publish_many("observations", obs)
        publish_s = time.perf_counter() - t

        t = time.perf_counter()
        result = await consume_into(
            stream, f"{prefix}.observations.>", "bench", lambda r: None, idle_exit_s=0.5
        )
        consume_s = time.perf_counter() - t - 0.5  # less the idle wait that ends it
        assert result.stored == len(obs)

    finally:
        if url:
            await stream.delete_stream()  # type: ignore[attr-defined]
        await stream.close()
    return {"publish_s": publish_s, "consume_s": consume_s}


async def _ours_latency_subject(url: str | None, obs: list[Observation], n: int) -> list[float]:
    """Latency through the stream's own subject (the consumer filters the kind)."""
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    options = {"storage": "memory"} if url else {}
    stream = await open_stream(url, prefix=prefix, **options)
    try:
        consumer = await stream.consumer(f"{prefix}.observations.>", start="new")
        out = []
        for i, record in enumerate(obs[:n]):
            record = replace(record, obs_id=f"lat{i}")
            t = time.perf_counter()
            await stream.publish("observations", record)
            got = []
            while not got:
                got = await consumer.fetch(1, 5.0)
            out.append(time.perf_counter() - t)
            await got[0].ack()
        await consumer.close()
    finally:
        if url:
            await stream.delete_stream()  # type: ignore[attr-defined]
        await stream.close()
    return out


async def _raw(obs: list[Observation], n_latency: int) -> dict:
    """nats-py alone, on the same payloads, ids and subjects."""
    import nats
    from nats.js import api

    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    name = prefix.upper()
    payloads = [
        (subject_for("observations", o, prefix), encode_record("observations", o), o.obs_id)
        for o in obs
    ]
    nc = await nats.connect(NATS_URL)
    js = nc.jetstream()
    await js.add_stream(
        name=name, subjects=[f"{prefix}.>"], storage=api.StorageType.MEMORY, duplicate_window=120
    )
    try:
        t = time.perf_counter()
        for start in range(0, len(payloads), WINDOW):
            await asyncio.gather(
                *(
                    js.publish(s, d, headers={"Nats-Msg-Id": i})
                    for s, d, i in payloads[start : start + WINDOW]
                )
            )
        publish_s = time.perf_counter() - t

        sub = await js.pull_subscribe(f"{prefix}.observations.>", durable="raw", stream=name)
        t = time.perf_counter()
        n = 0
        while n < len(payloads):
            msgs = await sub.fetch(500, timeout=5)
            n += len(msgs)
            for m in msgs:
                await m.ack()
        consume_s = time.perf_counter() - t

        lat_sub = await js.pull_subscribe(
            f"{prefix}.lat.>",
            stream=name,
            config=api.ConsumerConfig(deliver_policy=api.DeliverPolicy.NEW),
        )
        latency = []
        for i, (_, data, _) in enumerate(payloads[:n_latency]):
            t = time.perf_counter()
            await js.publish(f"{prefix}.lat.x", data, headers={"Nats-Msg-Id": f"lat{i}"})
            msgs = await lat_sub.fetch(1, timeout=5)
            latency.append(time.perf_counter() - t)
            await msgs[0].ack()
    finally:
        await js.delete_stream(name)
        await nc.close()
    return {"publish_s": publish_s, "consume_s": consume_s, "latency_s": latency}


def run(n: int = 20_000, n_latency: int = 500) -> dict:
    obs = _observations(n)
    figures: dict = {"observations": n, "latency_messages": n_latency}
    memory = asyncio.run(_ours(None, obs))
    memory["latency_s"] = asyncio.run(_ours_latency_subject(None, obs, n_latency))
    figures["memory_publish_obs_per_s"] = round(n / memory["publish_s"])
    figures["memory_consume_obs_per_s"] = round(n / memory["consume_s"])
    figures["memory_latency_p50_ms"] = _pct(memory["latency_s"], 50)
    figures["memory_latency_p99_ms"] = _pct(memory["latency_s"], 99)
    if not _reachable():
        figures["nats"] = f"skipped: no NATS server at {NATS_URL}"
        return figures
    ours = asyncio.run(_ours(NATS_URL, obs))
    ours["latency_s"] = asyncio.run(_ours_latency_subject(NATS_URL, obs, n_latency))
    raw = asyncio.run(_raw(obs, n_latency))
    figures["nats_publish_obs_per_s"] = round(n / ours["publish_s"])
    figures["baseline_raw_nats_publish_msgs_per_s"] = round(n / raw["publish_s"])
    figures["ratio_publish_time_over_raw"] = round(ours["publish_s"] / raw["publish_s"], 2)
    figures["nats_consume_obs_per_s"] = round(n / ours["consume_s"])
    figures["baseline_raw_nats_fetch_ack_msgs_per_s"] = round(n / raw["consume_s"])
    figures["ratio_consume_time_over_raw"] = round(ours["consume_s"] / raw["consume_s"], 2)
    figures["nats_latency_p50_ms"] = _pct(ours["latency_s"], 50)
    figures["nats_latency_p99_ms"] = _pct(ours["latency_s"], 99)
    figures["baseline_raw_latency_p50_ms"] = _pct(raw["latency_s"], 50)
    figures["baseline_raw_latency_p99_ms"] = _pct(raw["latency_s"], 99)
    figures["ratio_latency_p50_over_raw"] = round(
        figures["nats_latency_p50_ms"] / figures["baseline_raw_latency_p50_ms"], 2
    )
    figures["ratio_nats_over_memory_publish_time"] = round(
        ours["publish_s"] / memory["publish_s"], 2
    )
    return figures
