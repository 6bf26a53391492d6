"""Stream fixtures: the same contract over the in-process stream and real NATS JetStream.

Each test gets its own subject prefix and JetStream stream (so tests run in parallel),
deleted afterwards. NATS is the server at 127.0.0.1:4222; where it is absent the NATS
half skips, except under BELTWATCH_REQUIRE_SERVICES=1, where it fails. Tests that must
restart a server start their own (``own_nats``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from beltwatch.stream import MemoryBroker, Stream, open_stream

# The mixed-markings dataset and the independent policy oracle of the sharing tests.
from ..sharing.conftest import (  # noqa: F401  (fixtures re-exported for these tests)
    MARKINGS,
    alert,
    dataset,
    element_set,
    event,
    observation,
    oracle,
    state,
)

NATS_URL = "nats://127.0.0.1:4222"
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
ACK_WAIT_S = 1.0  # short, so that redelivery tests are quick


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_service(reason: str) -> None:
    """Skip with ``reason``, or fail under BELTWATCH_REQUIRE_SERVICES=1."""
    if os.environ.get("BELTWATCH_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (BELTWATCH_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def nats_url() -> str:
    if not _reachable("127.0.0.1", 4222):
        require_service(f"NATS JetStream not reachable at {NATS_URL}")
    return NATS_URL


@dataclass
class Backend:
    """One stream backend for one test: ``connect()`` opens a new connection to the same
    stream (same broker / same JetStream stream), each with the test's own prefix."""

    name: str
    url: str | None
    prefix: str
    broker: MemoryBroker | None = None
    options: dict = field(default_factory=dict)

    async def connect(self) -> Stream:
        if self.broker is not None:
            return await open_stream(None, broker=self.broker, prefix=self.prefix)
        return await open_stream(self.url, prefix=self.prefix, **self.options)

    def subject(self, rest: str) -> str:
        return f"{self.prefix}.{rest}"

    def cleanup(self) -> None:
        if self.broker is not None:
            return

        async def delete() -> None:
            stream = await self.connect()
            await stream.delete_stream()  # type: ignore[attr-defined]
            await stream.close()

        asyncio.run(delete())


def _prefix() -> str:
    return f"bwtest_{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["memory", "nats"])
def backend(request) -> Iterator[Backend]:
    prefix = _prefix()
    if request.param == "memory":
        yield Backend("memory", None, prefix, MemoryBroker(ack_wait_s=ACK_WAIT_S))
        return
    url = request.getfixturevalue("nats_url")
    b = Backend(
        "nats",
        url,
        prefix,
        options={"ack_wait_s": ACK_WAIT_S, "storage": "memory", "duplicate_window_s": 60.0},
    )
    try:
        yield b
    finally:
        b.cleanup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OwnNats:
    """A nats-server of this test (JetStream, file storage in ``store_dir``)."""

    port: int
    store_dir: Path
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = ["-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store_dir)]
        with self.log.open("ab") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(
                [NATS_SERVER, *args], stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + 20
        while not _reachable("127.0.0.1", self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def start_own_nats(directory: Path) -> OwnNats:
    """A nats-server on a free port with its JetStream store in ``directory``."""
    if not Path(NATS_SERVER).exists():
        require_service(f"nats-server not found at {NATS_SERVER}")
    server = OwnNats(free_port(), directory / "jetstream", directory / "nats-server.log")
    server.start()
    return server


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[OwnNats]:
    """A nats-server started for this test on a free port (stopped at teardown)."""
    server = start_own_nats(tmp_path)
    try:
        yield server
    finally:
        server.stop()
