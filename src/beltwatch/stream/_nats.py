"""The NATS JetStream stream: one JetStream stream over ``<prefix>.>``, pull consumers.

De-duplication is JetStream's own (the ``Nats-Msg-Id`` header within the stream's
duplicate window); durable consumers are JetStream durable pull consumers with
explicit acknowledgement and the configured ack wait; ephemeral ones are deleted on
close (and by the server after ``inactive_threshold`` if a process dies). The client
reconnects by itself after a dropped connection; a fetch during the outage returns
nothing and the caller fetches again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.js import api

from beltwatch.errors import InputError
from beltwatch.stream._base import Delivery, Start, StreamBase, StreamError, make_deliveries
from beltwatch.stream._codec import DEFAULT_PREFIX, check_prefix

LOG = logging.getLogger("beltwatch.stream")
# Errors of a fetch during a dropped connection (the client is reconnecting).
_TRANSIENT = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.StaleConnectionError,
    nats.errors.NoRespondersError,
    nats.errors.TimeoutError,
    nats.js.errors.ServiceUnavailableError,
    OSError,
)


class NatsConsumer:
    """A JetStream pull consumer (see :class:`beltwatch.stream.Consumer`)."""

    def __init__(self, stream: NatsStream, sub: Any, name: str, durable: bool) -> None:
        self._stream, self._sub, self.name, self.durable = stream, sub, name, durable

    async def fetch(self, batch: int = 100, timeout_s: float = 1.0) -> list[Delivery]:
        try:
            msgs = await self._sub.fetch(batch, timeout=timeout_s)
        except TimeoutError:
            return []
        except _TRANSIENT as exc:  # the client reconnects; the caller asks again
            LOG.info("fetch from %s failed (%s); retrying", self._stream.url, exc)
            await asyncio.sleep(min(timeout_s, 0.5))
            return []
        raw = [
            (m.subject, m.data, m.headers, m.metadata.num_delivered > 1, m.ack, m.nak) for m in msgs
        ]
        return make_deliveries(self._stream.prefix, raw)

    async def unsettled(self) -> int:
        try:
            info = await self._sub.consumer_info()
        except (*_TRANSIENT, nats.errors.Error):  # unknown: the durable consumer keeps them
            return 0
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    async def close(self) -> None:
        with contextlib.suppress(nats.errors.Error, OSError):
            await self._sub.unsubscribe()
        if not self.durable:
            await self._stream.delete_consumer(self.name)


class NatsStream(StreamBase):
    """A connection to NATS JetStream (use :func:`beltwatch.stream.open_stream`)."""

    def __init__(
        self,
        nc: Any,
        url: str,
        *,
        prefix: str,
        stream_name: str,
        ack_wait_s: float,
        max_ack_pending: int,
    ) -> None:
        self._nc, self._js = nc, nc.jetstream()
        self.url, self.prefix, self.stream_name = url, prefix, stream_name
        self.ack_wait_s, self.max_ack_pending = ack_wait_s, max_ack_pending

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        stream_name: str | None = None,
        ack_wait_s: float = 30.0,
        duplicate_window_s: float = 120.0,
        storage: str = "file",
        max_ack_pending: int = 20_000,
        connect_timeout_s: float = 2.0,
        reconnect_attempts: int = -1,
    ) -> NatsStream:
        """Connect, and create (or update) the JetStream stream ``stream_name`` (default:
        the prefix in capitals, dots as ``_``) over ``<prefix>.>``.

        ``reconnect_attempts``: after a dropped connection, how often to try again (-1:
        for ever, every half second). An unreachable server at connect time is an
        :class:`InputError` naming the URL.
        """
        check_prefix(prefix)
        name = stream_name or prefix.upper().replace(".", "_").replace("-", "_")
        if storage not in ("file", "memory"):
            raise InputError(
                f"storage must be 'file' or 'memory', got {storage!r}", field="storage"
            )

        async def quiet(exc: Exception) -> None:
            LOG.debug("nats %s: %s", url, exc)

        try:
            nc = await nats.connect(
                servers=[url],
                name="beltwatch",
                connect_timeout=connect_timeout_s,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.5,
                error_cb=quiet,
            )
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            raise InputError(
                f"cannot connect to NATS ({exc or type(exc).__name__})", source=url
            ) from None
        # Reconnecting for ever applies once connected (at connect time it would hang).
        nc.options["max_reconnect_attempts"] = reconnect_attempts
        self = cls(
            nc,
            url,
            prefix=prefix,
            stream_name=name,
            ack_wait_s=ack_wait_s,
            max_ack_pending=max_ack_pending,
        )
        try:
            await self._ensure_stream(duplicate_window_s, storage)
        except (nats.errors.Error, nats.js.errors.Error) as exc:
            await nc.close()
            raise InputError(f"JetStream stream {name!r} not usable: {exc}", source=url) from None
        return self

    async def _ensure_stream(self, duplicate_window_s: float, storage: str) -> None:
        config = api.StreamConfig(
            name=self.stream_name,
            subjects=[f"{self.prefix}.>"],
            storage=api.StorageType.FILE if storage == "file" else api.StorageType.MEMORY,
            duplicate_window=duplicate_window_s,
        )
        jsm = self._js  # the JetStream context also manages streams
        try:
            await jsm.add_stream(config)
        except nats.js.errors.BadRequestError as exc:  # exists with another configuration?
            try:
                await jsm.update_stream(config)
            except nats.js.errors.NotFoundError:  # no: e.g. subjects of another stream
                raise exc from None

    async def publish_raw(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> bool:
        # The prefix's subjects belong to this stream alone: no expected-stream header.
        try:
            ack = await self._js.publish(subject, data, headers=headers)
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            why = str(exc) or type(exc).__name__
            raise StreamError(f"{self.url}: publish to {subject} failed ({why})") from None
        return not ack.duplicate

    async def consumer(
        self, subject_filter: str, *, durable: str | None = None, start: Start = "all"
    ) -> NatsConsumer:
        config = api.ConsumerConfig(
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_s,
            max_deliver=-1,
            max_ack_pending=self.max_ack_pending,
            deliver_policy=api.DeliverPolicy.NEW if start == "new" else api.DeliverPolicy.ALL,
            filter_subject=subject_filter,
        )
        if durable is None:
            name = f"ephemeral_{uuid.uuid4().hex}"
            config.name = name
            config.inactive_threshold = max(60.0, 4 * self.ack_wait_s)
            await self._js.add_consumer(self.stream_name, config)
        else:
            name = durable
            if not await self._check_durable(durable, subject_filter):
                config.name = config.durable_name = durable
                await self._js.add_consumer(self.stream_name, config)
        sub = await self._js.pull_subscribe_bind(consumer=name, stream=self.stream_name)
        return NatsConsumer(self, sub, name, durable is not None)

    async def _check_durable(self, durable: str, subject_filter: str) -> bool:
        """Whether the durable consumer exists (with this filter; another is an error)."""
        try:
            info = await self._js.consumer_info(self.stream_name, durable)
        except nats.js.errors.NotFoundError:
            return False
        if info.config.filter_subject != subject_filter:
            raise InputError(
                f"durable consumer {durable!r} exists with filter "
                f"{info.config.filter_subject!r}, not {subject_filter!r}",
                field="durable",
            )
        return True

    async def delete_consumer(self, durable: str) -> bool:
        try:
            return bool(await self._js.delete_consumer(self.stream_name, durable))
        except nats.js.errors.NotFoundError:
            return False
        except (nats.errors.Error, OSError):
            return False

    async def delete_stream(self) -> bool:
        """Delete the JetStream stream and everything in it (tests, clean-up)."""
        try:
            return bool(await self._js.delete_stream(self.stream_name))
        except nats.js.errors.NotFoundError:
            return False

    async def close(self) -> None:
        if self._nc.is_closed:
            return
        with contextlib.suppress(nats.errors.Error, OSError, TimeoutError):
            await self._nc.flush(timeout=2)
        await self._nc.close()
