"""One contract, two implementations: every test runs over the in-process stream and over
the NATS JetStream server (see conftest.py's ``backend``)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from beltwatch.errors import InputError
from beltwatch.sharing import RECORD_KINDS, record_id
from beltwatch.stream import (
    HEADER_KIND,
    HEADER_MARKING,
    HEADER_MSG_ID,
    Delivery,
    Stream,
    StreamError,
    consume_into,
    encode_record,
    open_stream,
    publish_records,
)

from .conftest import ACK_WAIT_S, MARKINGS, Backend, observation
from .test_codec import same

TIMEOUT_S = 60.0


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT_S))


async def take(stream: Stream, subject: str, n: int, *, durable=None, ack=True) -> list[Delivery]:
    """Exactly ``n`` deliveries (fails on a timeout), acked unless told otherwise."""
    consumer = await stream.consumer(subject, durable=durable)
    out: list[Delivery] = []
    try:
        while len(out) < n:
            out += await consumer.fetch(n - len(out), 0.5)
        if ack:
            for d in out:
                await d.ack()
    finally:
        await consumer.close()
    return out


async def nothing_more(stream: Stream, subject: str, durable: str, wait_s: float) -> bool:
    consumer = await stream.consumer(subject, durable=durable)
    try:
        return await consumer.fetch(10, wait_s) == []
    finally:
        await consumer.close()


def test_every_kind_round_trips_through_the_stream(backend: Backend, dataset):
    async def go():
        stream = await backend.connect()
        try:
            for kind in RECORD_KINDS:
                assert await stream.publish_many(kind, dataset[kind]) == len(dataset[kind])
            got = await take(stream, backend.subject(">"), sum(map(len, dataset.values())))
        finally:
            await stream.close()
        return got

    got = run(go())
    by_id = {(d.kind, d.msg_id): d for d in got}
    for kind in RECORD_KINDS:
        for record in dataset[kind]:
            d = by_id[(kind, record_id(record))]
            assert d.error is None and not d.redelivered
            same(record, d.record)
            assert d.headers[HEADER_KIND] == kind
            assert d.headers[HEADER_MSG_ID] == record_id(record)
            owner = record.markings.owner
            assert d.headers[HEADER_MARKING].startswith(f"{record.markings.level}//OWNER {owner}")
            assert d.subject.startswith(f"{backend.prefix}.{kind}.")


def test_unmarked_records_are_refused_and_nothing_is_published(backend: Backend, dataset):
    async def go():
        stream = await backend.connect()
        try:
            good = dataset["observations"][0]
            bad = replace(dataset["observations"][1], markings=None)
            with pytest.raises(InputError, match="markings"):
                await stream.publish("observations", bad)
            with pytest.raises(InputError, match="markings"):
                await stream.publish_many("observations", [good, bad])
            assert await stream.publish("observations", dataset["observations"][2])
            got = await take(stream, backend.subject("observations.>"), 1, durable="chk")
            assert await nothing_more(stream, backend.subject("observations.>"), "chk", 0.5)
        finally:
            await stream.close()
        return got

    (only,) = run(go())
    assert only.msg_id == dataset["observations"][2].obs_id


def test_publishing_twice_stores_once(backend: Backend, dataset):
    async def go():
        stream = await backend.connect()
        try:
            obs = dataset["observations"][:3]
            assert await stream.publish("observations", obs[0]) is True
            assert await stream.publish("observations", obs[0]) is False
            assert await stream.publish_many("observations", obs) == 2  # obs[0] again: dup
            # an explicit id de-duplicates a changed record too
            assert await stream.publish("observations", obs[1], msg_id="same") is True
            assert await stream.publish("observations", obs[2], msg_id="same") is False
            subject = backend.subject("observations.>")
            got = await take(stream, subject, 4, durable="d")
            assert await nothing_more(stream, subject, "d", 0.5)
        finally:
            await stream.close()
        return got

    got = run(go())
    assert sorted(d.msg_id for d in got) == sorted(["obs-0", "obs-1", "obs-2", "same"])


def test_unacked_messages_come_again_and_acked_ones_do_not(backend: Backend, dataset):
    async def go():
        stream = await backend.connect()
        subject = backend.subject("observations.>")
        try:
            await stream.publish_many("observations", dataset["observations"][:5])
            consumer = await stream.consumer(subject, durable="worker")
            first: list[Delivery] = []
            while len(first) < 5:
                first += await consumer.fetch(5 - len(first), 0.5)
            assert not any(d.redelivered for d in first)
            for d in first[:3]:
                await d.ack()
            await first[3].nak()  # at once
            # first[4]: neither: it comes again after the ack wait
            again: list[Delivery] = []
            while {d.msg_id for d in again} != {d.msg_id for d in first[3:]}:
                batch = await consumer.fetch(5, ACK_WAIT_S * 3)
                for d in batch:  # acked at once (a slow machine might pass the ack wait)
                    await d.ack()
                again += batch
            assert again and all(d.redelivered for d in again)
            extra = await consumer.fetch(5, ACK_WAIT_S * 2.5)
            await consumer.close()
        finally:
            await stream.close()
        return extra

    assert run(go()) == []


def test_a_durable_consumer_resumes_after_reconnecting(backend: Backend, dataset):
    records = dataset["observations"][:10]
    subject = backend.subject("observations.>")

    async def session(n: int) -> list[str]:
        stream = await backend.connect()
        try:
            if n == 4:
                await stream.publish_many("observations", records)
            return [d.msg_id for d in await take(stream, subject, n, durable="resume")]
        finally:
            await stream.close()

    async def rest() -> bool:
        stream = await backend.connect()
        try:
            return await nothing_more(stream, subject, "resume", ACK_WAIT_S * 2)
        finally:
            await stream.close()

    first = run(session(4))
    second = run(session(6))  # a new connection (a new event loop even)
    assert first + second == [r.obs_id for r in records]  # in order, each once
    assert run(rest())


def test_two_durable_consumers_each_get_everything(backend: Backend, dataset):
    async def go():
        stream = await backend.connect()
        try:
            await stream.publish_many("orbits", dataset["orbits"])
            subject = backend.subject("orbits.>")
            a = await take(stream, subject, len(dataset["orbits"]), durable="a")
            b = await take(stream, subject, len(dataset["orbits"]), durable="b")
        finally:
            await stream.close()
        return a, b

    a, b = run(go())
    assert (
        [d.msg_id for d in a] == [d.msg_id for d in b] == [record_id(r) for r in dataset["orbits"]]
    )


def test_a_subject_filter_selects_by_key(backend: Backend, dataset):
    obs = [replace(observation(i, MARKINGS[4]), sensor_id=f"S{i % 2}") for i in range(6)]

    async def go():
        stream = await backend.connect()
        try:
            await stream.publish_many("observations", obs)
            got = await take(stream, backend.subject("observations.S1"), 3, durable="z")
            assert await nothing_more(stream, backend.subject("observations.S1"), "z", 0.5)
        finally:
            await stream.close()
        return got

    assert [d.record.sensor_id for d in run(go())] == ["S1"] * 3


def test_undecodable_messages_go_to_the_dead_letter_subject(backend: Backend, dataset):
    obs = dataset["observations"][:6]
    bad = b'{"v": 1, "kind": "observations", "record": {"obs_id": 7}}'

    async def go():
        stream = await backend.connect()
        try:
            await stream.publish_many("observations", obs[:3])
            subject = backend.subject("observations.101")
            await stream.publish_raw(subject, bad, {HEADER_MSG_ID: "bad-1"})
            await stream.publish_raw(subject, b"\x00garbage", {HEADER_MSG_ID: "bad-2"})
            await stream.publish_many("observations", obs[3:])
            sunk: list[list] = []
            result = await consume_into(
                stream,
                backend.subject("observations.>"),
                "ingest",
                sunk.append,
                batch=4,
                idle_exit_s=1.0,
            )
            letters = await take(stream, backend.subject("deadletter.>"), 2)
            again = await consume_into(
                stream, backend.subject("observations.>"), "ingest", sunk.append, idle_exit_s=0.5
            )
        finally:
            await stream.close()
        return sunk, result, letters, again

    sunk, result, letters, again = run(go())
    assert [r.obs_id for batch in sunk for r in batch] == [o.obs_id for o in obs]
    assert result.dead_lettered == 2 and result.stored == 6 and result.delivered == 8
    assert again.delivered == 0  # everything was acked, the bad ones too
    assert sorted(d.data for d in letters) == sorted([bad, b"\x00garbage"])
    for d in letters:
        assert d.is_dead_letter and d.record is None
        assert d.subject == f"{backend.prefix}.deadletter.observations"
        assert d.headers["Beltwatch-Original-Subject"] == f"{backend.prefix}.observations.101"
        assert d.headers["Beltwatch-Error"]
        assert d.headers[HEADER_MSG_ID] in ("deadletter:bad-1", "deadletter:bad-2")


def test_a_failing_sink_gets_its_batch_again(backend: Backend, dataset):
    obs = dataset["observations"][:5]
    calls: list[int] = []

    def flaky(records: list) -> None:
        calls.append(len(records))
        if len(calls) == 1:
            raise RuntimeError("database is down")

    async def go():
        stream = await backend.connect()
        subject = backend.subject("observations.>")
        try:
            await stream.publish_many("observations", obs)
            with pytest.raises(RuntimeError, match="down"):
                await consume_into(stream, subject, "ingest", flaky, idle_exit_s=0.5)
            stored: list = []

            def sink(records: list) -> None:
                flaky(records)
                stored.extend(records)

            result = await consume_into(stream, subject, "ingest", sink, idle_exit_s=0.5)
        finally:
            await stream.close()
        return stored, result

    stored, result = run(go())
    assert [r.obs_id for r in stored] == [o.obs_id for o in obs]
    assert result.stored == 5 and calls == [5, 5]


def test_consume_into_stops_when_told(backend: Backend, dataset):
    async def go():
        stream = await backend.connect()
        try:
            await stream.publish_many("events", dataset["events"])
            stop = asyncio.Event()
            got: list = []

            def sink(records: list) -> None:
                got.extend(records)
                stop.set()  # stop after this batch: it is still acked

            result = await consume_into(
                stream, backend.subject("events.>"), "e", sink, batch=5, stop=stop
            )
            rest = await take(
                stream, backend.subject("events.>"), len(dataset["events"]) - 5, durable="e"
            )
        finally:
            await stream.close()
        return got, result, rest

    got, result, rest = run(go())
    assert result.stopped and result.stored == 5 and len(got) == 5
    assert {d.msg_id for d in rest}.isdisjoint(e.event_id for e in got)


def test_publish_records_from_synchronous_code(backend: Backend, dataset):
    if backend.broker is not None:
        n = publish_records(
            "memory://", "orbits", dataset["orbits"], broker=backend.broker, prefix=backend.prefix
        )
    else:
        n = publish_records(
            backend.url, "orbits", dataset["orbits"], prefix=backend.prefix, **backend.options
        )
    assert n == len(dataset["orbits"])

    async def go():
        stream = await backend.connect()
        try:
            return await take(stream, backend.subject("orbits.>"), n)
        finally:
            await stream.close()

    assert [d.msg_id for d in run(go())] == [record_id(r) for r in dataset["orbits"]]


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://127.0.0.1:4222", "expected a stream URL"),
        ("nats://", "no host"),
        ("nats://127.0.0.1:notaport", "port"),
        ("nats://127.0.0.1:4222?colour=red", "unknown option"),
        ("nats://127.0.0.1:4222?ack_wait_s=soon", "not a number"),
    ],
)
def test_bad_urls_are_input_errors(url, why):
    with pytest.raises(InputError, match=why) as err:
        asyncio.run(open_stream(url))
    assert url in str(err.value)


def test_an_unreachable_server_is_an_input_error_naming_the_url():
    from .conftest import free_port

    url = f"nats://127.0.0.1:{free_port()}"
    with pytest.raises(InputError, match="cannot connect") as err:
        asyncio.run(asyncio.wait_for(open_stream(url), 30))
    assert url in str(err.value)


def test_encoded_payload_is_what_travels(backend: Backend, dataset):
    """publish sends encode_record's bytes (foreign consumers can rely on the format)."""
    record = dataset["conjunctions"][0]

    async def go():
        stream = await backend.connect()
        try:
            await stream.publish("conjunctions", record)
            return await take(stream, backend.subject("conjunctions.>"), 1)
        finally:
            await stream.close()

    (d,) = run(go())
    assert d.data == encode_record("conjunctions", record)


