"""Alembic migrations of the catalog store, shipped inside the package (see ``_migrate``)."""
