"""Linking UCT tracklets across nights into new objects.

1. Hypothesis from one tracklet: a circular orbit (admissible-region slice r.v = 0,
   |v|^2 = mu/|r|) through its direction and angular rate, the root nearest GEO radius.
2. Tracklets in time order join the track whose two-body prediction falls inside the gate
   (position within ``link_circular_gate_deg`` + ``link_circular_gate_deg_per_hour`` per
   hour of extrapolation, angular rate within ``link_rate_gate_arcsec_s``); the track's
   two-body state is then refitted (Gauss-Newton) to all its observations. A tracklet that
   fits no track starts one.
3. M-of-N: a track with >= ``confirm_min_tracklets`` tracklets on >= ``confirm_min_nights``
   nights is confirmed; confirmed tracks get a batch least-squares orbit
   (beltwatch.orbit_determination.batch_least_squares on the numerical propagator, all
   tracks in one call) and become new objects numbered by their first UCT number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from beltwatch.association._config import AssociationConfig
from beltwatch.association._correlate import UCT, CorrelationResult
from beltwatch.association._table import ARCSEC, time_from_seconds
from beltwatch.frames import light_time_direction, unit_vector_from_radec
from beltwatch.orbit_determination import (
    MU_EARTH_KM3_S2,
    OrbitEstimate,
    batch_least_squares,
    kepler_propagate,
    radec_measurements,
)

GEO_RADIUS_KM = 42164.0


@dataclass(eq=False)
class NewObject:
    """A confirmed UCT track: its number, tracklets, observation rows and orbit."""

    object_id: int
    tracklets: list[int]
    rows: np.ndarray
    nights: int
    two_body_state: np.ndarray
    epoch_s: float
    estimate: OrbitEstimate | None = None
    failure: str | None = None


@dataclass(eq=False)
class _Track:
    tracklets: list[int] = field(default_factory=list)
    state: np.ndarray | None = None  # two-body GCRS state at epoch_s
    epoch_s: float = 0.0
    fitted: bool = False


def circular_hypothesis(
    direction: np.ndarray,
    rate: np.ndarray,
    observer_km: np.ndarray,
    observer_velocity_km_s: np.ndarray,
    mu: float = MU_EARTH_KM3_S2,
) -> np.ndarray | None:
    """GCRS state (6,) of the circular orbit through a tracklet (unit direction, its rate in
    rad/s as a 3-vector, observer state), the range root nearest GEO radius; None if none."""
    rho = np.arange(500.0, 120000.0, 25.0)
    r = observer_km + rho[:, None] * direction
    w = observer_velocity_km_s + rho[:, None] * rate
    rdot = -np.sum(r * w, axis=1) / np.sum(r * direction, axis=1)
    v = w + rdot[:, None] * direction
    rn = np.linalg.norm(r, axis=1)
    f = np.sum(v * v, axis=1) - mu / rn
    roots = np.flatnonzero(np.sign(f[:-1]) != np.sign(f[1:]))
    if not len(roots):
        return None
    frac = f[roots] / (f[roots] - f[roots + 1])
    rho_root = rho[roots] + frac * 25.0
    best = rho_root[np.argmin(np.abs(np.interp(rho_root, rho, rn) - GEO_RADIUS_KM))]
    rr = observer_km + best * direction
    ww = observer_velocity_km_s + best * rate
    rd = -np.dot(rr, ww) / np.dot(rr, direction)
    return np.concatenate([rr, ww + rd * direction])


def _directions(state: np.ndarray, epoch_s: float, t_s: np.ndarray, obs_km: np.ndarray):
    """Predicted unit vectors (..., n, 3) of two-body states (..., 6) at times t_s."""
    r, v = kepler_propagate(state[..., None, :3], state[..., None, 3:], t_s - epoch_s)
    return light_time_direction(r, v, obs_km, iterations=2)[0]


def _fit_two_body(state, epoch_s, t_s, unit_obs, obs_km, iterations: int = 8):
    """Gauss-Newton two-body fit of a state at epoch_s to observed unit vectors."""
    x = state.copy()
    z = np.broadcast_to([0.0, 0.0, 1.0], unit_obs.shape)
    e1 = np.cross(z, unit_obs)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = np.cross(unit_obs, e1)
    steps = np.array([1.0, 1.0, 1.0, 1e-4, 1e-4, 1e-4])
    for _ in range(iterations):
        X = np.vstack([x, x + np.diag(steps)])
        u = _directions(X, epoch_s, t_s, obs_km)  # (7, n, 3)
        d = u - unit_obs
        res = np.concatenate([np.sum(d * e1, -1), np.sum(d * e2, -1)], axis=-1)  # (7, 2n)
        J = (res[1:] - res[0]).T / steps
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(res[0]))):
            return state, np.inf
        JtJ = J.T @ J
        dx = np.linalg.solve(JtJ + 1e-6 * np.diag(np.diag(JtJ)) + 1e-30 * np.eye(6), -J.T @ res[0])
        scale = max(np.max(np.abs(dx[:3])) / 500.0, np.max(np.abs(dx[3:])) / 0.05, 1.0)
        x = x + dx / scale
        if np.all(np.abs(dx[:3]) < 1e-3):
            break
    u = _directions(x, epoch_s, t_s, obs_km)
    rms = float(np.sqrt(np.mean(np.sum((u - unit_obs) ** 2, -1))))
    return x, rms if np.isfinite(rms) else np.inf


def link_ucts(
    result: CorrelationResult,
    config: AssociationConfig | None = None,
    propagator=None,
    min_obs_per_tracklet: int = 2,
) -> tuple[list[NewObject], list[list[int]]]:
    """New objects from the UCT tracklets of a correlation result, and all tracks (lists
    of tracklet indices, confirmed or not). ``propagator``: a numerical propagator for the
    final batch least squares (None: keep the two-body fit, no estimate)."""
    cfg = config or AssociationConfig()
    tr, table = result.tracklets, result.table
    if tr is None:
        return [], []
    far = (
        np.ones(len(tr), bool)
        if result.nearest_d2 is None
        else result.nearest_d2 > cfg.link_exclude_catalog_d2
    )
    ucts = np.flatnonzero((result.status == UCT) & (tr.n_obs >= min_obs_per_tracklet) & far)
    ucts = ucts[np.argsort(tr.t_ref_s[ucts], kind="stable")]
    unit_all = unit_vector_from_radec(table.ra_rad, table.dec_rad)
    tracks: list[_Track] = []
    for k in ucts:
        rows = tr.rows[k, : tr.n_obs[k]]
        direction = tr.u0[k] + tr.beta[k, 0] * tr.e1[k] + tr.beta[k, 1] * tr.e2[k]
        direction /= np.linalg.norm(direction)
        rate = tr.beta[k, 2] * tr.e1[k] + tr.beta[k, 3] * tr.e2[k]
        best, best_score = None, 1.0
        for track in tracks:
            if np.min(np.abs(tr.t_ref_s[track.tracklets] - tr.t_ref_s[k])) < 1800.0:
                continue  # one object gives one tracklet per visit
            u = _directions(
                track.state, track.epoch_s, table.t_s[rows], table.observer_position_km[rows]
            )
            hours = abs(tr.t_ref_s[k] - track.epoch_s) / 3600.0
            if track.fitted:
                gate = (60.0 + 10.0 * hours) * ARCSEC
            else:
                gate = np.radians(
                    cfg.link_circular_gate_deg + cfg.link_circular_gate_deg_per_hour * hours
                )
            off = np.arccos(np.clip(np.sum(u * unit_all[rows], -1), -1, 1))
            du = (u[-1] - u[0]) / max(np.ptp(table.t_s[rows]), 1.0)
            dobs = (unit_all[rows][-1] - unit_all[rows][0]) / max(np.ptp(table.t_s[rows]), 1.0)
            rate_off = np.linalg.norm(du - dobs) / ARCSEC
            score = max(np.max(off) / gate, rate_off / cfg.link_rate_gate_arcsec_s)
            if score < best_score:
                best, best_score = track, score
        if best is None:
            x = circular_hypothesis(
                direction, rate, tr.observer_ref_km[k], tr.observer_ref_velocity_km_s[k]
            )
            if x is not None:
                tracks.append(_Track([int(k)], x, float(tr.t_ref_s[k])))
            continue
        trial = [*best.tracklets, int(k)]
        all_rows = np.concatenate([tr.rows[j, : tr.n_obs[j]] for j in trial])
        t_new = float(tr.t_ref_s[k])
        r, v = kepler_propagate(best.state[:3], best.state[3:], t_new - best.epoch_s)
        x, rms = _fit_two_body(
            np.concatenate([r, v]),
            t_new,
            table.t_s[all_rows],
            unit_all[all_rows],
            table.observer_position_km[all_rows],
        )
        a = 1.0 / (2.0 / np.linalg.norm(x[:3]) - np.dot(x[3:], x[3:]) / MU_EARTH_KM3_S2)
        u_new = _directions(x, t_new, table.t_s[rows], table.observer_position_km[rows])
        off_new = np.sqrt(np.mean(np.sum((u_new - unit_all[rows]) ** 2, -1)))
        limit = cfg.link_fit_rms_arcsec * ARCSEC
        if np.isfinite(rms) and rms < limit and off_new < limit and 20000.0 < a < 80000.0:
            best.tracklets = trial
            best.state, best.epoch_s, best.fitted = x, t_new, len(trial) >= 3
            continue
        x = circular_hypothesis(
            direction, rate, tr.observer_ref_km[k], tr.observer_ref_velocity_km_s[k]
        )
        if x is not None:
            tracks.append(_Track([int(k)], x, float(tr.t_ref_s[k])))
    t_first = tr.t_ref_s.min()
    new: list[NewObject] = []
    for track in tracks:
        nights = len(
            {int((tr.t_ref_s[j] - t_first) // cfg.night_length_s) for j in track.tracklets}
        )
        if len(track.tracklets) < cfg.confirm_min_tracklets or nights < cfg.confirm_min_nights:
            continue
        rows = np.concatenate([tr.rows[j, : tr.n_obs[j]] for j in track.tracklets])
        new.append(
            NewObject(
                object_id=int(result.object_id[track.tracklets[0]]),
                tracklets=list(track.tracklets),
                rows=np.sort(rows),
                nights=nights,
                two_body_state=track.state,
                epoch_s=track.epoch_s,
            )
        )
    if propagator is not None and new:
        _batch_fit(new, table, propagator)
    return new, [t.tracklets for t in tracks]


def _batch_fit(new: list[NewObject], table, propagator) -> None:
    """One batch least-squares call for all new objects (epoch: the last observation)."""
    parts, starts = [], []
    epoch_s = max(float(table.t_s[o.rows].max()) for o in new)
    for i, obj in enumerate(new):
        rows = obj.rows[np.argsort(table.t_s[obj.rows])]
        parts.append(
            radec_measurements(
                time_from_seconds(table.t_s[rows]),
                table.ra_rad[rows],
                table.dec_rad[rows],
                table.sigma_rad[rows],
                table.observer_position_km[rows],
                table.observer_velocity_km_s[rows],
                table.sensor_id[rows],
                obs_id=table.obs_id[rows],
                object_index=i,
            )
        )
        r, v = kepler_propagate(
            obj.two_body_state[:3], obj.two_body_state[3:], epoch_s - obj.epoch_s
        )
        starts.append(np.concatenate([r, v]))
    from beltwatch.orbit_determination import MeasurementSet

    meas = MeasurementSet.concatenate(parts).sorted()
    estimates = batch_least_squares(
        meas, time_from_seconds(np.array([epoch_s]))[0], np.array(starts), propagator
    )
    for obj, est in zip(new, estimates, strict=True):
        obj.estimate = est
        if not est.converged:
            obj.failure = f"least squares did not converge (rms {est.rms_arcsec:.1f} arcsec)"