def test_a_prefix_taken_by_another_stream_is_an_input_error(nats_url):
    from .conftest import Backend, _prefix

    owner = Backend("nats", nats_url, _prefix(), options={"storage": "memory"})

    async def go():
        first = await owner.connect()
        try:
            with pytest.raises(InputError, match="not usable") as err:
                await open_stream(nats_url, prefix=owner.prefix, stream_name="SOME_OTHER_NAME")
            assert nats_url in str(err.value)
        finally:
            await first.close()

    try:
        run(go())
    finally:
        owner.cleanup()


def test_publishing_while_the_server_is_down_is_a_stream_error_then_it_recovers(own_nats, dataset):
    obs = dataset["observations"]

    async def go():
        stream = await open_stream(own_nats.url)  # its own server: the default prefix
        try:
            assert await stream.publish("observations", obs[0])
            own_nats.stop()
            with pytest.raises(StreamError, match="publish"):
                await stream.publish("observations", obs[1])
            own_nats.start()  # same port and store: the client reconnects by itself
            for _ in range(100):
                try:
                    assert await stream.publish("observations", obs[1])
                    break
                except StreamError:
                    await asyncio.sleep(0.2)
            assert await stream.publish("observations", obs[0]) is False  # still known
            got = await take(stream, f"{stream.prefix}.observations.>", 2, durable="after")
        finally:
            await stream.close()
        return got

    assert sorted(d.msg_id for d in run(go())) == ["obs-0", "obs-1"]


