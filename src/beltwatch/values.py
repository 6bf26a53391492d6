"""Value types that flow between stages: markings, element sets, observations, orbit
states, events.

Immutable, typed, units in field names; times are astropy ``Time`` (UTC scale
at the edges); vectors are GCRS (J2000-aligned) unless a ``frame`` field says
otherwise. Observations follow the exchange convention of docs/conventions.md:
the geometric direction from the observer at the observation time to the
target at its light-time-corrected emission time, GCRS axes, aberration removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

import numpy as np
from astropy.time import Time


@dataclass(frozen=True)
class Markings:
    """Who owns a record, how sensitive it is, and who it may be released to.

    ``level`` is a name from the policy's ordered list of levels;
    ``releasable_to`` holds nation codes (ISO 3166 alpha-3) and group names as
    written (groups are expanded by the releasability policy in ``sharing``).
    """

    owner: str
    level: str
    releasable_to: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, eq=False)
class ElementSet:
    """One SGP4 mean element set (TEME of epoch, TLE/OMM conventions), radians inside.

    ``ndot_over_2`` / ``nddot_over_6`` are the printed TLE/OMM fields MEAN_MOTION_DOT
    (rev/day^2) and MEAN_MOTION_DDOT (rev/day^3); ``bstar`` is in 1/earth radii.
    ``classification`` is the TLE/OMM letter (U, C, S); ``markings`` the record's
    releasability where it has one. ``comments`` say how the set was made (OMM COMMENT
    lines). A :class:`beltwatch.catalog.Catalog` holds many of these as arrays.
    """

    norad_id: int
    epoch: Time
    mean_motion_rev_per_day: float
    eccentricity: float
    inclination_rad: float
    raan_rad: float
    arg_perigee_rad: float
    mean_anomaly_rad: float
    bstar: float = 0.0
    ndot_over_2: float = 0.0
    nddot_over_6: float = 0.0
    name: str = ""
    intl_designator: str = ""  # international designator (OMM OBJECT_ID), "" when unknown
    classification: str = "U"
    element_set_no: int = 999
    rev_at_epoch: int = 0
    ephemeris_type: int = 0
    markings: Markings | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Observation:
    """One angles-only optical observation (RA/Dec in GCRS axes, radians).

    ``observer_position_km`` / ``observer_velocity_km_s``: GCRS state of the
    observer at ``time`` (a space-based host, or a ground site rotated to GCRS).
    ``norad_id`` is None for an uncorrelated observation.
    """

    obs_id: str
    time: Time
    ra_rad: float
    dec_rad: float
    ra_sigma_rad: float
    dec_sigma_rad: float
    observer_position_km: np.ndarray
    observer_velocity_km_s: np.ndarray
    sensor_id: str
    markings: Markings
    magnitude: float | None = None
    norad_id: int | None = None
    frame_id: str | None = None
    track_id: str | None = None
    solar_phase_angle_rad: float | None = None


@dataclass(frozen=True, eq=False)
class OrbitState:
    """Position (km) and velocity (km/s) at ``epoch`` in ``frame``, with an optional 6x6
    covariance (km, km/s), ordered x, y, z, vx, vy, vz. ``object_name`` and
    ``intl_designator`` name the object as its catalog does ("" when unknown; CCSDS
    OBJECT_NAME and OBJECT_ID)."""

    epoch: Time
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    frame: str = "gcrs"
    covariance: np.ndarray | None = None
    norad_id: int | None = None
    markings: Markings | None = None
    object_name: str = ""
    intl_designator: str = ""


class EventKind(StrEnum):
    """What an :class:`Event` reports."""

    MANEUVER = "maneuver"
    CONJUNCTION = "conjunction"
    PROXIMITY = "proximity"
    STATUS_CHANGE = "status_change"
    NEW_OBJECT = "new_object"


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, eq=False)
class Event:
    """An alert-worthy finding of an analytic: every analytic returns these.

    ``time`` is when it happened (burn epoch, time of closest approach, status
    change); ``time_sigma_s`` its 1-sigma uncertainty where estimated.
    ``figures`` holds numbers with units in their names (``delta_v_m_s``,
    ``miss_distance_km``, ``pc``, ``approach_rate_km_s`` ...); ``evidence`` holds
    JSON-ready details of why (which quantity jumped by how many sigma, the
    method, flags). ``markings`` is the sharing policy's ``combine`` of the
    inputs' markings.
    """

    event_id: str
    kind: EventKind
    norad_ids: tuple[int, ...]
    time: Time
    markings: Markings
    figures: Mapping[str, float] = field(default_factory=dict)
    evidence: Mapping[str, object] = field(default_factory=dict)
    summary: str = ""
    time_sigma_s: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        object.__setattr__(self, "norad_ids", tuple(int(n) for n in self.norad_ids))
        object.__setattr__(self, "figures", _frozen(self.figures))
        object.__setattr__(self, "evidence", _frozen(self.evidence))

    @property
    def time_utc(self) -> str:
        """``time`` as ISO 8601 UTC with a Z, to milliseconds."""
        utc = self.time.utc
        utc.precision = 3
        return f"{utc.isot}Z"

    def to_dict(self) -> dict:
        """JSON-ready form (the CLI's ``--json`` and the service's stored record).

        Figures whose value is not finite (NaN, infinity) are written as None.
        """
        return {
            "event_id": self.event_id,
            "kind": self.kind.value,
            "norad_ids": list(self.norad_ids),
            "time_utc": self.time_utc,
            "time_sigma_s": self.time_sigma_s,
            "markings": {
                "owner": self.markings.owner,
                "level": self.markings.level,
                "releasable_to": sorted(self.markings.releasable_to),
            },
            "figures": {k: _json_number(v) for k, v in self.figures.items()},
            "evidence": _json_ready(self.evidence),
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Event:
        """The event written by :meth:`to_dict`."""
        marks = data["markings"]
        return cls(
            event_id=str(data["event_id"]),
            kind=EventKind(data["kind"]),
            norad_ids=tuple(data["norad_ids"]),
            time=Time(str(data["time_utc"]).rstrip("Z"), format="isot", scale="utc"),
            markings=Markings(
                marks["owner"], marks["level"], frozenset(marks.get("releasable_to", ()))
            ),
            figures={k: (np.nan if v is None else float(v)) for k, v in data["figures"].items()},
            evidence=dict(data.get("evidence", {})),
            summary=str(data.get("summary", "")),
            time_sigma_s=data.get("time_sigma_s"),
        )


def _json_number(value: object) -> float | int | None:
    number = float(value)  # type: ignore[arg-type]
    if not np.isfinite(number):
        return None
    return int(number) if isinstance(value, int | np.integer) else number


def _json_ready(value: object) -> object:
    """Mappings, sequences, numpy scalars and arrays as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _json_ready(value.tolist())
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_json_ready(v) for v in items]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _json_number(value)
    if value is None or isinstance(value, str):
        return value
    return str(value)
