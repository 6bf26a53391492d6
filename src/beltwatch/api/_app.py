"""The FastAPI application: dependencies injected, everything under /api/v1, the dashboard
at /."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from beltwatch.api._cursor import CursorBox
from beltwatch.api._ingest import router as ingest_router
from beltwatch.api._problems import CatchAllMiddleware, install_problem_handlers
from beltwatch.api._routes import router as read_router
from beltwatch.api._service import DEFAULT_INGEST_PARTNERS, Service
from beltwatch.api._sse import router as stream_router
from beltwatch.sharing import ElementFit, Policy, load_policy
from beltwatch.web import dashboard_router

PREFIX = "/api/v1"


def default_audit_log() -> Path:
    """Where product downloads are audited unless told otherwise."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("beltwatch")) / "audit.jsonl"


def create_app(
    store: Any,
    stream: Any = None,
    policy: Policy | None = None,
    *,
    audit_log: str | Path | None = None,
    ingest_partners: Iterable[str] = DEFAULT_INGEST_PARTNERS,
    fit: ElementFit | None = None,
    dashboard: bool = True,
    stream_url: str | None = None,
) -> FastAPI:
    """The service over ``store`` (and ``stream`` for the live feed), releasing through
    ``policy`` (default: :func:`beltwatch.sharing.load_policy`).

    ``audit_log``: product downloads are appended there (default: the user data
    directory); ``ingest_partners``: partners whose keys may POST observations;
    ``stream_url``: a stream opened when the app starts and closed when it stops (for
    ``beltwatch serve``; ``memory://`` or ``nats://...``), instead of ``stream``."""
    policy = policy or load_policy()
    ingest = frozenset(p.upper() for p in ingest_partners)
    for name in ingest:
        policy.partner(name)  # an unknown partner is an InputError naming it
    service = Service(
        store=store,
        policy=policy,
        audit_log=Path(audit_log) if audit_log is not None else default_audit_log(),
        stream=stream,
        ingest_partners=ingest,
        fit=fit or ElementFit(),
        cursors=CursorBox(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if stream_url is None:
            yield
            return
        from beltwatch.stream import open_stream

        service.stream = await open_stream(stream_url)
        try:
            yield
        finally:
            await service.stream.close()

    app = FastAPI(
        lifespan=lifespan,
        title="beltwatch",
        version="1",
        description=(
            "GEO-belt space domain awareness data, released per partner through the "
            "releasability policy. Authenticate with X-API-Key (or Authorization: Bearer)."
        ),
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.service = service
    install_problem_handlers(app)
    app.add_middleware(CatchAllMiddleware)
    app.include_router(read_router, prefix=PREFIX)
    app.include_router(ingest_router, prefix=PREFIX)
    app.include_router(stream_router, prefix=PREFIX)
    if dashboard:
        app.include_router(dashboard_router())
    return app
