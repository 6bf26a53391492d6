"""CelesTrak GP client against a local HTTP server on 127.0.0.1 (no real network)."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from beltwatch.catalog import CelestrakClient
from beltwatch.errors import BeltwatchError


class GpServer:
    """Serves /NORAD/elements/gp.php?GROUP=..&FORMAT=json from a dict of group -> JSON text."""

    def __init__(self, groups: dict[str, str]) -> None:
        self.groups = groups
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                server.requests.append({"path": url.path, **query})
                if url.path != "/NORAD/elements/gp.php":
                    self.send_error(404)
                    return
                body = server.groups.get(query.get("GROUP", ""), "Invalid query: GROUP not found")
                if query.get("GROUP") == "broken":
                    self.send_error(503)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> GpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def geo_gp_json(shared_data: Path) -> str:
    """GP JSON of the GEO objects of the active catalog, written with the csv module."""
    with (shared_data / "catalog" / "active-gp-2026-07-10.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if 0.9 < float(r["MEAN_MOTION"]) < 1.1]
    return json.dumps(rows)


@pytest.fixture
def server(geo_gp_json: str) -> Iterator[GpServer]:
    with GpServer({"geo": geo_gp_json}) as running:
        yield running


def test_fetch_caches_and_reuses(server: GpServer, tmp_path: Path, geo_gp_json: str) -> None:
    client = CelestrakClient(base_url=server.url, cache_dir=tmp_path)
    result, path, fetched = client.fetch_group("geo")
    assert fetched and path.exists()
    assert len(result.catalog) == len(json.loads(geo_gp_json)) > 400
    assert server.requests == [{"path": "/NORAD/elements/gp.php", "GROUP": "geo", "FORMAT": "json"}]
    again, _, fetched_again = client.fetch_group("geo")
    assert not fetched_again and len(server.requests) == 1
    assert len(again.catalog) == len(result.catalog)
    _, _, forced = client.fetch_group("geo", force=True)
    assert forced and len(server.requests) == 2


@pytest.mark.parametrize("group", ["nosuchgroup", "broken"])
def test_fetch_errors_are_clear_and_leave_no_cache(
    server: GpServer, tmp_path: Path, group: str
) -> None:
    client = CelestrakClient(base_url=server.url, cache_dir=tmp_path)
    with pytest.raises(BeltwatchError, match=group if group != "broken" else "HTTP 503"):
        client.fetch_group(group)
    assert not list(tmp_path.iterdir())


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    client = CelestrakClient(base_url="http://127.0.0.1:9", cache_dir=tmp_path, timeout_s=2)
    with pytest.raises(BeltwatchError, match="failed"):
        client.fetch_group("geo")


def test_cli_fetch(server: GpServer, tmp_path: Path, run_cli) -> None:
    args = [
        "catalog",
        "fetch",
        "--group",
        "geo",
        "--base-url",
        server.url,
        "--cache-dir",
        str(tmp_path),
    ]
    first = run_cli(*args)
    assert first.returncode == 0 and first.stdout.startswith("fetched:")
    second = run_cli(*args)
    assert second.returncode == 0 and second.stdout.startswith("cached:")
    assert len(server.requests) == 1
