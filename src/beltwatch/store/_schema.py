"""The catalog store's tables (SQLAlchemy 2 typed ORM).

Conventions (docs/store.md): angles in radians, distances in km, times as TAI seconds
since J2000 (``beltwatch.timescales.tai_seconds_since_j2000``) in DOUBLE PRECISION
columns named ``*_tai_s``; markings in three columns on every releasable table
(owner, level, releasable-to as a sorted JSON list); small lists and matrices
(covariances, observation ids, event figures) as JSON text.
"""

from __future__ import annotations

from sqlalchemy import Double, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 128
NAME_LENGTH = 128
CODE_LENGTH = 64


class Base(DeclarativeBase):
    """Declarative base of every store table."""


class Marked:
    """Markings columns: every record that can leave the system carries them."""

    marking_owner: Mapped[str] = mapped_column(String(CODE_LENGTH))
    marking_level: Mapped[str] = mapped_column(String(CODE_LENGTH))
    marking_releasable_to: Mapped[str] = mapped_column(Text)  # sorted JSON list


class ObjectRow(Marked, Base):
    """One catalog object (created explicitly or by its first observation/orbit/elements)."""

    __tablename__ = "objects"
    norad_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    intl_designator: Mapped[str] = mapped_column(String(CODE_LENGTH), default="")
    status: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    created_tai_s: Mapped[float] = mapped_column(Double)
    __table_args__ = (Index("ix_objects_status", "status", "norad_id"),)


class ObjectStatusRow(Base):
    """Status history of an object: one row per change."""

    __tablename__ = "object_status"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    norad_id: Mapped[int] = mapped_column(ForeignKey("objects.norad_id"))
    status: Mapped[str] = mapped_column(String(CODE_LENGTH))
    changed_tai_s: Mapped[float] = mapped_column(Double)
    __table_args__ = (Index("ix_object_status_norad", "norad_id", "id"),)


class ObservationRow(Marked, Base):
    """One angles-only observation (values.Observation), GCRS axes, radians. Sigmas and
    the observer state are NULL when the source does not give them (NaN in the value)."""

    __tablename__ = "observations"
    obs_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    t_tai_s: Mapped[float] = mapped_column(Double)
    ra_rad: Mapped[float] = mapped_column(Double)
    dec_rad: Mapped[float] = mapped_column(Double)
    ra_sigma_rad: Mapped[float | None] = mapped_column(Double)
    dec_sigma_rad: Mapped[float | None] = mapped_column(Double)
    observer_x_km: Mapped[float | None] = mapped_column(Double)
    observer_y_km: Mapped[float | None] = mapped_column(Double)
    observer_z_km: Mapped[float | None] = mapped_column(Double)
    observer_vx_km_s: Mapped[float | None] = mapped_column(Double)
    observer_vy_km_s: Mapped[float | None] = mapped_column(Double)
    observer_vz_km_s: Mapped[float | None] = mapped_column(Double)
    sensor_id: Mapped[str] = mapped_column(String(CODE_LENGTH))
    norad_id: Mapped[int | None] = mapped_column(ForeignKey("objects.norad_id"))
    magnitude: Mapped[float | None] = mapped_column(Double)
    frame_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    track_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    solar_phase_angle_rad: Mapped[float | None] = mapped_column(Double)
    __table_args__ = (
        Index("ix_observations_time", "t_tai_s", "obs_id"),
        Index("ix_observations_sensor_time", "sensor_id", "t_tai_s"),
        Index("ix_observations_norad_time", "norad_id", "t_tai_s"),
    )


class ElementSetRow(Marked, Base):
    """One SGP4 mean element set (values.ElementSet) from a named source; history kept."""

    __tablename__ = "element_sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    norad_id: Mapped[int] = mapped_column(ForeignKey("objects.norad_id"))
    epoch_tai_s: Mapped[float] = mapped_column(Double)
    source: Mapped[str] = mapped_column(String(CODE_LENGTH))
    mean_motion_rev_per_day: Mapped[float] = mapped_column(Double)
    eccentricity: Mapped[float] = mapped_column(Double)
    inclination_rad: Mapped[float] = mapped_column(Double)
    raan_rad: Mapped[float] = mapped_column(Double)
    arg_perigee_rad: Mapped[float] = mapped_column(Double)
    mean_anomaly_rad: Mapped[float] = mapped_column(Double)
    bstar: Mapped[float] = mapped_column(Double)
    ndot_over_2: Mapped[float] = mapped_column(Double)
    nddot_over_6: Mapped[float] = mapped_column(Double)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    intl_designator: Mapped[str] = mapped_column(String(CODE_LENGTH))
    classification: Mapped[str] = mapped_column(String(8))
    element_set_no: Mapped[int] = mapped_column(Integer)
    rev_at_epoch: Mapped[int] = mapped_column(Integer)
    ephemeris_type: Mapped[int] = mapped_column(Integer)
    comments: Mapped[str] = mapped_column(Text)  # JSON list
    __table_args__ = (
        UniqueConstraint("norad_id", "epoch_tai_s", "source", name="uq_element_sets_epoch"),
        Index("ix_element_sets_norad_epoch", "norad_id", "epoch_tai_s", "id"),
    )


