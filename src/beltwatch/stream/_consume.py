"""Consumers with a purpose: partner feeds (through the release gate) and store ingest."""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from beltwatch.errors import InputError
from beltwatch.sharing import RECORD_KINDS, Policy, release
from beltwatch.stream._base import LOG, Delivery, Start, Stream, dead_letter


def _runs(deliveries: list[Delivery]) -> list[list[Delivery]]:
    """Consecutive deliveries of the same kind, in order."""
    out: list[list[Delivery]] = []
    for d in deliveries:
        if out and out[-1][0].kind == d.kind:
            out[-1].append(d)
        else:
            out.append([d])
    return out


class PartnerFeed:
    """What one partner may receive from a stream, as ``(kind, record)`` pairs.

    Every record goes through :func:`beltwatch.sharing.release` (the one gate) for
    ``partner`` under ``policy``; what it releases is yielded (sanitised where a rule
    said so), what it withholds is acknowledged and counted, never yielded. Messages of
    other kinds, dead letters and undecodable messages are acknowledged and counted. A
    released record is acknowledged once the loop asks for the next one, so with a
    ``durable`` consumer nothing is lost when the reader stops (it comes again).
    The iteration is endless unless ``idle_exit_s`` is given: then it ends after that
    long without a message.
    """

    def __init__(
        self,
        stream: Stream,
        partner: str,
        policy: Policy,
        *,
        kinds: Sequence[str] = RECORD_KINDS,
        durable: str | None = None,
        start: Start = "all",
        batch: int = 100,
        idle_s: float = 1.0,
        idle_exit_s: float | None = None,
    ) -> None:
        unknown = sorted(set(kinds) - set(RECORD_KINDS))
        if unknown or not kinds:
            raise InputError(
                f"kinds must be some of {RECORD_KINDS}, got {list(kinds)}", field="kinds"
            )
        self.partner = policy.partner(partner.upper()).name  # an unknown partner fails here
        self.stream, self.policy, self.kinds = stream, policy, tuple(kinds)
        self.durable, self.start, self.batch, self.idle_s = durable, start, batch, idle_s
        self.idle_exit_s = idle_exit_s
        self.released: dict[str, int] = dict.fromkeys(self.kinds, 0)
        self.withheld: dict[str, int] = dict.fromkeys(self.kinds, 0)
        self.withheld_reasons: dict[str, int] = {}
        self.skipped = 0  # other kinds and dead letters
        self._items: AsyncGenerator[tuple[str, Any], None] | None = None
        self.undecodable = 0

    @property
    def subject_filter(self) -> str:
        one = self.kinds[0] if len(self.kinds) == 1 else ">"
        return f"{self.stream.prefix}.{one}.>" if one != ">" else f"{self.stream.prefix}.>"

    def counts(self) -> dict[str, Any]:
        """Released and withheld records per kind, withheld reasons, skipped, undecodable."""
        return {
            "released": dict(self.released),
            "withheld": dict(self.withheld),
            "withheld_reasons": dict(self.withheld_reasons),
            "skipped": self.skipped,
            "undecodable": self.undecodable,
        }

    def __aiter__(self) -> PartnerFeed:
        return self

    async def __anext__(self) -> tuple[str, Any]:
        if self._items is None:
            self._items = self._run()
        return await self._items.__anext__()

    async def aclose(self) -> None:
        """Stop: the consumer is closed (unacknowledged records come again to a durable)."""
        if self._items is not None:
            await self._items.aclose()

    async def _run(self) -> AsyncGenerator[tuple[str, Any], None]:
        consumer = await self.stream.consumer(
            self.subject_filter, durable=self.durable, start=self.start
        )
        idle_since = time.monotonic()
        try:
            while True:
                deliveries = await consumer.fetch(self.batch, self.idle_s)
                if not deliveries:
                    idle = time.monotonic() - idle_since
                    done = self.idle_exit_s is not None and idle >= self.idle_exit_s
                    if done and await consumer.unsettled() == 0:
                        return
                    continue
                idle_since = time.monotonic()
                for run in _runs(deliveries):
                    async for item in self._released(run):
                        yield item
        finally:
            await consumer.close()

    async def _released(self, run: list[Delivery]) -> AsyncIterator[tuple[str, Any]]:
        kind = run[0].kind
        if kind not in self.kinds:
            self.skipped += len(run)
            for d in run:
                await d.ack()
            return
        good = []
        for d in run:
            if d.record is None:
                self.undecodable += 1
                LOG.warning(
                    "partner feed %s: undecodable %s (%s)", self.partner, d.subject, d.error
                )
                await d.ack()
            else:
                good.append(d)
        if not good:
            return
        result = release([d.record for d in good], kind, self.partner, self.policy)
        out = iter(result.records)  # released records, in the order of their decisions
        for d, decision in zip(good, result.decisions, strict=True):
            if decision.released:
                self.released[kind] += 1
                yield kind, next(out)
            else:
                self.withheld[kind] += 1
                why = decision.reason or "withheld"
                self.withheld_reasons[why] = self.withheld_reasons.get(why, 0) + 1
            await d.ack()


