"""The dashboard's static files: its own HTML/CSS/JS (package data) and plotly.js, read
from the installed plotly package at run time (no copy in the repository, works offline)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from beltwatch.errors import InputError

_OWN = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}


@cache
def _own_text(name: str) -> str:
    return resources.files("beltwatch.web").joinpath(name).read_text(encoding="utf-8")


@cache
def plotly_js() -> bytes:
    """plotly.min.js of the installed plotly package."""
    path = resources.files("plotly").joinpath("package_data", "plotly.min.js")
    if not path.is_file():
        raise InputError("the installed plotly package has no package_data/plotly.min.js")
    return path.read_bytes()


def dashboard_router() -> APIRouter:
    """Routes of the dashboard: ``/`` and ``/static/...``."""
    router = APIRouter(include_in_schema=False)
    headers = {"Cache-Control": "no-cache"}

    @router.get("/")
    def index() -> HTMLResponse:
        return HTMLResponse(_own_text("index.html"), headers=headers)

    @router.get("/static/plotly.min.js")
    def plotly() -> Response:
        return Response(
            plotly_js(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "max-age=86400"},
        )

    for name, media in _OWN.items():
        router.add_api_route(f"/static/{name}", _static(name, media), methods=["GET"])
    return router


def _static(name: str, media: str):
    """A route handler serving one fixed asset (no request parameters)."""

    def serve() -> Response:
        return Response(_own_text(name), media_type=media, headers={"Cache-Control": "no-cache"})

    return serve
