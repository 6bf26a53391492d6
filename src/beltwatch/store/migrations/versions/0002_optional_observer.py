"""Observation sigmas and observer state may be unknown (a TDM gives neither): NULL.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    "ra_sigma_rad",
    "dec_sigma_rad",
    "observer_x_km",
    "observer_y_km",
    "observer_z_km",
    "observer_vx_km_s",
    "observer_vy_km_s",
    "observer_vz_km_s",
)


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        for name in COLUMNS:
            batch.alter_column(name, existing_type=sa.Double(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        for name in COLUMNS:
            batch.alter_column(name, existing_type=sa.Double(), nullable=False)
