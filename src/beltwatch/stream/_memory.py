"""The in-process stream: a :class:`MemoryBroker` (the "server") and connections to it.

It keeps JetStream's contract: messages are kept in order (up to ``max_messages``,
oldest dropped first), de-duplicated by message id within ``duplicate_window_s``,
consumers are durable (named, kept by the broker across connections) or ephemeral,
and a delivery not acknowledged within ``ack_wait_s`` is delivered again. Thread-safe:
one broker may serve connections in several threads and event loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from beltwatch.errors import InputError
from beltwatch.stream._base import (
    Delivery,
    Raw,
    Start,
    StreamBase,
    make_deliveries,
    subject_matches,
)
from beltwatch.stream._codec import DEFAULT_PREFIX, HEADER_MSG_ID, check_prefix


@dataclass(frozen=True)
class _Message:
    seq: int
    subject: str
    data: bytes
    headers: Mapping[str, str]


@dataclass
class _ConsumerState:
    subject_filter: str
    next_seq: int
    pending: dict[int, float] = field(default_factory=dict)  # seq -> redelivery deadline
    deliveries: dict[int, int] = field(default_factory=dict)  # seq -> times delivered


class MemoryBroker:
    """The in-process "server" of :class:`MemoryStream` connections."""

    def __init__(
        self,
        *,
        duplicate_window_s: float = 120.0,
        ack_wait_s: float = 30.0,
        max_messages: int = 1_000_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.duplicate_window_s = duplicate_window_s
        self.ack_wait_s = ack_wait_s
        self.max_messages = max_messages
        self._clock = clock
        self._lock = threading.Lock()
        self._messages: list[_Message] = []
        self._first_seq = 1  # sequence number of _messages[0]
        self._ids: dict[tuple[str, str], float] = {}  # (scope, msg id) -> first published
        self._consumers: dict[str, _ConsumerState] = {}
        self._waiters: set[asyncio.Future] = set()
        self._names = itertools.count(1)

    # -- publishing ---------------------------------------------------------------------
    def append(
        self, subject: str, data: bytes, headers: Mapping[str, str], scope: str = ""
    ) -> bool:
        """Store a message; False (not stored) when its id is a duplicate within the window
        in its ``scope`` (the prefix: one JetStream stream de-duplicates its own messages)."""
        with self._lock:
            now = self._clock()
            msg_id = headers.get(HEADER_MSG_ID)
            if msg_id:
                key = (scope, msg_id)
                seen = self._ids.get(key)
                if seen is not None and now - seen < self.duplicate_window_s:
                    return False
                self._ids[key] = now
                if len(self._ids) > 2 * self.max_messages:
                    self._forget_ids(now)
            seq = self._first_seq + len(self._messages)
            self._messages.append(_Message(seq, subject, data, dict(headers)))
            if len(self._messages) > self.max_messages:
                drop = len(self._messages) - self.max_messages
                del self._messages[:drop]
                self._first_seq += drop
            waiters, self._waiters = self._waiters, set()
        _wake_all(waiters)
        return True

    def _forget_ids(self, now: float) -> None:
        self._ids = {k: t for k, t in self._ids.items() if now - t < self.duplicate_window_s}

    # -- consumers ----------------------------------------------------------------------
    def open_consumer(self, subject_filter: str, durable: str | None, start: Start) -> str:
        """The name of the durable consumer (created if new) or of a new ephemeral one."""
        with self._lock:
            if durable is not None:
                state = self._consumers.get(durable)
                if state is not None:
                    if state.subject_filter != subject_filter:
                        raise InputError(
                            f"durable consumer {durable!r} exists with filter "
                            f"{state.subject_filter!r}, not {subject_filter!r}",
                            field="durable",
                        )
                    return durable
                name = durable
            else:
                name = f"_ephemeral{next(self._names)}"
            first = self._first_seq + len(self._messages) if start == "new" else self._first_seq
            self._consumers[name] = _ConsumerState(subject_filter, first)
            return name

    def delete_consumer(self, name: str) -> bool:
        with self._lock:
            return self._consumers.pop(name, None) is not None

    def take(self, name: str, batch: int) -> list[tuple[_Message, bool]]:
        """Up to ``batch`` messages for consumer ``name`` (due redeliveries first), each
        with whether it is a redelivery; they are pending until acked."""
        with self._lock:
            state = self._consumers.get(name)
            if state is None:
                raise InputError(f"consumer {name!r} was deleted", field="durable")
            now = self._clock()
            out: list[tuple[_Message, bool]] = []
            due = sorted(seq for seq, deadline in state.pending.items() if deadline <= now)
            for seq in due[:batch]:
                index = seq - self._first_seq
                if index < 0:  # dropped by the retention limit
                    state.pending.pop(seq)
                    continue
                out.append((self._messages[index], True))
            seq = max(state.next_seq, self._first_seq)
            end = self._first_seq + len(self._messages)
            while len(out) < batch and seq < end:
                message = self._messages[seq - self._first_seq]
                seq += 1
                if subject_matches(state.subject_filter, message.subject):
                    out.append((message, False))
            state.next_seq = seq
            for message, _ in out:
                state.pending[message.seq] = now + self.ack_wait_s
                state.deliveries[message.seq] = state.deliveries.get(message.seq, 0) + 1
            return out

    def unsettled(self, name: str) -> int:
        """Pending (unacknowledged) plus not yet delivered messages of consumer ``name``."""
        with self._lock:
            state = self._consumers.get(name)
            if state is None:
                return 0
            start = max(state.next_seq, self._first_seq) - self._first_seq
            wanted = state.subject_filter
            waiting = sum(1 for m in self._messages[start:] if subject_matches(wanted, m.subject))
            return len(state.pending) + waiting

    def next_deadline(self, name: str) -> float | None:
        with self._lock:
            state = self._consumers.get(name)
            return min(state.pending.values(), default=None) if state else None

    def settle(self, name: str, seq: int, *, redeliver: bool) -> None:
        """Ack (forget) or nak (due now) a pending message."""
        with self._lock:
            state = self._consumers.get(name)
            if state is None or seq not in state.pending:
                return
            if redeliver:
                state.pending[seq] = self._clock()
            else:
                del state.pending[seq]
                state.deliveries.pop(seq, None)
            waiters, self._waiters = (self._waiters, set()) if redeliver else (set(), self._waiters)
        _wake_all(waiters)

    def waiter(self) -> asyncio.Future:
        """A future of the running loop, woken by the next publish (or nak)."""
        fut = asyncio.get_running_loop().create_future()
        with self._lock:
            self._waiters.add(fut)
        return fut

    def drop_waiter(self, fut: asyncio.Future) -> None:
        with self._lock:
            self._waiters.discard(fut)

    def now(self) -> float:
        return self._clock()


def _wake(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


def _wake_all(waiters: set[asyncio.Future]) -> None:
    """Wake fetches waiting in any thread's loop (a closed loop has no one waiting)."""
    for fut in waiters:
        with contextlib.suppress(RuntimeError):
            fut.get_loop().call_soon_threadsafe(_wake, fut)


