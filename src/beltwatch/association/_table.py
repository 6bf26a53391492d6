"""Observations as a structure of arrays, screening with reasons, and tracklets.

A tracklet is the observations of one sensor sharing a track id (observations without a
track id are one-observation tracklets). Each tracklet is summarised by a straight-line
fit in the tangent plane at its mean direction: (xi0, eta0) at its mean time and the
angular rate (xi_dot, eta_dot), rad and rad/s, with the fit covariance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time

from beltwatch.constants import ARCSEC_RAD
from beltwatch.frames import tangent_plane_basis, unit_vector_from_radec
from beltwatch.timescales import tai_seconds_since_j2000, time_from_tai_seconds
from beltwatch.values import Observation


@dataclass(frozen=True, eq=False)
class ObservationTable:
    """Angles-only observations (n rows); times as TAI seconds since J2000 (``t_s``)."""

    obs_id: np.ndarray
    t_s: np.ndarray
    ra_rad: np.ndarray
    dec_rad: np.ndarray
    sigma_rad: np.ndarray
    observer_position_km: np.ndarray
    observer_velocity_km_s: np.ndarray
    sensor_id: np.ndarray
    track_id: np.ndarray
    truth_id: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    def take(self, index: np.ndarray) -> ObservationTable:
        truth = None if self.truth_id is None else self.truth_id[index]
        return ObservationTable(
            self.obs_id[index],
            self.t_s[index],
            self.ra_rad[index],
            self.dec_rad[index],
            self.sigma_rad[index],
            self.observer_position_km[index],
            self.observer_velocity_km_s[index],
            self.sensor_id[index],
            self.track_id[index],
            truth,
        )

    @property
    def times(self) -> Time:
        return time_from_tai_seconds(self.t_s)

    @classmethod
    def from_observations(
        cls, observations: Sequence[Observation], default_sigma_arcsec: float = 1.0
    ) -> ObservationTable:
        """The table of observation objects (times converted in one call per time scale)."""
        n = len(observations)
        t_s = np.full(n, np.nan)
        scales = np.array([o.time.scale for o in observations], dtype=object)
        jd1 = np.array([float(o.time.jd1) for o in observations])
        jd2 = np.array([float(o.time.jd2) for o in observations])
        for scale in set(scales.tolist()):
            rows = scales == scale
            tai = Time(jd1[rows], jd2[rows], format="jd", scale=scale).tai
            t_s[rows] = tai_seconds_since_j2000(tai)
        sig = np.array(
            [
                np.nanmean([o.ra_sigma_rad, o.dec_sigma_rad]) if _finite_any(o) else np.nan
                for o in observations
            ]
        )
        sig = np.where(np.isfinite(sig) & (sig > 0), sig, default_sigma_arcsec * ARCSEC_RAD)
        vel = [
            np.zeros(3) if o.observer_velocity_km_s is None else o.observer_velocity_km_s
            for o in observations
        ]
        return cls(
            obs_id=np.array([o.obs_id for o in observations], dtype=object),
            t_s=t_s,
            ra_rad=np.array([o.ra_rad for o in observations], dtype=float),
            dec_rad=np.array([o.dec_rad for o in observations], dtype=float),
            sigma_rad=sig,
            observer_position_km=np.array(
                [o.observer_position_km for o in observations], dtype=float
            ).reshape(n, 3),
            observer_velocity_km_s=np.nan_to_num(np.array(vel, dtype=float).reshape(n, 3)),
            sensor_id=np.array([o.sensor_id for o in observations], dtype=object),
            track_id=np.array(
                [o.track_id if o.track_id is not None else "" for o in observations], dtype=object
            ),
        )


def _finite_any(o: Observation) -> bool:
    return bool(np.isfinite(o.ra_sigma_rad) or np.isfinite(o.dec_sigma_rad))


def screen_table(table: ObservationTable) -> tuple[np.ndarray, list[tuple[int, str, str]]]:
    """Row indices fit for association, in time order, and rejected (row, obs id, reason).

    Reasons: duplicate id (the later row is rejected), non-finite time, angles or observer
    position, declination outside [-90, 90] deg.
    """
    rejected: list[tuple[int, str, str]] = []
    keep = np.ones(len(table), dtype=bool)
    seen: set[str] = set()
    finite_obs = np.all(np.isfinite(table.observer_position_km), axis=1)
    for i, oid in enumerate(table.obs_id):
        reason = None
        if oid in seen:
            reason = "duplicate observation id"
        elif not np.isfinite(table.t_s[i]):
            reason = "observation time is not finite"
        elif not (np.isfinite(table.ra_rad[i]) and np.isfinite(table.dec_rad[i])):
            reason = "RA or Dec is not a finite number"
        elif abs(table.dec_rad[i]) > np.pi / 2:
            reason = "declination outside [-90, 90] deg"
        elif not finite_obs[i]:
            reason = "observer position (senx/seny/senz) missing or not finite"
        seen.add(oid)
        if reason is not None:
            rejected.append((i, str(oid), reason))
            keep[i] = False
    rows = np.flatnonzero(keep)
    return rows[np.argsort(table.t_s[rows], kind="stable")], rejected


@dataclass(frozen=True, eq=False)
class Tracklets:
    """K tracklets over an observation table; per-tracklet arrays padded to N observations.

    ``rows`` (K, N) table rows (-1 pads); ``dt_s`` (K, N) seconds from ``t_ref_s`` (K);
    ``fit_operator`` (K, 2, N) maps tangent-plane values to (intercept, slope);
    ``beta`` (K, 4) observed (xi0, eta0, xi_dot, eta_dot); ``fit_covariance`` (K, 4, 4);
    ``u0``, ``e1``, ``e2`` (K, 3) the tangent-plane basis; ``n_obs`` (K).
    """

    rows: np.ndarray
    n_obs: np.ndarray
    t_ref_s: np.ndarray
    dt_s: np.ndarray
    u0: np.ndarray
    e1: np.ndarray
    e2: np.ndarray
    fit_operator: np.ndarray
    beta: np.ndarray
    fit_covariance: np.ndarray
    observer_ref_km: np.ndarray
    observer_ref_velocity_km_s: np.ndarray
    sensor_id: np.ndarray

    def __len__(self) -> int:
        return int(self.n_obs.shape[0])


SINGLE_RATE_VARIANCE = 1e-6  # (rad/s)^2: no rate information in a one-observation tracklet


def project(unit: np.ndarray, u0: np.ndarray, e1: np.ndarray, e2: np.ndarray) -> np.ndarray:
    """Gnomonic tangent-plane coordinates (..., 2) of unit vectors about u0 (broadcast)."""
    w = np.sum(unit * u0, axis=-1)
    return np.stack([np.sum(unit * e1, axis=-1) / w, np.sum(unit * e2, axis=-1) / w], axis=-1)


def _fit(dt: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted straight-line operator (K, 2, N) and its covariance (K, 2, 2)."""
    A = np.stack([np.ones_like(dt), dt], axis=-1)  # (K, N, 2)
    AtW = np.swapaxes(A, 1, 2) * weight[:, None, :]
    normal = AtW @ A
    single = np.sum(weight > 0, axis=1) < 2
    normal[single, 1, 1] = 1.0 / SINGLE_RATE_VARIANCE
    normal[single, 0, 1] = normal[single, 1, 0] = 0.0
    cov = np.linalg.inv(normal)
    return cov @ AtW, cov


