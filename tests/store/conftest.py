"""One store suite over both backends: a temporary SQLite file, and the real PostgreSQL
at 127.0.0.1:5432 in a fresh schema per test (so xdist workers do not meet). Without
PostgreSQL its cases skip with the reason, and fail when BELTWATCH_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.time import Time

from beltwatch.values import Markings, Observation

POSTGRES = os.environ.get("BELTWATCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MARKS = Markings("USA", "RESTRICTED", frozenset({"FVEY"}))
T0 = Time("2026-05-24T03:04:05.123456", scale="utc")


def _postgres_admin():
    import psycopg

    try:
        return psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {POSTGRES}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("BELTWATCH_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (BELTWATCH_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections see only a new, empty schema (dropped afterwards)."""
    admin = _postgres_admin()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(db_url: str):
    from beltwatch.store import open_store

    with open_store(db_url) as opened:
        yield opened


def observation(i: int, **changes) -> Observation:
    """The i-th observation of a deterministic sequence, 10 s apart."""
    rng = np.random.default_rng(i)
    fields = {
        "obs_id": f"obs-{i:05d}",
        "time": T0 + (10.0 * i) * u.s,
        "ra_rad": float(rng.uniform(0, 2 * np.pi)),
        "dec_rad": float(rng.uniform(-0.3, 0.3)),
        "ra_sigma_rad": 1e-6 * (1 + rng.random()),
        "dec_sigma_rad": 1e-6 * (1 + rng.random()),
        "observer_position_km": rng.normal(0.0, 30000.0, 3),
        "observer_velocity_km_s": rng.normal(0.0, 3.0, 3),
        "sensor_id": ("qzs6-wfc", "qzs7-wfc")[i % 2],
        "markings": MARKS,
        "magnitude": float(rng.uniform(10, 16)),
        "norad_id": (62876, 41107, None)[i % 3],
        "frame_id": f"frame-{i // 5}",
        "track_id": f"trk-{i // 10}",
        "solar_phase_angle_rad": float(rng.uniform(0, 1)),
    }
    fields.update(changes)
    return Observation(**fields)


@pytest.fixture
def make_observation() -> Callable[..., Observation]:
    return observation
