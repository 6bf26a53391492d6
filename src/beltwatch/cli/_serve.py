"""``beltwatch serve``: the HTTP API and the dashboard (uvicorn)."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from beltwatch.errors import InputError


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or one clear line when that is impossible."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"cannot resolve host {host!r}: {exc.strerror}", field="host") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {host} is already in use (stop what runs there or give --port)",
                field="port",
            ) from None
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}", field="port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _check_stream(url: str) -> None:
    """Open and close the stream once, so an unreachable one is one line, not a failed
    start-up."""
    import asyncio

    from beltwatch.stream import open_stream

    async def probe() -> None:
        opened = await open_stream(url)
        await opened.close()

    asyncio.run(probe())


def serve_command(
    db: Annotated[
        str | None,
        typer.Option(help="Store URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB."),
    ] = None,
    stream: Annotated[
        str | None,
        typer.Option(help="Live feed: memory:// (in-process) or nats://HOST:PORT (default: none)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    policy: Annotated[
        Path | None, typer.Option(help="Releasability policy TOML (default: the shipped one).")
    ] = None,
    audit: Annotated[
        Path | None,
        typer.Option(help="Audit log of product downloads (default: in the user data dir)."),
    ] = None,
    ingest_partner: Annotated[
        list[str] | None,
        typer.Option(help="A partner whose keys may POST observations (repeat; default SSN)."),
    ] = None,
) -> None:
    """Serve the API under /api/v1 and the dashboard at / until Ctrl-C (API keys: ``beltwatch
    keys add --partner NAME``)."""
    import uvicorn

    from beltwatch.api import DEFAULT_INGEST_PARTNERS, create_app
    from beltwatch.sharing import load_policy
    from beltwatch.store import open_store

    rules = load_policy(policy)
    console = Console(stderr=True)
    if stream is not None and not stream.startswith(("memory:", "nats://")):
        raise InputError(
            f"unsupported stream URL {stream!r}: expected memory:// or nats://HOST:PORT",
            field="stream",
        )
    if stream is not None:
        _check_stream(stream)
    sock = _bind(host, port)
    store = open_store(db)
    try:
        app = create_app(
            store,
            None,
            rules,
            audit_log=audit,
            ingest_partners=ingest_partner or DEFAULT_INGEST_PARTNERS,
            stream_url=stream,
        )
        config = uvicorn.Config(app, log_level="info", lifespan="on", timeout_graceful_shutdown=3)
        server = uvicorn.Server(config)
        console.print(
            f"beltwatch serving {store.url} on http://{host}:{port}/ (API: /api/v1, Ctrl-C stops)"
        )
        server.run(sockets=[sock])
        console.print("stopped")
    finally:
        sock.close()
        store.close()
