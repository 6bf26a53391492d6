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
    """Position (km) and velocity (km/s) at ``epoch`` in ``frame``, with an optional
    covariance ordered x, y, z, vx, vy, vz (km, km/s): 6x6, or 7x7 with the SRP
    coefficient ``cr`` as the last row and column when the state carries one.

    ``cr`` is an effective coefficient for the propagator's assumed area-to-mass ratio.
    ``object_name`` and ``intl_designator`` name the object as its catalog does (""
    when unknown; CCSDS OBJECT_NAME and OBJECT_ID). What IOD returns, what batch least
    squares and the filter take and return, what priors hold and what products are
    written from.
    """

    epoch: Time
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    frame: str = "gcrs"
    covariance: np.ndarray | None = None
    norad_id: int | None = None
    markings: Markings | None = None
    object_name: str = ""
    intl_designator: str = ""
    cr: float | None = None

    @property
    def state(self) -> np.ndarray:
        """(6,) position and velocity."""
        return np.concatenate([self.position_km, self.velocity_km_s])

    @property
    def state_covariance(self) -> np.ndarray | None:
        """The 6x6 position/velocity block of the covariance (None without one)."""
        return None if self.covariance is None else np.asarray(self.covariance)[:6, :6]

    @property
    def cr_sigma(self) -> float | None:
        """1-sigma of ``cr`` (None unless the covariance is 7x7)."""
        cov = self.covariance
        return None if cov is None or np.shape(cov) != (7, 7) else float(np.sqrt(cov[6, 6]))


@dataclass(frozen=True)
class FitQuality:
    """Whether a fit's own statistics support it, for downstream stages to refuse weak
    orbits: the chi-square of the post-fit residuals against its gate, the arc, and what
    the data say about C_R.

    ``chi2`` is the sum of squared normalised residuals of the used rows, ``dof`` their
    scalar count minus the solve-for parameters; ``chi2_threshold`` the gate (see
    ``orbit_determination.ConsistencyGate``). ``cr_observability``: "estimated",
    "not separable" (the posterior sigma is close to the prior's: the arc cannot tell C_R
    from the state), "at lower bound" (held at 0) or "not estimated". ``reason`` says why
    the fit fails the gate or the observability test (empty when it passes both).
    """

    chi2: float
    dof: int
    chi2_threshold: float
    arc_length_s: float
    n_tracklets: int
    cr_observability: str
    position_sigma_km: float
    consistent: bool
    observable: bool
    reason: str = ""

    @property
    def passed(self) -> bool:
        return self.consistent and self.observable

    def as_record(self) -> dict:
        """JSON-ready fields (orbits.json ``quality`` block)."""
        return {
            "chi2": round(self.chi2, 2),
            "dof": self.dof,
            "chi2_threshold": round(self.chi2_threshold, 2),
            "consistent": self.consistent,
            "observable": self.observable,
            "arc_length_h": round(self.arc_length_s / 3600.0, 3),
            "n_tracklets": self.n_tracklets,
            "cr_observability": self.cr_observability,
            "position_sigma_km": round(self.position_sigma_km, 4),
            "reason": self.reason,
        }


@dataclass(frozen=True, eq=False)
class OrbitEstimate:
    """An :class:`OrbitState` from a fit, with the fit's statistics.

    ``residuals`` (k, 3) observed minus computed per measurement row (rad, or km for
    range), ``used`` (k,) rows kept by data editing; ``rms_weighted`` the RMS of the
    normalised residuals of used rows, ``rms_arcsec`` of their angles; ``chi2`` and
    ``dof`` as in :class:`FitQuality`; ``quality`` set once the consistency gate ran.
    """

    orbit: OrbitState
    rms_weighted: float
    rms_arcsec: float
    n_used: int
    n_rejected: int
    converged: bool
    iterations: int
    residuals: np.ndarray = field(repr=False)
    used: np.ndarray = field(repr=False)
    chi2: float = float("nan")
    dof: int = 0
    maneuver_dv_km_s: np.ndarray | None = None
    maneuver_covariance: np.ndarray | None = None
    cr_at_bound: bool = False
    quality: FitQuality | None = None

    @property
    def epoch(self) -> Time:
        return self.orbit.epoch

    @property
    def position_km(self) -> np.ndarray:
        return self.orbit.position_km

    @property
    def velocity_km_s(self) -> np.ndarray:
        return self.orbit.velocity_km_s

    @property
    def state(self) -> np.ndarray:
        return self.orbit.state

    @property
    def frame(self) -> str:
        return self.orbit.frame

    @property
    def norad_id(self) -> int | None:
        return self.orbit.norad_id

    @property
    def cr(self) -> float | None:
        return self.orbit.cr

    @property
    def cr_sigma(self) -> float | None:
        return self.orbit.cr_sigma

    @property
    def covariance(self) -> np.ndarray:
        """6x6 position/velocity covariance (km, km/s)."""
        cov = self.orbit.state_covariance
        return np.full((6, 6), np.nan) if cov is None else cov

    @property
    def full_covariance(self) -> np.ndarray | None:
        """7x7 covariance with C_R (None when C_R was not estimated)."""
        cov = self.orbit.covariance
        return None if cov is None or np.shape(cov) != (7, 7) else np.asarray(cov)


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
