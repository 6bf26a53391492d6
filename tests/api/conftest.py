"""A store seeded with the sharing tests' mixed-markings dataset (every record kind under
every marking), an app over it, and one API key per partner of the default policy.

The expected releases come from the independent oracle in tests/sharing/conftest.py."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from astropy.time import TimeDelta
from fastapi.testclient import TestClient
from tests.sharing.conftest import (  # the dataset builders and the oracle, not copies
    FIT_SPAN_S,
    FIT_STEP_S,
    MARKINGS,
    T0,
    MemoFit,
    alert,
    expected,
    observation,
    state,
)
from tests.store.conftest import postgres_url  # noqa: F401  (fixture: a fresh PG schema)

from beltwatch.api import create_app
from beltwatch.sharing import load_policy
from beltwatch.store import open_store
from beltwatch.values import ElementSet, Markings

PARTNERS = ["SSN", "COMBINED_OPS", "MN_CELL", "JPN_LIAISON", "GLOBAL_SENTINEL"]
PUBLIC = Markings("USA", "PUBLIC", frozenset())


def element_set(i: int, markings: Markings) -> ElementSet:
    """A GEO element set of object 6000+i under ``markings``."""
    return ElementSet(
        norad_id=6000 + i,
        epoch=T0 + TimeDelta(3600.0 * i, format="sec"),
        mean_motion_rev_per_day=1.00273,
        eccentricity=2e-4,
        inclination_rad=math.radians(0.05),
        raan_rad=math.radians(80.0),
        arg_perigee_rad=math.radians(270.0),
        mean_anomaly_rad=math.radians(10.0 * i),
        name=f"GEO-{i}",
        markings=markings,
    )


@dataclass(frozen=True)
class Seeded:
    """What was put in the store: records by kind (as stored), and the keys."""

    records: dict[str, list]
    keys: dict[str, str]
    revoked_key: str
    stranger_key: str  # a valid key whose partner the policy does not know


def seed(store) -> Seeded:
    records = {
        "observations": [observation(i, m) for i, m in enumerate(MARKINGS)],
        "orbits": [state(i, m) for i, m in enumerate(MARKINGS)],
        "events": [alert(i, m) for i, m in enumerate(MARKINGS)],
        "element_sets": [element_set(i, m) for i, m in enumerate(MARKINGS)],
    }
    result = store.add_observations(records["observations"])
    assert result.inserted == len(MARKINGS) and not result.rejected
    for i, s in enumerate(records["orbits"]):
        store.add_orbit(replace(s, object_name=f"SAT-{i}"), source="od", rms_arcsec=0.5 + i)
    store.add_events(records["events"])
    for e in records["events"]:  # events name objects: make them catalog objects
        store.upsert_object(e.norad_ids[0], markings=e.markings, status="active")
    store.add_element_sets(records["element_sets"], source="test")
    keys = {p: store.add_api_key(p)[1] for p in PARTNERS}
    revoked_id, revoked = store.add_api_key("SSN")
    store.revoke_api_key(revoked_id)
    stranger = store.add_api_key("NOT_A_PARTNER")[1]
    return Seeded(records, keys, revoked, stranger)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def fit() -> MemoFit:
    return MemoFit(FIT_SPAN_S, FIT_STEP_S)


@dataclass
class Api:
    client: TestClient
    seeded: Seeded
    store: object
    audit: Path

    def get(self, path: str, partner: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if partner is not None:
            headers["X-API-Key"] = self.seeded.keys[partner]
        return self.client.get(f"/api/v1{path}", headers=headers, **kwargs)


@pytest.fixture
def api(db_url: str, tmp_path: Path, fit) -> Iterator[Api]:
    with open_store(db_url) as store:
        seeded = seed(store)
        audit = tmp_path / "audit.jsonl"
        app = create_app(store, policy=load_policy(), audit_log=audit, fit=fit)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Api(client, seeded, store, audit)


def verdict(kind: str, record, partner: str, fmt: str | None = None) -> str | None:
    """The oracle's verdict for one stored record: 'direct', a rule name, or None."""
    m = record.markings
    oracle_kind = "orbits" if kind == "element_sets" else kind
    got = expected(oracle_kind, m.owner, m.level, set(m.releasable_to), partner, fmt)
    if kind == "element_sets" and got not in (None, "direct"):
        return None  # no sanitisation rule makes element sets
    return got
