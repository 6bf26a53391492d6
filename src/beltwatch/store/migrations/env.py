"""Alembic environment: runs on the connection ``beltwatch.store`` hands over in the
Config's attributes (no alembic.ini, no URL here)."""

from __future__ import annotations

from alembic import context

from beltwatch.store._schema import Base


def run_on_connection() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_on_connection()
