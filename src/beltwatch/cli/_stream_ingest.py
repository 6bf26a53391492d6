"""``beltwatch ingest --from nats://...``: a durable stream consumer feeding the store.

The ``ingest`` command calls :func:`ingest_from_stream` for ``nats://`` (and
``memory://``) sources. Ctrl-C and SIGTERM stop it after the batch in hand has been
stored and acknowledged: nothing is half-written, and whatever was not acknowledged
is delivered again when it restarts (the store's ingest is idempotent, so nothing
is stored twice).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from beltwatch.errors import InputError
from beltwatch.stream import ConsumeResult, consume_into, open_stream

__all__ = ["DEFAULT_DURABLE", "default_subject", "ingest_from_stream", "is_stream_url"]

DEFAULT_DURABLE = "beltwatch-ingest"


def is_stream_url(source: str) -> bool:
    """Whether ``--from`` names a stream (``nats://``; ``memory://`` too, to refuse it)
    rather than a file."""
    return source.startswith(("nats://", "memory:"))


def default_subject(prefix: str = "beltwatch") -> str:
    return f"{prefix}.observations.>"


def ingest_from_stream(
    url: str,
    subject: str | None,
    durable: str | None,
    sink: Callable[[list], object],
    *,
    batch: int = 500,
    idle_exit_s: float | None = None,
    max_records: int | None = None,
) -> ConsumeResult:
    """Consume ``subject`` (default: every observation) of the NATS stream at ``url`` with the
    durable consumer ``durable`` (default ``beltwatch-ingest``) into ``sink`` until
    Ctrl-C/SIGTERM, ``idle_exit_s`` without messages or ``max_records`` stored."""

    if not url.startswith("nats://"):
        raise InputError(
            "the in-process stream lives inside one process: a separate ingest command "
            "cannot read it (give nats://host:port)",
            source=url,
        )

    async def run() -> ConsumeResult:
        stream = await open_stream(url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        for sig in list(previous):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (RuntimeError, ValueError):  # not the main thread: no signal handling
                previous.pop(sig, None)
                break
        try:
            return await consume_into(
                stream,
                subject or default_subject(stream.prefix),
                durable or DEFAULT_DURABLE,
                sink,
                batch=batch,
                stop=stop,
                idle_exit_s=idle_exit_s,
                max_records=max_records,
            )
        finally:
            for sig, handler in previous.items():
                loop.remove_signal_handler(sig)
                signal.signal(sig, handler)
            await stream.close()

    return asyncio.run(run())
