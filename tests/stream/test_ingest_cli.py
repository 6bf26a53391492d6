"""``beltwatch ingest --from nats://...`` as a user runs it (a separate process)."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

from beltwatch.stream import open_stream

from .conftest import MARKINGS, free_port, observation


def test_ingest_from_a_stream_stores_each_observation_once(run_cli, nats_url, tmp_path):
    prefix = f"bwtest_{uuid.uuid4().hex[:12]}"
    url = f"{nats_url}?prefix={prefix}&storage=memory"
    obs = [observation(i, MARKINGS[i % len(MARKINGS)]) for i in range(50)]
    bad = b'{"v": 1, "kind": "observations", "record": {}}'

    async def publish() -> None:
        stream = await open_stream(url)
        try:
            await stream.publish_many("observations", obs[:30])
            await stream.publish_raw(f"{prefix}.observations.101", bad, {"Nats-Msg-Id": "bad"})
            await stream.publish_many("observations", obs[20:])  # 20..29 are repeats
        finally:
            await stream.close()

    async def cleanup() -> None:
        stream = await open_stream(url)
        await stream.delete_stream()  # type: ignore[attr-defined]
        await stream.close()

    asyncio.run(publish())
    db = tmp_path / "s.db"
    try:
        args = ("ingest", "--from", url, "--db", f"sqlite:///{db}", "--idle-exit", "1")
        first = run_cli(*args)
        assert first.returncode == 0, first.stderr
        assert "inserted 50, duplicates 0, rejected 0, dead-lettered 1" in first.stdout
        again = run_cli(*args)  # the durable consumer has acked everything
        assert again.returncode == 0, again.stderr
        assert "inserted 0, duplicates 0, rejected 0, dead-lettered 0" in again.stdout
    finally:
        asyncio.run(cleanup())
    with sqlite3.connect(db) as con:
        ids = sorted(r[0] for r in con.execute("SELECT obs_id FROM observations"))
    assert ids == sorted(o.obs_id for o in obs)


def test_bad_stream_sources_are_one_line_errors(run_cli, tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    closed = f"nats://127.0.0.1:{free_port()}"
    for args, why in [
        (("--from", closed), "cannot connect"),
        (("--from", "memory://"), "in-process"),
        (("--from", closed, "--from", "other.json"), "alone"),
        (("--from", "nats://127.0.0.1:4222", "--idle-exit", "-1"), "positive"),
    ]:
        result = run_cli("ingest", *args, "--db", db, timeout=60)
        assert result.returncode == 2, (args, result.stderr)
        assert why in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
