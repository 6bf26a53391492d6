"""Property-based requests generated from the app's own OpenAPI schema (schemathesis, run
in-process over ASGI) against a seeded store with a valid key: no 5xx, every error a
problem-details object.

schemathesis needs the schema when the module is collected (its fixture loader does not
work with this pytest), so the app is built here over a forwarding store that the fixture
points at a freshly seeded SQLite store."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from tests.sharing.conftest import FIT_SPAN_S, FIT_STEP_S, MemoFit

from beltwatch.api import PROBLEM_JSON, create_app
from beltwatch.sharing import load_policy
from beltwatch.store import open_store

from .conftest import seed


class _Forward:
    """The store the fixture opened (set per module run)."""

    target: object = None

    def __getattr__(self, name: str):
        if self.target is None:
            raise RuntimeError("the store fixture has not run")
        return getattr(self.target, name)


STORE = _Forward()
AUDIT = Path(tempfile.mkdtemp(prefix="bw-fuzz-")) / "audit.jsonl"
APP = create_app(STORE, policy=load_policy(), audit_log=AUDIT, fit=MemoFit(FIT_SPAN_S, FIT_STEP_S))
# The live feed never ends by itself: it has its own tests.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP).exclude(path="/api/v1/stream")


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Iterator[dict[str, str]]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    with open_store(f"sqlite:///{tmp / 'fuzz.db'}") as store:
        seeded = seed(store)
        STORE.target = store
        try:
            yield seeded.keys
        finally:
            STORE.target = None


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case, keys) -> None:
    for partner in ("SSN", "GLOBAL_SENTINEL"):
        response = case.call(headers={"X-API-Key": keys[partner]})
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert PROBLEM_JSON in str(response.headers.get("content-type")), response.headers
