"""Keys, problem details, pagination and ingest."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from tests.sharing.conftest import observation

from beltwatch.api import PROBLEM_JSON, create_app
from beltwatch.formats import udl_records
from beltwatch.sharing import load_policy

from .conftest import MARKINGS


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status and body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


@pytest.mark.parametrize("path", ["/objects", "/observations", "/events", "/coverage", "/belt"])
def test_a_key_is_needed(api, path: str) -> None:
    assert "API key is required" in _problem(api.get(path), 401)["detail"]
    wrong = {"X-API-Key": "bw_not-a-key"}
    assert "not valid" in _problem(api.get(path, headers=wrong), 401)["detail"]
    revoked = {"X-API-Key": api.seeded.revoked_key}
    assert "not valid" in _problem(api.get(path, headers=revoked), 401)["detail"]
    stranger = {"X-API-Key": api.seeded.stranger_key}
    assert (
        "not in the releasability policy"
        in _problem(api.get(path, headers=stranger), 401)["detail"]
    )
    bearer = {"Authorization": f"Bearer {api.seeded.keys['SSN']}"}
    assert api.get(path, headers=bearer).status_code == 200


def test_whoami_names_the_partner(api) -> None:
    body = api.get("/whoami", "JPN_LIAISON").json()
    assert body["partner"] == "JPN_LIAISON" and body["clearance"] == "PARTNER"
    assert body["can_ingest"] is False and api.get("/whoami", "SSN").json()["can_ingest"]


def test_problem_details_for_bad_requests(api) -> None:
    _problem(api.get("/nowhere", "SSN"), 404)
    assert (
        "'limit'" in _problem(api.get("/observations", "SSN", params={"limit": 0}), 422)["detail"]
    )
    body = _problem(api.get("/observations", "SSN", params={"start": "yesterday-ish"}), 422)
    assert "start" in body["detail"]
    assert (
        "'cursor'" in _problem(api.get("/events", "SSN", params={"cursor": "abc"}), 422)["detail"]
    )
    assert (
        "'format'"
        in _problem(api.get("/observations", "SSN", params={"format": "xls"}), 422)["detail"]
    )
    assert "'norad_id'" in _problem(api.get("/objects/abc", "SSN"), 422)["detail"]


def test_a_cursor_works_only_for_its_partner_and_query(api) -> None:
    first = api.get("/observations", "SSN", params={"limit": 2}).json()
    assert first["next_cursor"]
    other = api.get("/observations", "COMBINED_OPS", params={"cursor": first["next_cursor"]})
    _problem(other, 422)
    changed = api.get("/events", "SSN", params={"cursor": first["next_cursor"]})
    _problem(changed, 422)
    assert first["next_cursor"].count(".") == 0 and "obs-" not in first["next_cursor"]


def test_server_errors_are_problems_without_traceback(api) -> None:
    class Broken:
        def __getattr__(self, name):
            if name == "partner_for_key":
                return lambda secret: "SSN"
            raise RuntimeError("database exploded at /secret/path")

    app = create_app(Broken(), policy=load_policy(), audit_log=api.audit)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/objects", headers={"X-API-Key": "x"})
    body = _problem(response, 500)
    assert "exploded" not in response.text and "/secret" not in body["detail"]


@pytest.mark.parametrize("limit", [1, 3, 1000])
def test_pages_are_complete_and_disjoint(api, limit: int) -> None:
    seen, cursor, sizes = [], None, []
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = api.get("/observations", "COMBINED_OPS", params=params).json()
        sizes.append(len(body["items"]))
        seen += [o["obs_id"] for o in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    everything = api.get("/observations", "COMBINED_OPS", params={"limit": 1000}).json()
    assert len(seen) == len(set(seen)) == len(everything["items"])
    assert all(s == limit for s in sizes[:-1]) and 0 < sizes[-1] <= limit
    assert len(sizes) == -(-len(seen) // limit)  # no empty trailing page


def _udl(i: int, **changes) -> dict:
    record = udl_records([observation(i % 10, MARKINGS[1])])[0]
    record.update(id=f"new-{i}", **changes)
    return record


def test_ingest_good_bad_and_mixed_batches(api) -> None:
    key = {"X-API-Key": api.seeded.keys["SSN"]}
    post = lambda body: api.client.post("/api/v1/observations", json=body, headers=key)  # noqa: E731
    before = len(api.get("/observations", "SSN", params={"limit": 1000}).json()["items"])
    good = post([_udl(100), _udl(101)])
    assert good.status_code == 200, good.text
    assert good.json()["stored"] == 2 and good.json()["rejected"] == []
    bad = post([_udl(102, obTime="not a time"), {"id": "x"}, 7])
    body = _problem(bad, 422)
    assert [r["index"] for r in body["rejected"]] == [0, 1, 2]
    assert "obTime" in body["rejected"][0]["reason"]
    mixed = post([_udl(103), _udl(104, classificationMarking="SECRET//NOFORN"), _udl(105)])
    assert mixed.status_code == 200
    assert mixed.json()["stored"] == 2
    assert [r["index"] for r in mixed.json()["rejected"]] == [1]
    assert "classificationMarking" in mixed.json()["rejected"][0]["reason"]
    again = post([_udl(100)])
    assert again.json()["stored"] == 0 and again.json()["duplicates"] == 1
    ids = {
        o["obs_id"] for o in api.get("/observations", "SSN", params={"limit": 1000}).json()["items"]
    }
    assert {"new-100", "new-101", "new-103", "new-105"} <= ids and "new-102" not in ids
    assert len(ids) == before + 4
    not_json = api.client.post(
        "/api/v1/observations",
        content=b"{oops",
        headers={**key, "content-type": "application/json"},
    )
    _problem(not_json, 422)
    _problem(api.client.post("/api/v1/observations", json={"a": 1}, headers=key), 422)


def test_ingest_needs_an_ingest_partner(api) -> None:
    key = {"X-API-Key": api.seeded.keys["COMBINED_OPS"]}
    response = api.client.post("/api/v1/observations", json=[_udl(200)], headers=key)
    assert "may not ingest" in _problem(response, 403)["detail"]
    _problem(api.client.post("/api/v1/observations", json=[_udl(200)]), 401)


def test_ingested_markings_are_kept_through_the_gate(api) -> None:
    key = {"X-API-Key": api.seeded.keys["SSN"]}
    restricted = _udl(300, classificationMarking="RESTRICTED//OWNER USA")
    assert (
        api.client.post("/api/v1/observations", json=[restricted], headers=key).json()["stored"]
        == 1
    )
    for partner, visible in (("SSN", True), ("COMBINED_OPS", False), ("GLOBAL_SENTINEL", False)):
        items = api.get("/observations", partner, params={"limit": 1000}).json()["items"]
        assert ("new-300" in {o["obs_id"] for o in items}) == visible, partner


def test_openapi_is_served(api) -> None:
    schema = api.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/objects/{norad_id}/orbits" in schema["paths"]
    assert json.dumps(schema)  # serialisable
