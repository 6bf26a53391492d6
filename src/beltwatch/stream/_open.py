"""Choosing a stream by URL, and a synchronous publish for batch code."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from beltwatch.errors import InputError
from beltwatch.stream._base import Stream
from beltwatch.stream._memory import MemoryBroker, MemoryStream
from beltwatch.stream._nats import NatsStream

# URL query options of nats:// URLs and their types.
_NATS_OPTIONS = {
    "stream": ("stream_name", str),
    "prefix": ("prefix", str),
    "ack_wait_s": ("ack_wait_s", float),
    "duplicate_window_s": ("duplicate_window_s", float),
    "storage": ("storage", str),
}


def _nats_options(url: str, query: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        if key not in _NATS_OPTIONS:
            raise InputError(
                f"unknown option {key!r} (known: {', '.join(_NATS_OPTIONS)})", source=url
            )
        name, kind = _NATS_OPTIONS[key]
        try:
            out[name] = kind(values[-1])
        except ValueError:
            raise InputError(f"option {key}={values[-1]!r} is not a number", source=url) from None
    return out


async def open_stream(
    url: str | None = None, *, broker: MemoryBroker | None = None, **options: Any
) -> Stream:
    """A stream by URL: None or ``memory://`` is the in-process stream (on ``broker``,
    a new one when not given); ``nats://host:port`` is NATS JetStream.

    A ``nats://`` URL may carry options as a query (``?stream=NAME&prefix=beltwatch
    &ack_wait_s=30&duplicate_window_s=120&storage=file``); keyword ``options`` (the same
    names, ``stream_name`` for ``stream``) override them. A bad URL or an unreachable
    server is an :class:`InputError` naming the URL.
    """
    if url is None or url in ("memory://", "memory:"):
        prefix = options.pop("prefix", None)
        if options:
            raise InputError(
                f"the in-process stream has no options {sorted(options)}", source="memory://"
            )
        return MemoryStream(broker, **({"prefix": prefix} if prefix else {}))
    parts = urlsplit(url)
    if parts.scheme != "nats":
        raise InputError(
            "expected a stream URL nats://host:port or memory:// (the in-process stream)",
            source=url,
        )
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise InputError("the port is not a number", source=url) from None
    if not parts.hostname:
        raise InputError("no host in the URL (expected nats://host:port)", source=url)
    server = f"nats://{parts.netloc}"
    merged = {**_nats_options(url, parts.query), **options}
    stream = await NatsStream.connect(server, **merged)
    stream.url = url
    return stream


def publish_records(url: str | None, kind: str, records: Iterable[Any], **options: Any) -> int:
    """Publish records from synchronous code (runs its own event loop); the number that
    were new. Every record is checked (markings) before any is sent.

    The in-process stream (``url`` None or ``memory://``) needs its ``broker=``: a new
    broker would have no consumers, so that is refused rather than silently lost."""
    if (url is None or url.startswith("memory:")) and options.get("broker") is None:
        raise InputError(
            "publishing to the in-process stream needs broker= (the MemoryBroker its "
            "consumers read); give a nats:// URL to publish to another process",
            source=url or "memory://",
        )
    records = list(records)

    async def run() -> int:
        stream = await open_stream(url, **options)
        try:
            return await stream.publish_many(kind, records)
        finally:
            await stream.close()

    return asyncio.run(run())