def test_publish_records_to_a_new_in_process_broker_is_refused(dataset):
    with pytest.raises(InputError, match="broker"):
        publish_records(None, "orbits", dataset["orbits"])


def test_in_process_publishes_from_another_thread_wake_a_waiting_consumer(dataset):
    """The API's loop waits on the broker while batch code publishes from its thread."""
    import threading

    from beltwatch.stream import MemoryBroker

    broker = MemoryBroker()
    records = dataset["events"]

    async def go():
        async with await open_stream(None, broker=broker) as stream:
            consumer = await stream.consumer("beltwatch.events.>")
            worker = threading.Thread(
                target=publish_records, args=(None, "events", records), kwargs={"broker": broker}
            )
            worker.start()
            got: list[Delivery] = []
            while len(got) < len(records):
                got += await consumer.fetch(100, 5.0)
            worker.join()
            await consumer.close()
        return got

    assert [d.msg_id for d in run(go())] == [e.event_id for e in records]


def test_an_idle_consumer_waits_for_what_a_killed_one_had_in_hand(backend: Backend, dataset):
    """Messages delivered to a consumer that died without acking are owed: a later run
    with an idle exit shorter than the ack wait still stores them before it ends."""
    obs = dataset["observations"][:5]

    async def go():
        stream = await backend.connect()
        try:
            await stream.publish_many("observations", obs)
            subject = backend.subject("observations.>")
            crashed = await stream.consumer(subject, durable="ingest")
            in_hand = await crashed.fetch(3, 5.0)  # never acked: the process "died"
            owed = await crashed.unsettled()
            sunk: list[list] = []
            result = await consume_into(  # idle exit well inside the ack wait (1 s)
                stream, subject, "ingest", sunk.append, idle_exit_s=0.2, fetch_timeout_s=0.1
            )
            left = await (await stream.consumer(subject, durable="ingest")).unsettled()
        finally:
            await stream.close()
        return len(in_hand), owed, sunk, result, left

    in_hand, owed, sunk, result, left = run(go())
    assert in_hand == 3 and owed == 5  # 3 unacknowledged + 2 not yet delivered
    assert sorted(r.obs_id for batch in sunk for r in batch) == sorted(o.obs_id for o in obs)
    assert result.stored == 5 and left == 0
