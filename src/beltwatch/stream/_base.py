"""The stream contract: what both implementations (in-process, NATS JetStream) do.

A :class:`Stream` publishes records of a kind under ``<prefix>.<kind>.<key>``
subjects, de-duplicated by message id within a window, and hands them out through
consumers: a durable consumer (named) keeps its position and its unacknowledged
messages across reconnects; an ephemeral one (no name) lives as long as its
subscription. Every delivery must be acknowledged (``ack``) or it is delivered
again after the ack wait; ``nak`` asks for redelivery at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from beltwatch.errors import BeltwatchError, InputError
from beltwatch.sharing import RECORD_KINDS
from beltwatch.stream._codec import (
    DEAD_LETTER,
    HEADER_ERROR,
    HEADER_KIND,
    HEADER_MSG_ID,
    HEADER_ORIGINAL_SUBJECT,
    dead_letter_subject,
    decode_records,
    default_msg_id,
    encode_record,
    headers_for,
    kind_of_subject,
    subject_for,
)

LOG = logging.getLogger("beltwatch.stream")


class StreamError(BeltwatchError):
    """The stream failed to take a message (server gone, no reply in time): nothing of
    the failing call is known to be stored; publishing again is safe (de-duplication)."""


Start = Literal["all", "new"]


@dataclass
class Delivery:
    """One message handed to a consumer.

    ``record`` is the decoded record, or None when the payload could not be decoded
    (``error`` says why; ``data`` holds the payload as received). ``redelivered`` is
    true when this message was delivered to this consumer before.
    """

    kind: str
    record: Any
    msg_id: str
    subject: str
    redelivered: bool
    data: bytes = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    error: str | None
    _ack: Callable[[], Awaitable[None]] = field(repr=False)
    _nak: Callable[[], Awaitable[None]] = field(repr=False)

    @property
    def is_dead_letter(self) -> bool:
        """A message on a ``<prefix>.deadletter.<kind>`` subject."""
        return self.kind == DEAD_LETTER

    async def ack(self) -> None:
        """Done with it: it is not delivered to this consumer again."""
        await self._ack()

    async def nak(self) -> None:
        """Not done: deliver it again (now)."""
        await self._nak()


Raw = tuple[
    str,
    bytes,
    Mapping[str, str] | None,
    bool,
    Callable[[], Awaitable[None]],
    Callable[[], Awaitable[None]],
]


def make_deliveries(prefix: str, raw: Sequence[Raw]) -> list[Delivery]:
    """Deliveries of fetched messages ``(subject, data, headers, redelivered, ack, nak)``,
    payloads decoded by their subject's kind (never raises: an undecodable payload is a
    delivery with ``record`` None and ``error`` set)."""
    kinds = [kind_of_subject(subject, prefix) for subject, *_ in raw]
    headers = [dict(m[2] or {}) for m in raw]
    records: list[Any] = [None] * len(raw)
    errors: list[str | None] = [None] * len(raw)
    wanted: dict[str, list[int]] = {}
    for i, kind in enumerate(kinds):
        if kind == DEAD_LETTER:
            errors[i] = headers[i].get(HEADER_ERROR, "dead letter")
        elif kind not in RECORD_KINDS:
            errors[i] = f"subject {raw[i][0]!r} names no record kind"
        elif headers[i].get(HEADER_KIND, kind) != kind:
            errors[i] = (
                f"header {HEADER_KIND}={headers[i].get(HEADER_KIND)!r} disagrees with the subject"
            )
        else:
            wanted.setdefault(kind, []).append(i)
    for kind, rows in wanted.items():
        for i, decoded in zip(rows, decode_records(kind, [raw[i][1] for i in rows]), strict=True):
            if isinstance(decoded, InputError):
                errors[i] = str(decoded)
            else:
                records[i] = decoded
    return [
        Delivery(
            kind=kinds[i],
            record=records[i],
            msg_id=headers[i].get(HEADER_MSG_ID, ""),
            subject=subject,
            redelivered=redelivered,
            data=data,
            headers=headers[i],
            error=errors[i],
            _ack=ack,
            _nak=nak,
        )
        for i, (subject, data, _, redelivered, ack, nak) in enumerate(raw)
    ]


@runtime_checkable
class Consumer(Protocol):
    """A pull consumer over one subject filter."""

    name: str
    durable: bool

    async def fetch(self, batch: int = 100, timeout_s: float = 1.0) -> list[Delivery]:
        """Up to ``batch`` deliveries, waiting at most ``timeout_s`` for the first one
        (an empty list when none came)."""
        ...

    async def unsettled(self) -> int:
        """Messages this consumer still owes: not yet delivered, or delivered and not
        acknowledged (delivered again after the ack wait, e.g. those a killed process had
        in hand). An idle consumer ends only when this is 0, so that nothing is left for
        a later run that this run could have stored."""
        ...

    async def close(self) -> None:
        """Stop fetching (an ephemeral consumer is deleted, a durable one is kept)."""
        ...


@runtime_checkable
class Stream(Protocol):
    """A connection to a record stream (see the module docstring)."""

    url: str
    prefix: str

    async def publish(self, kind: str, record: Any, *, msg_id: str | None = None) -> bool:
        """Publish one record; False when the stream already had ``msg_id`` (default:
        :func:`beltwatch.sharing.record_id`) within its duplicate window."""
        ...

    async def publish_many(self, kind: str, records: Iterable[Any]) -> int:
        """Publish records (pipelined); the number that were new (not duplicates)."""
        ...

    async def publish_raw(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> bool:
        """Publish bytes as they are (dead letters, foreign producers, tests)."""
        ...

    async def consumer(
        self, subject_filter: str, *, durable: str | None = None, start: Start = "all"
    ) -> Consumer:
        """A consumer of ``subject_filter`` (NATS wildcards ``*`` and ``>``): the durable
        one of that name (created on first use, starting at ``start``), or a new
        ephemeral one."""
        ...

    def subscribe(
        self,
        subject_filter: str,
        *,
        durable: str | None = None,
        start: Start = "all",
        batch: int = 100,
    ) -> AsyncIterator[Delivery]:
        """Deliveries of ``subject_filter`` as they come (an endless async iterator: stop
        by breaking out of the loop)."""
        ...

    async def delete_consumer(self, durable: str) -> bool:
        """Forget a durable consumer; False when there was none."""
        ...

    async def close(self) -> None:
        """Flush what was sent (acks included) and disconnect."""
        ...

    async def __aenter__(self) -> Any:
        """``async with await open_stream(url) as stream:`` closes it on leaving."""
        ...

    async def __aexit__(self, *exc: object) -> None: ...


async def subscribe_with(
    stream: Stream,
    subject_filter: str,
    *,
    durable: str | None,
    start: Start,
    batch: int,
    idle_s: float = 1.0,
) -> AsyncIterator[Delivery]:
    """The one :meth:`Stream.subscribe` loop: fetch batches from a consumer, yield each."""
    consumer = await stream.consumer(subject_filter, durable=durable, start=start)
    try:
        while True:
            for delivery in await consumer.fetch(batch, idle_s):
                yield delivery
    finally:
        await consumer.close()


async def dead_letter(stream: Stream, delivery: Delivery, reason: str) -> None:
    """Move an undecodable delivery to ``<prefix>.deadletter.<kind>`` (payload and headers
    kept, plus the reason and original subject), log it, then ack the original."""
    LOG.warning("dead letter: %s (msg id %r): %s", delivery.subject, delivery.msg_id or "-", reason)
    headers = {k: v for k, v in delivery.headers.items() if k != HEADER_MSG_ID}
    headers[HEADER_ERROR] = reason[:1000]
    headers[HEADER_ORIGINAL_SUBJECT] = delivery.subject
    if delivery.msg_id:  # dead-lettering the same message twice (after a crash) stores it once
        headers[HEADER_MSG_ID] = f"{DEAD_LETTER}:{delivery.msg_id}"
    await stream.publish_raw(
        dead_letter_subject(delivery.kind, stream.prefix), delivery.data, headers
    )
    await delivery.ack()


def subject_matches(subject_filter: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, ``>`` one or more trailing tokens."""
    want, got = subject_filter.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(got) > i
        if i >= len(got) or (token != "*" and token != got[i]):
            return False
    return len(want) == len(got)


