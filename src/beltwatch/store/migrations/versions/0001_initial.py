"""The first schema: objects, observations, element sets, orbits, events, sensors,
frames, tracklets, releases, API keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=False),
        sa.Column("created_tai_s", sa.Double(), nullable=False),
        sa.Column("revoked_tai_s", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_table(
        "events",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("t_tai_s", sa.Double(), nullable=False),
        sa.Column("time_sigma_s", sa.Double(), nullable=True),
        sa.Column("norad_ids", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_events_kind_time", "events", ["kind", "t_tai_s", "event_id"], unique=False)
    op.create_index("ix_events_time", "events", ["t_tai_s", "event_id"], unique=False)
    op.create_table(
        "frames",
        sa.Column("frame_id", sa.String(length=128), nullable=False),
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("t_tai_s", sa.Double(), nullable=False),
        sa.Column("pointing_ra_rad", sa.Double(), nullable=False),
        sa.Column("pointing_dec_rad", sa.Double(), nullable=False),
        sa.Column("exposure_s", sa.Double(), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("frame_id"),
    )
    op.create_index(
        "ix_frames_sensor_time", "frames", ["sensor_id", "t_tai_s", "frame_id"], unique=False
    )
    op.create_table(
        "objects",
        sa.Column("norad_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("intl_designator", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("created_tai_s", sa.Double(), nullable=False),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("norad_id"),
    )
    op.create_index("ix_objects_status", "objects", ["status", "norad_id"], unique=False)
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("fmt", sa.String(length=64), nullable=False),
        sa.Column("released_ids", sa.Text(), nullable=False),
        sa.Column("released_count", sa.Integer(), nullable=False),
        sa.Column("withheld", sa.Integer(), nullable=False),
        sa.Column("audit_digest", sa.String(length=128), nullable=True),
        sa.Column("product_path", sa.Text(), nullable=True),
        sa.Column("released_tai_s", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_releases_partner", "releases", ["partner", "id"], unique=False)
    op.create_table(
        "sensors",
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("host_norad_id", sa.Integer(), nullable=True),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sensor_id"),
    )
    op.create_table(
        "tracklets",
        sa.Column("tracklet_id", sa.String(length=128), nullable=False),
        sa.Column("sensor_id", sa.String(length=64), nullable=True),
        sa.Column("norad_id", sa.Integer(), nullable=True),
        sa.Column("observation_ids", sa.Text(), nullable=False),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tracklet_id"),
    )
    op.create_index("ix_tracklets_norad", "tracklets", ["norad_id", "tracklet_id"], unique=False)
    op.create_table(
        "element_sets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=False),
        sa.Column("epoch_tai_s", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("mean_motion_rev_per_day", sa.Double(), nullable=False),
        sa.Column("eccentricity", sa.Double(), nullable=False),
        sa.Column("inclination_rad", sa.Double(), nullable=False),
        sa.Column("raan_rad", sa.Double(), nullable=False),
        sa.Column("arg_perigee_rad", sa.Double(), nullable=False),
        sa.Column("mean_anomaly_rad", sa.Double(), nullable=False),
        sa.Column("bstar", sa.Double(), nullable=False),
        sa.Column("ndot_over_2", sa.Double(), nullable=False),
        sa.Column("nddot_over_6", sa.Double(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("intl_designator", sa.String(length=64), nullable=False),
        sa.Column("classification", sa.String(length=8), nullable=False),
        sa.Column("element_set_no", sa.Integer(), nullable=False),
        sa.Column("rev_at_epoch", sa.Integer(), nullable=False),
        sa.Column("ephemeris_type", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["norad_id"],
            ["objects.norad_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("norad_id", "epoch_tai_s", "source", name="uq_element_sets_epoch"),
    )
    op.create_index(
        "ix_element_sets_norad_epoch",
        "element_sets",
        ["norad_id", "epoch_tai_s", "id"],
        unique=False,
    )
    op.create_table(
        "event_objects",
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("norad_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.event_id"],
        ),
        sa.PrimaryKeyConstraint("event_id", "norad_id"),
    )
    op.create_index(
        "ix_event_objects_norad", "event_objects", ["norad_id", "event_id"], unique=False
    )
    op.create_table(
        "object_status",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("changed_tai_s", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["norad_id"],
            ["objects.norad_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_object_status_norad", "object_status", ["norad_id", "id"], unique=False)
    op.create_table(
        "observations",
        sa.Column("obs_id", sa.String(length=128), nullable=False),
        sa.Column("t_tai_s", sa.Double(), nullable=False),
        sa.Column("ra_rad", sa.Double(), nullable=False),
        sa.Column("dec_rad", sa.Double(), nullable=False),
        sa.Column("ra_sigma_rad", sa.Double(), nullable=False),
        sa.Column("dec_sigma_rad", sa.Double(), nullable=False),
        sa.Column("observer_x_km", sa.Double(), nullable=False),
        sa.Column("observer_y_km", sa.Double(), nullable=False),
        sa.Column("observer_z_km", sa.Double(), nullable=False),
        sa.Column("observer_vx_km_s", sa.Double(), nullable=False),
        sa.Column("observer_vy_km_s", sa.Double(), nullable=False),
        sa.Column("observer_vz_km_s", sa.Double(), nullable=False),
        sa.Column("sensor_id", sa.String(length=64), nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=True),
        sa.Column("magnitude", sa.Double(), nullable=True),
        sa.Column("frame_id", sa.String(length=128), nullable=True),
        sa.Column("track_id", sa.String(length=128), nullable=True),
        sa.Column("solar_phase_angle_rad", sa.Double(), nullable=True),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["norad_id"],
            ["objects.norad_id"],
        ),
        sa.PrimaryKeyConstraint("obs_id"),
    )
    op.create_index(
        "ix_observations_norad_time", "observations", ["norad_id", "t_tai_s"], unique=False
    )
    op.create_index(
        "ix_observations_sensor_time", "observations", ["sensor_id", "t_tai_s"], unique=False
    )
    op.create_index("ix_observations_time", "observations", ["t_tai_s", "obs_id"], unique=False)
    op.create_table(
        "orbits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("norad_id", sa.Integer(), nullable=False),
        sa.Column("epoch_tai_s", sa.Double(), nullable=False),
        sa.Column("frame", sa.String(length=64), nullable=False),
        sa.Column("x_km", sa.Double(), nullable=False),
        sa.Column("y_km", sa.Double(), nullable=False),
        sa.Column("z_km", sa.Double(), nullable=False),
        sa.Column("vx_km_s", sa.Double(), nullable=False),
        sa.Column("vy_km_s", sa.Double(), nullable=False),
        sa.Column("vz_km_s", sa.Double(), nullable=False),
        sa.Column("covariance", sa.Text(), nullable=True),
        sa.Column("cr", sa.Double(), nullable=True),
        sa.Column("object_name", sa.String(length=128), nullable=False),
        sa.Column("intl_designator", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("rms_arcsec", sa.Double(), nullable=True),
        sa.Column("observations_used", sa.Integer(), nullable=True),
        sa.Column("recorded_tai_s", sa.Double(), nullable=False),
        sa.Column("marking_owner", sa.String(length=64), nullable=False),
        sa.Column("marking_level", sa.String(length=64), nullable=False),
        sa.Column("marking_releasable_to", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["norad_id"],
            ["objects.norad_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_orbits_norad_epoch", "orbits", ["norad_id", "epoch_tai_s", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_orbits_norad_epoch", table_name="orbits")
    op.drop_table("orbits")
    op.drop_index("ix_observations_time", table_name="observations")
    op.drop_index("ix_observations_sensor_time", table_name="observations")
    op.drop_index("ix_observations_norad_time", table_name="observations")
    op.drop_table("observations")
    op.drop_index("ix_object_status_norad", table_name="object_status")
    op.drop_table("object_status")
    op.drop_index("ix_event_objects_norad", table_name="event_objects")
    op.drop_table("event_objects")
    op.drop_index("ix_element_sets_norad_epoch", table_name="element_sets")
    op.drop_table("element_sets")
    op.drop_index("ix_tracklets_norad", table_name="tracklets")
    op.drop_table("tracklets")
    op.drop_table("sensors")
    op.drop_index("ix_releases_partner", table_name="releases")
    op.drop_table("releases")
    op.drop_index("ix_objects_status", table_name="objects")
    op.drop_table("objects")
    op.drop_index("ix_frames_sensor_time", table_name="frames")
    op.drop_table("frames")
    op.drop_index("ix_events_time", table_name="events")
    op.drop_index("ix_events_kind_time", table_name="events")
    op.drop_table("events")
    op.drop_table("api_keys")
