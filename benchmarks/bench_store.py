"""Catalog store ingest: sustained observations/s into SQLite and PostgreSQL.

50,000 observations in batches of 1,000 (one ``Store.add_observations`` call, one
transaction, each), then the same batches again (every record a duplicate, compared
field by field with the stored one), then every observation read back by keyset pages.

Baseline, measured in the same run on the same rows: the database driver alone writing
prebuilt row tuples into a table of the same columns, primary key and indexes, one
``executemany`` and one commit per batch (``sqlite3`` and ``psycopg``); no validation,
no duplicate check, no time conversion. The ratio is store time over baseline time.
Goal: >= 5,000 observations/s sustained on both backends.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.store import open_store
from beltwatch.values import Markings, Observation

GOAL_OBS_PER_S = 5000.0
POSTGRES = os.environ.get("BELTWATCH_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
T0 = Time("2026-05-24T00:00:00", scale="utc")
MARKS = [
    Markings("USA", "RESTRICTED", frozenset({"FVEY"})),
    Markings("USA", "PARTNER", frozenset({"FVEY", "JPN"})),
]
COLUMNS = (
    "obs_id", "t_tai_s", "ra_rad", "dec_rad", "ra_sigma_rad", "dec_sigma_rad",
    "observer_x_km", "observer_y_km", "observer_z_km",
    "observer_vx_km_s", "observer_vy_km_s", "observer_vz_km_s",
    "sensor_id", "norad_id", "magnitude", "frame_id", "track_id", "solar_phase_angle_rad",
    "marking_owner", "marking_level", "marking_releasable_to",
)  # fmt: skip


def _observations(n: int, seed: int = 11) -> list[Observation]:
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.uniform(0.0, 7 * 86400.0, n))
    times = T0 + TimeDelta(seconds, format="sec")
    ra, dec = rng.uniform(0, 2 * np.pi, n), rng.uniform(-0.3, 0.3, n)
    position = rng.normal(0, 30000, (n, 3))
    velocity = rng.normal(0, 3, (n, 3))
    return [
        Observation(
            obs_id=f"bench-{i:07d}",
            time=times[i],
            ra_rad=float(ra[i]),
            dec_rad=float(dec[i]),
            ra_sigma_rad=1e-6,
            dec_sigma_rad=1e-6,
            observer_position_km=position[i],
            observer_velocity_km_s=velocity[i],
            sensor_id=("qzs6-wfc", "qzs7-wfc")[i % 2],
            markings=MARKS[i % 2],
            magnitude=12.5,
            norad_id=40000 + i % 500,
            frame_id=f"f{i // 20}",
            track_id=f"t{i // 5}",
        )
        for i in range(n)
    ]


def _tuples(observations: list[Observation]) -> list[tuple]:
    """The same rows as plain tuples, built outside any timed region."""
    out = []
    for i, o in enumerate(observations):
        r, v = o.observer_position_km.tolist(), o.observer_velocity_km_s.tolist()
        out.append(
            (o.obs_id, 1e8 + i, o.ra_rad, o.dec_rad, o.ra_sigma_rad, o.dec_sigma_rad, *r, *v,
             o.sensor_id, o.norad_id, o.magnitude, o.frame_id, o.track_id, None,
             o.markings.owner, o.markings.level, '["FVEY"]')
        )  # fmt: skip
    return out


def _ddl(double: str) -> list[str]:
    cols = ", ".join(
        f"{c} {'TEXT' if c in ('obs_id', 'sensor_id', 'frame_id', 'track_id') or c.startswith('marking') else ('INTEGER' if c == 'norad_id' else double)}"  # noqa: E501
        for c in COLUMNS
    )
    return [
        f"CREATE TABLE raw_obs ({cols}, PRIMARY KEY (obs_id))",
        "CREATE INDEX raw_t ON raw_obs (t_tai_s, obs_id)",
        "CREATE INDEX raw_s ON raw_obs (sensor_id, t_tai_s)",
        "CREATE INDEX raw_n ON raw_obs (norad_id, t_tai_s)",
    ]


def _batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _store_figures(url: str, observations: list[Observation], batch: int) -> dict:
    with open_store(url) as store:
        t0 = time.perf_counter()
        inserted = sum(store.add_observations(b).inserted for b in _batches(observations, batch))
        t_ingest = time.perf_counter() - t0
        t0 = time.perf_counter()
        repeats = sum(store.add_observations(b).duplicates for b in _batches(observations, batch))
        t_repeat = time.perf_counter() - t0
        t0 = time.perf_counter()
        read, cursor = 0, None
        while True:
            page = store.observations(limit=5000, after=cursor)
            read += len(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        t_read = time.perf_counter() - t0
    assert inserted == repeats == read == len(observations)
    n = len(observations)
    return {
        "ingest_obs_per_s": round(n / t_ingest, 1),
        "reingest_duplicates_obs_per_s": round(n / t_repeat, 1),
        "read_pages_obs_per_s": round(n / t_read, 1),
        "_ingest_s": t_ingest,
    }


def _sqlite_baseline(path: Path, rows: list[tuple], batch: int) -> float:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    for statement in _ddl("REAL"):
        connection.execute(statement)
    insert = f"INSERT INTO raw_obs VALUES ({', '.join('?' * len(COLUMNS))})"
    t0 = time.perf_counter()
    for chunk in _batches(rows, batch):
        with connection:
            connection.executemany(insert, chunk)
    elapsed = time.perf_counter() - t0
    connection.close()
    return elapsed


def _postgres_schema():
    import psycopg

    admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    return admin, schema


def _postgres_baseline(schema: str, rows: list[tuple], batch: int) -> float:
    import psycopg

    with psycopg.connect(POSTGRES, options=f"-csearch_path={schema}") as connection:
        for statement in _ddl("DOUBLE PRECISION"):
            connection.execute(statement)
        connection.commit()
        insert = f"INSERT INTO raw_obs VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        t0 = time.perf_counter()
        for chunk in _batches(rows, batch):
            with connection.cursor() as cursor:
                cursor.executemany(insert, chunk)
            connection.commit()
        return time.perf_counter() - t0


def run(n: int = 50_000, batch: int = 1000) -> dict:
    observations = _observations(n)
    rows = _tuples(observations)
    figures: dict = {"observations": n, "batch": batch, "goal_obs_per_s": GOAL_OBS_PER_S}
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_figures = _store_figures(f"sqlite:///{Path(tmp) / 'store.db'}", observations, batch)
        t_base = _sqlite_baseline(Path(tmp) / "raw.db", rows, batch)
    t_store = sqlite_figures.pop("_ingest_s")
    figures["sqlite"] = {
        **sqlite_figures,
        "baseline_sqlite3_executemany_obs_per_s": round(n / t_base, 1),
        "ratio_store_over_executemany": round(t_store / t_base, 2),
        "goal_met": sqlite_figures["ingest_obs_per_s"] >= GOAL_OBS_PER_S,
    }
    try:
        admin, schema = _postgres_schema()
    except Exception as exc:  # the figure says why PostgreSQL was not measured
        figures["postgresql"] = f"not measured: {str(exc).strip().splitlines()[0]}"
        return figures
    try:
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        pg_figures = _store_figures(url, observations, batch)
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.execute(f'CREATE SCHEMA "{schema}"')
        t_base = _postgres_baseline(schema, rows, batch)
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()
    t_store = pg_figures.pop("_ingest_s")
    figures["postgresql"] = {
        **pg_figures,
        "baseline_psycopg_executemany_obs_per_s": round(n / t_base, 1),
        "ratio_store_over_executemany": round(t_store / t_base, 2),
        "goal_met": pg_figures["ingest_obs_per_s"] >= GOAL_OBS_PER_S,
    }
    return figures