class StreamBase:
    """What both implementations share: encoding, subjects, headers, the subscribe loop.

    Subclasses provide :meth:`publish_raw`, :meth:`consumer`, :meth:`delete_consumer`
    and :meth:`close`.
    """

    url: str
    prefix: str
    # How many publishes are in flight at once in publish_many.
    publish_window: int = 256

    async def publish_raw(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> bool:
        raise NotImplementedError

    async def consumer(
        self, subject_filter: str, *, durable: str | None = None, start: Start = "all"
    ) -> Consumer:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> StreamBase:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _message(self, kind: str, record: Any, msg_id: str | None) -> tuple[str, bytes, dict]:
        data = encode_record(kind, record)  # refuses unmarked records first
        headers = headers_for(kind, record, msg_id or default_msg_id(record))
        return subject_for(kind, record, self.prefix), data, headers

    async def publish(self, kind: str, record: Any, *, msg_id: str | None = None) -> bool:
        return await self.publish_raw(*self._message(kind, record, msg_id))

    async def publish_many(self, kind: str, records: Iterable[Any]) -> int:
        # Every record is encoded (and checked) before the first is sent.
        messages = [self._message(kind, r, None) for r in records]
        new = 0
        for start in range(0, len(messages), self.publish_window):
            chunk = messages[start : start + self.publish_window]
            results = await asyncio.gather(*(self.publish_raw(*m) for m in chunk))
            new += sum(results)
        return new

    def subscribe(
        self,
        subject_filter: str,
        *,
        durable: str | None = None,
        start: Start = "all",
        batch: int = 100,
    ) -> AsyncIterator[Delivery]:
        return subscribe_with(
            self,  # type: ignore[arg-type]
            subject_filter,
            durable=durable,
            start=start,
            batch=batch,
        )
