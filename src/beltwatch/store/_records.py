"""Records the store returns besides the beltwatch value types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from astropy.time import Time

from beltwatch.values import Markings, OrbitState

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; ``next_cursor`` (None on the last page) is passed as
    ``after=`` to get the next one."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class IngestResult:
    """What a batch of observations did: new rows, exact repeats, and refused records as
    ``(obs_id, reason)``."""

    inserted: int
    duplicates: int
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ObjectSummary:
    """One catalog object with its newest orbit and element-set epochs (None if none)."""

    norad_id: int
    name: str
    intl_designator: str
    status: str | None
    latest_orbit_epoch: Time | None
    latest_element_epoch: Time | None
    markings: Markings


@dataclass(frozen=True)
class StatusChange:
    """One entry of an object's status history."""

    norad_id: int
    status: str
    changed: Time


@dataclass(frozen=True)
class StoredOrbit:
    """An orbit of the history with what the store keeps beside the state."""

    orbit_id: int
    state: OrbitState
    source: str
    rms_arcsec: float | None
    observations_used: int | None
    recorded: Time


@dataclass(frozen=True)
class SensorRecord:
    """A sensor and its host (``host_norad_id`` None for a ground site)."""

    sensor_id: str
    kind: str
    host_norad_id: int | None
    markings: Markings


@dataclass(frozen=True)
class FrameRecord:
    """One image frame: sensor, mid-exposure time, boresight (GCRS, radians)."""

    frame_id: str
    sensor_id: str
    time: Time
    pointing_ra_rad: float
    pointing_dec_rad: float
    markings: Markings
    exposure_s: float | None = None
    path: str | None = None


@dataclass(frozen=True)
class TrackletRecord:
    """A tracklet: the ids of its observations, the object when correlated."""

    tracklet_id: str
    observation_ids: tuple[str, ...]
    markings: Markings
    sensor_id: str | None = None
    norad_id: int | None = None


@dataclass(frozen=True)
class ReleaseRecord:
    """One product released to a partner."""

    release_id: int
    partner: str
    kind: str
    fmt: str
    released_ids: tuple[str, ...]
    withheld: int
    audit_digest: str | None
    product_path: str | None
    released: Time


@dataclass(frozen=True)
class ApiKeyRecord:
    """An API key as listed: never its secret."""

    key_id: str
    partner: str
    created: Time
    revoked: Time | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked is not None
