"""Migrations from the installed package, URLs, and unreachable databases."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from beltwatch.errors import BeltwatchError, InputError
from beltwatch.store import head_revision, open_store, upgrade_database


def _engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def test_upgrade_creates_head_and_twice_is_a_no_op(db_url) -> None:
    engine = _engine(db_url)
    assert "observations" not in inspect(engine).get_table_names()
    assert upgrade_database(db_url) == head_revision()
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    names = set(inspect(engine).get_table_names())
    assert version == head_revision()
    assert {"observations", "element_sets", "orbits", "events", "objects", "api_keys"} <= names
    indexes = {i["name"] for i in inspect(engine).get_indexes("observations")}
    assert {"ix_observations_time", "ix_observations_sensor_time"} <= indexes
    with open_store(db_url) as store:
        store.upsert_object(62876, name="QZS-6", markings=_marks())
    assert upgrade_database(db_url) == head_revision()  # no-op: data kept
    with open_store(db_url) as store:
        assert store.counts()["objects"] == 1
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM alembic_version")).scalar()
    assert rows == 1
    engine.dispose()


def _marks():
    from beltwatch.values import Markings

    return Markings("USA", "PUBLIC", frozenset())


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "not a url", "sqlite://", "sqlite:////no/such/dir/x.db"],
)
def test_bad_urls_are_input_errors(url) -> None:
    with pytest.raises(InputError, match="db"):
        open_store(url)


def test_unreachable_server_names_the_url_without_password() -> None:
    url = "postgresql://user:hunter2@127.0.0.1:1/nowhere"
    with pytest.raises(BeltwatchError) as info:
        open_store(url)
    message = str(info.value)
    assert "127.0.0.1:1/nowhere" in message and "hunter2" not in message
    assert "\n" not in message


def test_default_url_follows_the_environment(monkeypatch, tmp_path) -> None:
    from beltwatch.store import default_url

    monkeypatch.setenv("BELTWATCH_DB", str(tmp_path / "x.db"))
    assert default_url() == f"sqlite:///{tmp_path / 'x.db'}"
    with open_store() as store:
        assert store.backend == "sqlite"
    assert (tmp_path / "x.db").exists()
    monkeypatch.delenv("BELTWATCH_DB")
    assert default_url().endswith("beltwatch.db")


def test_upgrade_from_the_first_revision_keeps_data(db_url) -> None:
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    import beltwatch.store

    config = Config()
    config.set_main_option(
        "script_location", str(Path(beltwatch.store.__file__).parent / "migrations")
    )
    engine = _engine(db_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO objects (norad_id, name, intl_designator, created_tai_s,"
                " marking_owner, marking_level, marking_releasable_to)"
                " VALUES (62876, 'QZS-6', '', 0.0, 'USA', 'PUBLIC', '[]')"
            )
        )
    assert upgrade_database(db_url) == head_revision() != "0001"
    with open_store(db_url) as store:
        assert [o.name for o in store.objects().items] == ["QZS-6"]
    columns = {c["name"]: c for c in inspect(engine).get_columns("observations")}
    assert columns["observer_x_km"]["nullable"] and not columns["ra_rad"]["nullable"]
    engine.dispose()