def build_tracklets(
    table: ObservationTable, rows: np.ndarray, groups: list[np.ndarray] | None = None
) -> Tracklets:
    """Tracklets from table rows: grouped by (sensor, track id) unless ``groups`` are given."""
    if groups is None:
        groups = group_rows(table, rows)
    K = len(groups)
    N = max((len(g) for g in groups), default=1)
    R = np.full((K, N), -1, dtype=np.int64)
    for k, g in enumerate(groups):
        R[k, : len(g)] = g[np.argsort(table.t_s[g], kind="stable")]
    pad = R < 0
    Rc = np.where(pad, R[:, :1], R)
    n_obs = np.sum(~pad, axis=1)
    t = table.t_s[Rc]
    weight = np.where(pad, 0.0, 1.0 / table.sigma_rad[Rc] ** 2)
    t_ref = np.sum(np.where(pad, 0.0, t), axis=1) / n_obs
    dt = np.where(pad, 0.0, t - t_ref[:, None])
    unit = unit_vector_from_radec(table.ra_rad[Rc], table.dec_rad[Rc])
    u0 = np.sum(np.where(pad[..., None], 0.0, unit), axis=1)
    u0 /= np.linalg.norm(u0, axis=-1, keepdims=True)
    e1, e2 = tangent_plane_basis(u0)
    xy = project(unit, u0[:, None], e1[:, None], e2[:, None])  # (K, N, 2)
    op, cov2 = _fit(dt, weight)
    coef = op @ xy  # (K, 2 [intercept, slope], 2 [xi, eta])
    beta = np.concatenate([coef[:, 0, :], coef[:, 1, :]], axis=1)
    cov4 = np.zeros((K, 4, 4))
    for a in range(2):
        for b in range(2):
            cov4[:, 2 * a, 2 * b] = cov4[:, 2 * a + 1, 2 * b + 1] = cov2[:, a, b]
    o = table.observer_position_km[Rc]
    ov = table.observer_velocity_km_s[Rc]
    obs_ref = (
        np.sum(np.where(pad[..., None], 0.0, o + ov * (-dt[..., None])), axis=1) / n_obs[:, None]
    )
    obs_ref_v = np.sum(np.where(pad[..., None], 0.0, ov), axis=1) / n_obs[:, None]
    return Tracklets(
        rows=R,
        n_obs=n_obs,
        t_ref_s=t_ref,
        dt_s=dt,
        u0=u0,
        e1=e1,
        e2=e2,
        fit_operator=op,
        beta=beta,
        fit_covariance=cov4,
        observer_ref_km=obs_ref,
        observer_ref_velocity_km_s=obs_ref_v,
        sensor_id=table.sensor_id[R[:, 0]],
    )