class MemoryConsumer:
    """A consumer of a :class:`MemoryBroker` (see :class:`beltwatch.stream.Consumer`)."""

    def __init__(self, broker: MemoryBroker, name: str, durable: bool, prefix: str) -> None:
        self.broker, self.name, self.durable, self.prefix = broker, name, durable, prefix

    async def fetch(self, batch: int = 100, timeout_s: float = 1.0) -> list[Delivery]:
        broker = self.broker
        give_up = broker.now() + timeout_s
        while True:
            fut = broker.waiter()  # registered before looking, so no publish is missed
            try:
                taken = broker.take(self.name, batch)
                if taken:
                    return make_deliveries(self.prefix, [self._raw(m, again) for m, again in taken])
                now = broker.now()
                if now >= give_up:
                    return []
                deadline = broker.next_deadline(self.name)
                wait = min(give_up, deadline if deadline is not None else give_up) - now
                await asyncio.wait({fut}, timeout=max(wait, 0.001))
            finally:
                broker.drop_waiter(fut)

    def _raw(self, message: _Message, redelivered: bool) -> Raw:
        broker, name, seq = self.broker, self.name, message.seq

        async def ack() -> None:
            broker.settle(name, seq, redeliver=False)

        async def nak() -> None:
            broker.settle(name, seq, redeliver=True)

        return message.subject, message.data, message.headers, redelivered, ack, nak

    async def unsettled(self) -> int:
        return self.broker.unsettled(self.name)

    async def close(self) -> None:
        if not self.durable:
            self.broker.delete_consumer(self.name)


class MemoryStream(StreamBase):
    """A connection to a :class:`MemoryBroker` (a new broker when none is given)."""

    def __init__(self, broker: MemoryBroker | None = None, *, prefix: str = DEFAULT_PREFIX):
        self.broker = broker if broker is not None else MemoryBroker()
        self.prefix = check_prefix(prefix)
        self.url = "memory://"
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise InputError("the stream connection is closed", source=self.url)

    async def publish_raw(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> bool:
        self._check_open()
        return self.broker.append(subject, bytes(data), dict(headers or {}), self.prefix)

    async def consumer(
        self, subject_filter: str, *, durable: str | None = None, start: Start = "all"
    ) -> MemoryConsumer:
        self._check_open()
        name = self.broker.open_consumer(subject_filter, durable, start)
        return MemoryConsumer(self.broker, name, durable is not None, self.prefix)

    async def delete_consumer(self, durable: str) -> bool:
        return self.broker.delete_consumer(durable)

    async def close(self) -> None:
        self._closed = True