def partner_feed(
    stream: Stream,
    partner: str,
    policy: Policy,
    *,
    kinds: Sequence[str] = RECORD_KINDS,
    durable: str | None = None,
    start: Start = "all",
    idle_exit_s: float | None = None,
) -> PartnerFeed:
    """A :class:`PartnerFeed`: ``async for kind, record in partner_feed(...)``."""
    return PartnerFeed(
        stream,
        partner,
        policy,
        kinds=kinds,
        durable=durable,
        start=start,
        idle_exit_s=idle_exit_s,
    )


@dataclass
class ConsumeResult:
    """What :func:`consume_into` did: messages received (redeliveries included), records
    handed to the sink, messages dead-lettered or skipped (dead letters, other
    subjects), sink calls, and whether ``stop`` ended it."""

    delivered: int = 0
    stored: int = 0
    dead_lettered: int = 0
    skipped: int = 0
    batches: int = 0
    stopped: bool = False
    kinds: dict[str, int] = field(default_factory=dict)


async def consume_into(
    stream: Stream,
    subject_filter: str,
    durable: str | None,
    sink: Callable[[list], object],
    *,
    batch: int = 500,
    stop: Any = None,
    idle_exit_s: float | None = None,
    max_records: int | None = None,
    fetch_timeout_s: float = 1.0,
) -> ConsumeResult:
    """Deliver records into ``sink`` at least once: each fetched batch is handed over
    (one call per run of one kind, e.g. ``store.add_observations``; may be a coroutine
    function) and acknowledged only after the sink returned. A sink that raises gets
    its batch redelivered (nak) and the error propagates. With an idempotent sink this
    is exactly-once storage.

    An undecodable message goes to ``<prefix>.deadletter.<kind>`` (logged with its
    subject and message id) and is acknowledged; the rest of its batch proceeds.

    Ends when ``stop`` (an ``asyncio.Event`` or anything with ``is_set()``) is set
    (after the batch in hand), after ``idle_exit_s`` without a message, or once
    ``max_records`` were stored; otherwise runs for ever.
    """
    result = ConsumeResult()
    consumer = await stream.consumer(subject_filter, durable=durable)
    idle_since = time.monotonic()
    try:
        while True:
            if stop is not None and stop.is_set():
                result.stopped = True
                break
            if max_records is not None and result.stored >= max_records:
                break
            deliveries = await consumer.fetch(batch, fetch_timeout_s)
            if not deliveries:
                idle = idle_exit_s is not None and time.monotonic() - idle_since >= idle_exit_s
                if idle and await consumer.unsettled() == 0:
                    break
                continue
            idle_since = time.monotonic()
            result.delivered += len(deliveries)
            await _deliver_batch(stream, deliveries, sink, result)
    finally:
        await consumer.close()
    return result


async def _deliver_batch(
    stream: Stream,
    deliveries: list[Delivery],
    sink: Callable[[list], object],
    result: ConsumeResult,
) -> None:
    done: list[Delivery] = []
    try:
        for run in _runs(deliveries):
            if run[0].is_dead_letter or run[0].kind not in RECORD_KINDS:
                result.skipped += len(run)
                done += run
                continue
            good = []
            for d in run:
                if d.record is None:
                    await dead_letter(stream, d, d.error or "undecodable")
                    result.dead_lettered += 1
                else:
                    good.append(d)
            if good:
                returned = sink([d.record for d in good])
                if inspect.isawaitable(returned):
                    await returned
                result.batches += 1
                result.stored += len(good)
                result.kinds[run[0].kind] = result.kinds.get(run[0].kind, 0) + len(good)
                done += good
    except BaseException:
        settled = {id(d) for d in done}
        for d in deliveries:
            if id(d) not in settled and d.record is not None:
                # the connection may be gone: then the ack wait redelivers it
                with contextlib.suppress(Exception):
                    await d.nak()
        raise
    finally:
        for d in done:
            try:
                await d.ack()
            except Exception as exc:  # a lost ack means a redelivery: the sink is idempotent
                LOG.warning("ack of %s (msg id %r) failed: %s", d.subject, d.msg_id, exc)


async def relay_partner_feed(feed: PartnerFeed, target: Stream) -> int:
    """Publish what ``feed`` releases on ``target`` (a partner's own stream or prefix, e.g.
    ``open_stream(url, prefix="partner.jpn_liaison")``), so that a partner subscribes to
    released records only; subjects and headers are made from the released (sanitised)
    record. Each record is acknowledged upstream after ``target`` stored it; repeats
    after a restart are de-duplicated by id. Returns how many were relayed when the feed
    ends (``idle_exit_s``)."""
    relayed = 0
    async for kind, record in feed:
        await target.publish(kind, record)
        relayed += 1
    return relayed
