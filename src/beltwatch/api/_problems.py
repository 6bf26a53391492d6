"""RFC 9457 problem details: every error the service returns, never a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from beltwatch.errors import BeltwatchError, InputError

PROBLEM_JSON = "application/problem+json"
_LOG = logging.getLogger("beltwatch.api")
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemError(Exception):
    """Raised by a route: becomes a problem-details response with ``status``."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def problem_body(status: int, detail: str, **extra: Any) -> dict[str, Any]:
    """The problem-details object (``type`` is about:blank: the title says it all)."""
    return {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }


def problem_response(
    status: int, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers) if headers is not None else None,
    )


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    """One readable sentence naming each bad parameter, and the list of them."""
    errors = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        where = loc[0] if loc else "request"
        name = ".".join(loc[1:]) or where
        errors.append({"parameter": name, "in": where, "message": str(error.get("msg", ""))})
    text = "; ".join(f"{e['in']} parameter {e['parameter']!r}: {e['message']}" for e in errors)
    return text or "invalid request", errors


def install_problem_handlers(app: FastAPI) -> None:
    """Problem details for HTTP errors, validation errors and project errors."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if exc.status == 401 else None
        return problem_response(exc.status, exc.detail, headers=headers, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}"
        return problem_response(exc.status_code, detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = _validation_detail(exc)
        return problem_response(422, detail, errors=errors)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        if exc.field:
            return problem_response(422, str(exc), parameter=exc.field)
        return problem_response(422, str(exc))

    @app.exception_handler(BeltwatchError)
    async def _project(request: Request, exc: BeltwatchError) -> JSONResponse:
        return problem_response(400, str(exc))


class CatchAllMiddleware:
    """Any exception a route lets escape is logged here and answered with a 500 problem
    (no traceback leaves the process); a response already started is just closed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            _LOG.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                return
            body = json.dumps(
                problem_body(500, "the service failed on this request; it has been logged")
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", PROBLEM_JSON.encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