class OrbitRow(Marked, Base):
    """One orbit state (values.OrbitState) with its covariance and fit figures; history kept."""

    __tablename__ = "orbits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    norad_id: Mapped[int] = mapped_column(ForeignKey("objects.norad_id"))
    epoch_tai_s: Mapped[float] = mapped_column(Double)
    frame: Mapped[str] = mapped_column(String(CODE_LENGTH))
    x_km: Mapped[float] = mapped_column(Double)
    y_km: Mapped[float] = mapped_column(Double)
    z_km: Mapped[float] = mapped_column(Double)
    vx_km_s: Mapped[float] = mapped_column(Double)
    vy_km_s: Mapped[float] = mapped_column(Double)
    vz_km_s: Mapped[float] = mapped_column(Double)
    covariance: Mapped[str | None] = mapped_column(Text)  # JSON 6x6 or 7x7, km and km/s
    cr: Mapped[float | None] = mapped_column(Double)
    object_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    intl_designator: Mapped[str] = mapped_column(String(CODE_LENGTH))
    source: Mapped[str] = mapped_column(String(CODE_LENGTH))
    rms_arcsec: Mapped[float | None] = mapped_column(Double)
    observations_used: Mapped[int | None] = mapped_column(Integer)
    recorded_tai_s: Mapped[float] = mapped_column(Double)
    __table_args__ = (Index("ix_orbits_norad_epoch", "norad_id", "epoch_tai_s", "id"),)


class EventRow(Marked, Base):
    """One analytic finding (values.Event)."""

    __tablename__ = "events"
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    t_tai_s: Mapped[float] = mapped_column(Double)
    time_sigma_s: Mapped[float | None] = mapped_column(Double)
    norad_ids: Mapped[str] = mapped_column(Text)  # JSON list, in the event's order
    figures: Mapped[str] = mapped_column(Text)  # JSON object
    evidence: Mapped[str] = mapped_column(Text)  # JSON object
    summary: Mapped[str] = mapped_column(Text)
    __table_args__ = (
        Index("ix_events_kind_time", "kind", "t_tai_s", "event_id"),
        Index("ix_events_time", "t_tai_s", "event_id"),
    )


class EventObjectRow(Base):
    """Which objects an event concerns (for the norad_id filter)."""

    __tablename__ = "event_objects"
    event_id: Mapped[str] = mapped_column(ForeignKey("events.event_id"), primary_key=True)
    norad_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    __table_args__ = (Index("ix_event_objects_norad", "norad_id", "event_id"),)


class SensorRow(Marked, Base):
    """A sensor (instrument) and its host."""

    __tablename__ = "sensors"
    sensor_id: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    host_norad_id: Mapped[int | None] = mapped_column(Integer)


class FrameRow(Marked, Base):
    """One image frame: sensor, mid-exposure time, boresight pointing (GCRS, radians)."""

    __tablename__ = "frames"
    frame_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    sensor_id: Mapped[str] = mapped_column(String(CODE_LENGTH))
    t_tai_s: Mapped[float] = mapped_column(Double)
    pointing_ra_rad: Mapped[float] = mapped_column(Double)
    pointing_dec_rad: Mapped[float] = mapped_column(Double)
    exposure_s: Mapped[float | None] = mapped_column(Double)
    path: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_frames_sensor_time", "sensor_id", "t_tai_s", "frame_id"),)


class TrackletRow(Marked, Base):
    """A tracklet: the observations of one object in one pass."""

    __tablename__ = "tracklets"
    tracklet_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    sensor_id: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    norad_id: Mapped[int | None] = mapped_column(Integer)
    observation_ids: Mapped[str] = mapped_column(Text)  # JSON list
    __table_args__ = (Index("ix_tracklets_norad", "norad_id", "tracklet_id"),)


class ReleaseRow(Base):
    """One release of a product to a partner (what went, how much was withheld)."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(CODE_LENGTH))
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    fmt: Mapped[str] = mapped_column(String(CODE_LENGTH))
    released_ids: Mapped[str] = mapped_column(Text)  # JSON list
    released_count: Mapped[int] = mapped_column(Integer)
    withheld: Mapped[int] = mapped_column(Integer)
    audit_digest: Mapped[str | None] = mapped_column(String(CODE_LENGTH * 2))
    product_path: Mapped[str | None] = mapped_column(Text)
    released_tai_s: Mapped[float] = mapped_column(Double)
    __table_args__ = (Index("ix_releases_partner", "partner", "id"),)


class ApiKeyRow(Base):
    """An API key: only a salted SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"
    key_id: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    partner: Mapped[str] = mapped_column(String(CODE_LENGTH))
    salt: Mapped[str] = mapped_column(String(CODE_LENGTH))
    secret_hash: Mapped[str] = mapped_column(String(CODE_LENGTH * 2))
    created_tai_s: Mapped[float] = mapped_column(Double)
    revoked_tai_s: Mapped[float | None] = mapped_column(Double)
