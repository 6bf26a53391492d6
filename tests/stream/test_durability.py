"""Exactly-once storage through failures: 100,000 observations published to NATS JetStream
and consumed by ``beltwatch ingest --from nats://...`` (a separate process) into an SQLite
store, (1) with the consumer SIGKILLed midway and restarted, (2) with the NATS server
stopped and restarted midway. Each time every observation is stored exactly once.

The server is this module's own (it is restarted), with file storage."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.stream import publish_records

from .conftest import MARKINGS, OwnNats, observation, start_own_nats

N = 100_000
PREFIX = "beltwatch"  # the default prefix and subjects, as an operator would run it
pytestmark = pytest.mark.slow  # two runs of 100,000 observations: minutes, not seconds


@dataclass
class Published:
    server: OwnNats
    obs_ids: set[str]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Iterator[Published]:
    server = start_own_nats(tmp_path_factory.mktemp("nats"))
    try:
        base = observation(1, MARKINGS[4])
        dt = TimeDelta(np.arange(N) * 0.5, format="sec")
        times = base.time + dt
        obs = [
            replace(base, obs_id=f"dur-{i:06d}", time=t, ra_rad=0.001 * (i % 6000))
            for i, t in enumerate(times)
        ]
        assert publish_records(server.url, "observations", obs) == N
        yield Published(server, {o.obs_id for o in obs})
    finally:
        server.stop()


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; any still running at teardown (a failed test) is killed."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()


def _ingest(
    started: list, url: str, db: Path, durable: str, idle_exit_s: float
) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from beltwatch.cli import main; main()",
            "ingest",
            "--from",
            url,
            "--db",
            f"sqlite:///{db}",
            "--durable",
            durable,
            "--idle-exit",
            str(idle_exit_s),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started.append(proc)
    return proc


def _stored(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as con:
            return [row[0] for row in con.execute("SELECT obs_id FROM observations")]
    except sqlite3.OperationalError:  # the table is not there yet
        return []


def _wait_for_rows(db: Path, at_least: int, proc: subprocess.Popen, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = len(_stored(db))
        if n >= at_least:
            return n
        if proc.poll() is not None:
            pytest.fail(f"ingest ended early ({proc.returncode}): {proc.stderr.read()}")
        time.sleep(0.2)
    pytest.fail(f"fewer than {at_least} rows after {timeout_s} s")


def _finish(proc: subprocess.Popen, timeout_s: float = 600) -> str:
    out, err = proc.communicate(timeout=timeout_s)
    assert proc.returncode == 0, err
    return out


def _check_exactly_once(db: Path, expected: set[str]) -> None:
    ids = _stored(db)
    assert len(ids) == N
    assert len(set(ids)) == N  # no duplicates
    assert set(ids) == expected


def test_a_killed_consumer_restarts_and_stores_everything_once(published, tmp_path, started):
    db = tmp_path / "kill.db"
    first = _ingest(started, published.server.url, db, "kill", idle_exit_s=5)
    _wait_for_rows(db, N // 5, first, timeout_s=300)
    first.send_signal(signal.SIGKILL)
    first.communicate()  # reaped, its pipes closed
    stored_before = len(_stored(db))
    assert 0 < stored_before < N, "the kill came after everything was stored"
    out = _finish(_ingest(started, published.server.url, db, "kill", idle_exit_s=5))
    # what was stored but not acknowledged before the kill comes again as duplicates
    assert f"inserted {N - stored_before}," in out
    _check_exactly_once(db, published.obs_ids)


def test_a_dropped_nats_connection_is_survived(published, tmp_path, started):
    db = tmp_path / "drop.db"
    proc = _ingest(started, published.server.url, db, "drop", idle_exit_s=15)
    _wait_for_rows(db, N // 5, proc, timeout_s=300)
    published.server.stop()  # the connection drops mid-stream
    during = len(_stored(db))
    time.sleep(1.0)
    assert proc.poll() is None, "the consumer must wait for the server"
    published.server.start()  # same port, same JetStream store
    out = _finish(proc)
    assert during < N
    assert "inserted" in out
    _check_exactly_once(db, published.obs_ids)


def test_sigterm_stops_cleanly_after_the_batch_in_hand(published, tmp_path, started):
    db = tmp_path / "term.db"
    proc = _ingest(started, published.server.url, db, "term", idle_exit_s=5)
    _wait_for_rows(db, 1, proc, timeout_s=300)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    stored = len(_stored(db))
    assert f"inserted {stored}," in out  # what it says it stored is what is there
    assert os.path.getsize(db) > 0