def group_rows(table: ObservationTable, rows: np.ndarray) -> list[np.ndarray]:
    """Rows grouped by (sensor, track id); rows without a track id stand alone."""
    groups: dict[tuple, list[int]] = {}
    singles = []
    for i in rows:
        tid = table.track_id[i]
        if tid:
            groups.setdefault((table.sensor_id[i], tid), []).append(int(i))
        else:
            singles.append(np.array([i]))
    return [np.array(g) for g in groups.values()] + singles


def split_outliers(
    table: ObservationTable, groups: list[np.ndarray], sigma: float, floor_arcsec: float
) -> tuple[list[np.ndarray], int]:
    """Remove from each tracklet (>= 3 rows) observations off a smooth track: residuals from
    a quadratic (4+ rows) or a straight line (3 rows, with ``floor_arcsec`` allowed for the
    curvature of the apparent track, which reaches tens of arcsec over minutes for nearby
    objects seen from a moving host) above ``sigma`` times their sigma; leave-one-out.
    Removed rows become one-observation tracklets."""
    out: list[np.ndarray] = []
    n_split = 0
    for g in groups:
        if len(g) < 3:
            out.append(g)
            continue
        current = list(g[np.argsort(table.t_s[g], kind="stable")])
        while len(current) >= 3 and np.max(_smooth_residuals(table, current, floor_arcsec)) > sigma:
            trials = [
                np.max(_smooth_residuals(table, current[:j] + current[j + 1 :], floor_arcsec))
                if len(current) > 3
                else 0.0
                for j in range(len(current))
            ]
            if len(current) == 3:  # no redundancy left: drop the row farthest from the others
                trials = list(-_smooth_residuals(table, current, floor_arcsec))
            j = int(np.argmin(trials))
            out.append(np.array([current[j]]))
            n_split += 1
            current = current[:j] + current[j + 1 :]
        out.append(np.array(current))
    return out, n_split


def _smooth_residuals(table: ObservationTable, rows: list[int], floor_arcsec: float) -> np.ndarray:
    """Residuals of rows (time order) from a quadratic (4+ rows) or a line (3 rows, minus the
    curvature allowance ``floor_arcsec``), in units of the rows' sigmas."""
    r = np.asarray(rows)
    unit = unit_vector_from_radec(table.ra_rad[r], table.dec_rad[r])
    u0 = unit.mean(axis=0)
    u0 /= np.linalg.norm(u0)
    e1, e2 = tangent_plane_basis(u0[None])
    xy = project(unit, u0, e1[0], e2[0])
    t = table.t_s[r] - table.t_s[r].mean()
    deg = 2 if len(r) >= 4 else 1
    A = np.vander(t / max(np.ptp(t), 1.0), deg + 1)
    coef, *_ = np.linalg.lstsq(A, xy, rcond=None)
    off = np.linalg.norm(xy - A @ coef, axis=-1)
    if deg == 1:
        off = np.maximum(off - floor_arcsec * ARCSEC_RAD, 0.0)
    return off / table.sigma_rad[r]


def observations_from_table(
    table: ObservationTable,
    markings,
    rows: np.ndarray | None = None,
    norad_ids: np.ndarray | None = None,
) -> list[Observation]:
    """Observation objects of a table's rows (default all; for writing exchange files),
    tagged with ``norad_ids[k]`` for ``rows[k]`` when given."""
    rows = np.arange(len(table)) if rows is None else np.asarray(rows)
    times = time_from_tai_seconds(table.t_s[rows]).utc
    return [
        Observation(
            obs_id=str(table.obs_id[i]),
            time=times[k],
            ra_rad=float(table.ra_rad[i]),
            dec_rad=float(table.dec_rad[i]),
            ra_sigma_rad=float(table.sigma_rad[i]),
            dec_sigma_rad=float(table.sigma_rad[i]),
            observer_position_km=table.observer_position_km[i].copy(),
            observer_velocity_km_s=table.observer_velocity_km_s[i].copy(),
            sensor_id=str(table.sensor_id[i]),
            markings=markings,
            norad_id=None if norad_ids is None else int(norad_ids[k]),
            track_id=str(table.track_id[i]) or None,
        )
        for k, i in enumerate(rows)
    ]
