"""GET /api/v1/stream: the caller's live feed as server-sent events.

Records come from ``beltwatch.stream.partner_feed``, which releases them through the gate
for this partner; each is one ``event: <kind>`` with the record's JSON as data. A comment
line every few seconds keeps proxies from closing an idle connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from beltwatch.api._auth import Who
from beltwatch.api._json import element_set_json, event_json, observation_json, orbit_json
from beltwatch.api._problems import ProblemError
from beltwatch.api._service import Service
from beltwatch.values import ElementSet, Event, Observation, OrbitState

router = APIRouter()
HEARTBEAT_S = 10.0


def record_json(kind: str, record: Any) -> dict[str, Any]:
    if isinstance(record, Observation):
        return observation_json(record)
    if isinstance(record, OrbitState):
        return orbit_json(record)
    if isinstance(record, Event):
        return event_json(record)
    if isinstance(record, ElementSet):
        return element_set_json(record)
    to_dict = getattr(record, "to_dict", None)
    return to_dict() if callable(to_dict) else {"record": str(record)}


def _frame(kind: str, record: Any) -> str:
    body = json.dumps(record_json(kind, record), allow_nan=False, default=str)
    return f"event: {kind}\ndata: {body}\n\n"


async def sse_frames(feed: AsyncIterable, heartbeat_s: float = HEARTBEAT_S) -> AsyncIterator[str]:
    """The feed as SSE text, with heartbeats while it is quiet."""
    yield ": connected\n\n"
    iterator = feed.__aiter__()
    pending: asyncio.Task | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=heartbeat_s)
            if not done:
                yield ": heartbeat\n\n"
                continue
            try:
                kind, record = pending.result()
            except StopAsyncIteration:
                return
            finally:
                pending = None
            yield _frame(kind, record)
    finally:
        # Closed by the client (the request's scope is cancelled): finish the pending
        # read and close the feed (its consumer) shielded from that cancellation.
        with anyio.CancelScope(shield=True):
            if pending is not None:
                pending.cancel()
                await asyncio.wait({pending})
            close = getattr(iterator, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()


@router.get(
    "/stream",
    tags=["stream"],
    summary="Live feed of records released to the caller (server-sent events)",
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def get_stream(
    *,
    request: Request,
    start: Annotated[
        Literal["new", "all"],
        Query(description="new: records published from now on; all: the stream's history too"),
    ] = "new",
    who: Who,
) -> StreamingResponse:
    service: Service = request.app.state.service
    if service.stream is None:
        raise ProblemError(503, "this service runs without a live feed (start it with --stream)")
    from beltwatch.stream import partner_feed

    feed = partner_feed(service.stream, who.partner, service.policy, start=start)
    return StreamingResponse(
        sse_frames(feed),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
