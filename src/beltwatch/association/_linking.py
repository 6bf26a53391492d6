"""Linking UCT tracklets across visits and nights into new objects.

Tracklets are taken in time order; every link is a hypothesis that an orbit fit must pass.

1. **Hypotheses of one tracklet**: a family of two-body states sampled from its admissible
   region (direction and angular rate known, range and range rate not): for each radial
   velocity in +-``link_radial_velocity_km_s`` and each semi-major axis (GEO radius
   scaled by ``link_sma_factors``, or a = r), every range on the line of sight where the
   energy matches. The circular orbit (v_r = 0, a = r) is one member; eccentric and
   drifting orbits are others.
2. **Candidates for a new tracklet**:

   * fitted tracks (two tracklets or more): the tracklet-level Mahalanobis distance of
     its 4-vector (tangent-plane position and angular rate) to the track's two-body
     prediction, S = J P J^T + R_fit + Q, P the fit covariance and Q a two-body model
     error growing with the extrapolation time; chi-square gate (4 dof); near misses up
     to ``link_near_miss_factor`` times the gate are tried last (the windowed two-body
     fit, not its extrapolation, decides);
   * one-tracklet tracks ``link_min_separation_s`` to ``link_pair_hours`` earlier: the
     best member of their hypothesis family within ``link_circular_gate_deg`` +
     ``link_circular_gate_deg_per_hour`` x hours and ``link_rate_gate_arcsec_s``.

   Candidates are tried best first. The test: a two-body fit (Gauss-Newton) to the
   track's observations of the last ``link_window_hours`` plus the new tracklet stays
   under ``link_fit_rms_arcsec`` (two-body dynamics hold to an arcsec or two over half a
   day of GEO arc, not over days). The first candidate that passes takes the tracklet;
   a tracklet no candidate accepts starts a track. A track takes one tracklet per visit
   (sensor and frame sequence).
3. **Confirmation** (M-of-N): >= ``confirm_min_tracklets`` tracklets on >=
   ``confirm_min_nights`` nights.
4. **Orbits** (when a numerical propagator is given): batch least squares on all
   confirmed tracks in one call (C_R solved for). New objects are numbered by their first
   UCT number. Verification against these orbits, fragment joins and re-correlation are
   :func:`beltwatch.association.maintain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import chi2

from beltwatch.association._config import AssociationConfig
from beltwatch.association._correlate import UCT, CorrelationResult, predicted_beta
from beltwatch.association._table import Tracklets
from beltwatch.constants import ARCSEC_RAD, GEO_RADIUS_KM, GM_EARTH_EGM2008_KM3_S2
from beltwatch.frames import light_time_direction, tangent_plane_basis, unit_vector_from_radec
from beltwatch.orbit_determination import (
    BatchOptions,
    ConsistencyGate,
    MeasurementSet,
    OrbitEstimate,
    batch_least_squares_each,
    kepler_propagate,
    radec_measurements,
)
from beltwatch.timescales import time_from_tai_seconds

# C_R a priori sigma of a new object's fit: practically free (the data decide).
NEW_OBJECT_CR_SIGMA = 10.0
_STEPS = np.array([1.0, 1.0, 1.0, 1e-4, 1e-4, 1e-4])  # km, km/s: finite-difference steps


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

    @property
    def fitted(self) -> bool:
        """Whether the orbit passed the consistency gate (converged, residuals
        consistent with the observation sigmas, observable)."""
        q = None if self.estimate is None else self.estimate.quality
        return q is not None and q.passed


@dataclass(eq=False)
class _Track:
    tracklets: list[int]
    epoch_s: float
    state: np.ndarray  # (6,) two-body GCRS state at epoch_s (fitted tracks)
    sqrt_cov: np.ndarray | None = None  # (6, 6) of the fit; None for one tracklet
    hypotheses: np.ndarray | None = None  # (H, 6) at epoch_s for a one-tracklet track
    rms_arcsec: float = 0.0
    history: list[float] = field(default_factory=list)


def admissible_hypotheses(
    direction: np.ndarray,
    rate: np.ndarray,
    observer_km: np.ndarray,
    observer_velocity_km_s: np.ndarray,
    config: AssociationConfig | None = None,
    mu: float = GM_EARTH_EGM2008_KM3_S2,
) -> np.ndarray:
    """GCRS states (H, 6) sampled from a tracklet's admissible region (unit direction, its
    rate in rad/s as a 3-vector, observer state): for each radial velocity and
    semi-major axis of the configured grids, every range where the energy matches."""
    cfg = config or AssociationConfig()
    step = cfg.link_range_step_km
    rho = np.arange(step, cfg.link_max_range_km, step)
    r = observer_km + rho[:, None] * direction  # (R, 3)
    w = observer_velocity_km_s + rho[:, None] * rate
    rn = np.linalg.norm(r, axis=1)
    vmax = cfg.link_radial_velocity_km_s
    vr = np.linspace(-vmax, vmax, 2 * round(vmax / cfg.link_radial_velocity_step_km_s) + 1)
    a = np.array([0.0, *(GEO_RADIUS_KM * np.asarray(cfg.link_sma_factors))])  # 0: a = r
    vr_c, a_c = (x.ravel()[:, None] for x in np.meshgrid(vr, a, indexing="ij"))  # (C, 1)
    rho_dot = (rn * vr_c - np.sum(r * w, axis=1)) / np.sum(r * direction, axis=1)  # (C, R)
    v = w + rho_dot[..., None] * direction
    a_eff = np.where(a_c > 0, a_c, rn)
    f = np.sum(v * v, axis=-1) - mu * (2.0 / rn - 1.0 / a_eff)
    c, i = np.nonzero(np.sign(f[:, :-1]) != np.sign(f[:, 1:]))
    frac = f[c, i] / (f[c, i] - f[c, i + 1])
    rho_root = rho[i] + frac * step
    rr = observer_km + rho_root[:, None] * direction
    ww = observer_velocity_km_s + rho_root[:, None] * rate
    rdot = (np.linalg.norm(rr, axis=1) * vr_c[c, 0] - np.sum(rr * ww, axis=1)) / (rr @ direction)
    states = np.concatenate([rr, ww + rdot[:, None] * direction], axis=1)
    sma = 1.0 / (2.0 / np.linalg.norm(rr, axis=1) - np.sum(states[:, 3:] ** 2, 1) / mu)
    keep = (sma > cfg.link_sma_km[0]) & (sma < cfg.link_sma_km[1])
    return states[keep]


def _directions(state: np.ndarray, epoch_s: float, t_s: np.ndarray, obs_km: np.ndarray):
    """Predicted unit vectors (..., n, 3) of two-body states (..., 6) at times t_s."""
    r, v = kepler_propagate(state[..., None, :3], state[..., None, 3:], t_s - epoch_s)
    return light_time_direction(r, v, obs_km, iterations=2)[0]


def _fit_two_body(state, epoch_s, t_s, unit_obs, obs_km, sigma_rad, iterations: int = 12):
    """Gauss-Newton two-body fit of a state at epoch_s to observed unit vectors.

    Returns (state, per-axis RMS in arcsec, square-root covariance (6, 6) scaled by the
    reduced chi-square when above 1)."""
    x = state.copy()
    e1, e2 = tangent_plane_basis(unit_obs)
    w = np.concatenate([1.0 / sigma_rad, 1.0 / sigma_rad])
    J = np.zeros((2 * len(t_s), 6))
    res = np.full(2 * len(t_s), np.inf)
    for _ in range(iterations):
        X = np.vstack([x, x + np.diag(_STEPS)])
        d = _directions(X, epoch_s, t_s, obs_km) - unit_obs  # (7, n, 3)
        r_all = np.concatenate([np.sum(d * e1, -1), np.sum(d * e2, -1)], axis=-1) * w
        res = r_all[0]
        J = (r_all[1:] - res).T / _STEPS
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(res))):
            return state, np.inf, None
        JtJ = J.T @ J
        dx = np.linalg.solve(JtJ + 1e-9 * np.diag(np.diag(JtJ)) + 1e-30 * np.eye(6), -J.T @ res)
        scale = max(np.max(np.abs(dx[:3])) / 2000.0, np.max(np.abs(dx[3:])) / 0.2, 1.0)
        x = x + dx / scale
        if scale == 1.0 and np.all(np.abs(dx[:3]) < 1e-3):
            break
    d = _directions(x, epoch_s, t_s, obs_km) - unit_obs
    res = np.concatenate([np.sum(d * e1, -1), np.sum(d * e2, -1)]) * w
    chi2_red = float(np.sum(res**2) / max(len(res) - 6, 1))
    rms = float(np.sqrt(np.mean((res / w) ** 2)) / ARCSEC_RAD)
    try:
        P = np.linalg.inv(J.T @ J) * max(1.0, chi2_red)
        vals, vecs = np.linalg.eigh(0.5 * (P + P.T))
        sqrt_cov = vecs * np.sqrt(np.maximum(vals, 0.0))
    except np.linalg.LinAlgError:
        return x, np.inf, None
    return x, rms if np.isfinite(rms) else np.inf, sqrt_cov


def _sq(track: _Track) -> np.ndarray:
    """A fitted track's square-root covariance (fitted tracks always have one)."""
    return np.zeros((6, 6)) if track.sqrt_cov is None else track.sqrt_cov


def same_visit(tr: Tracklets, a: list[int], b: list[int], cfg: AssociationConfig) -> bool:
    """Whether a tracklet of ``a`` and one of ``b`` come from one visit: the same sensor,
    less than ``link_same_visit_s`` apart (one object gives one tracklet per visit)."""
    close = np.abs(tr.t_ref_s[a][:, None] - tr.t_ref_s[b][None, :]) < cfg.link_same_visit_s
    close &= tr.sensor_id[a][:, None] == tr.sensor_id[b][None, :]
    return bool(close.any())


def _tracklet_vectors(tr: Tracklets, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit direction and angular-rate vector (rad/s) of tracklet k at its mean time."""
    direction = tr.u0[k] + tr.beta[k, 0] * tr.e1[k] + tr.beta[k, 1] * tr.e2[k]
    direction = direction / np.linalg.norm(direction)
    return direction, tr.beta[k, 2] * tr.e1[k] + tr.beta[k, 3] * tr.e2[k]


class _Linker:
    """State of one linking run over a correlation result (tracks grow in place)."""

    def __init__(self, result: CorrelationResult, cfg: AssociationConfig):
        self.cfg = cfg
        self.tr = result.tracklets
        self.table = result.table
        self.unit = unit_vector_from_radec(self.table.ra_rad, self.table.dec_rad)
        self.tracks: list[_Track] = []
        self.gate_d2 = chi2.ppf(cfg.link_gate_probability, 4)

    def rows(self, tracklets) -> np.ndarray:
        return np.concatenate([self.tr.rows[j, : self.tr.n_obs[j]] for j in tracklets])

    def add(self, k: int) -> None:
        tr, cfg = self.tr, self.cfg
        t_k = float(tr.t_ref_s[k])
        candidates = self._fitted_candidates(k) + self._pair_candidates(k)
        candidates.sort(key=lambda c: c[0])
        for _, track, start in candidates[: cfg.link_max_tries]:
            window = [
                j for j in track.tracklets if t_k - tr.t_ref_s[j] <= cfg.link_window_hours * 3600
            ]
            window = window if len(window) >= 2 else track.tracklets[-2:]
            rows = self.rows([*window, k])
            x, rms, sqrt_cov = _fit_two_body(
                start,
                t_k,
                self.table.t_s[rows],
                self.unit[rows],
                self.table.observer_position_km[rows],
                self.table.sigma_rad[rows],
            )
            if sqrt_cov is None or not rms < cfg.link_fit_rms_arcsec:
                continue
            sma = 1.0 / (
                2.0 / np.linalg.norm(x[:3]) - np.dot(x[3:], x[3:]) / GM_EARTH_EGM2008_KM3_S2
            )
            if not cfg.link_sma_km[0] < sma < cfg.link_sma_km[1]:
                continue
            track.tracklets.append(k)
            track.state, track.epoch_s, track.sqrt_cov = x, t_k, sqrt_cov
            track.hypotheses, track.rms_arcsec = None, rms
            return
        direction, rate = _tracklet_vectors(tr, k)
        hyp = admissible_hypotheses(
            direction, rate, tr.observer_ref_km[k], tr.observer_ref_velocity_km_s[k], cfg
        )
        if len(hyp):
            self.tracks.append(_Track([k], t_k, hyp[0], hypotheses=hyp))

    def _separated(self, track: _Track, k: int) -> bool:
        return not same_visit(self.tr, track.tracklets, [k], self.cfg)

    def _fitted_candidates(self, k: int) -> list[tuple[float, _Track, np.ndarray]]:
        """(d^2, track, state at t_k) of fitted tracks whose prediction gates tracklet k
        (or nearly: up to ``link_near_miss_factor`` times the gate, ranked last)."""
        tr, cfg = self.tr, self.cfg
        t_k = float(tr.t_ref_s[k])
        fitted = [t for t in self.tracks if t.sqrt_cov is not None and self._separated(t, k)]
        if not fitted:
            return []
        X = np.stack([np.vstack([t.state, t.state + _sq(t).T]) for t in fitted])  # (F,7,6)
        dt = np.array([t_k - t.epoch_s for t in fitted])
        r, v = kepler_propagate(X[..., :3], X[..., 3:], dt[:, None])
        Xk = np.concatenate([r, v], axis=-1)
        beta = predicted_beta(self.table, tr, np.full(len(fitted), k), Xk)  # (F, 7, 4)
        D = beta[:, 1:] - beta[:, :1]
        hours = np.abs(dt) / 3600.0
        rng = np.linalg.norm(r[:, 0] - tr.observer_ref_km[k], axis=-1)
        q_pos = (cfg.link_model_km + cfg.link_model_km_per_hour * hours) / rng
        q_rate = (cfg.link_model_km_s + cfg.link_model_km_s_per_hour * hours) / rng
        Q = np.zeros((len(fitted), 4, 4))
        Q[:, 0, 0] = Q[:, 1, 1] = q_pos**2
        Q[:, 2, 2] = Q[:, 3, 3] = q_rate**2
        S = np.swapaxes(D, 1, 2) @ D + tr.fit_covariance[k] + Q
        delta = tr.beta[k] - beta[:, 0]
        d2 = np.sum(delta * np.linalg.solve(S, delta[..., None])[..., 0], axis=-1)
        return [
            (float(d2[i]), fitted[i], Xk[i, 0])
            for i in np.flatnonzero(
                np.isfinite(d2) & (d2 < cfg.link_near_miss_factor * self.gate_d2)
            )
        ]

    def _pair_candidates(self, k: int) -> list[tuple[float, _Track, np.ndarray]]:
        """(score + gate d^2, track, state at t_k) of one-tracklet tracks whose best
        hypothesis lands within the position and rate gates of tracklet k (score < 1;
        offset by the chi-square gate so fitted tracks are tried first)."""
        tr, cfg = self.tr, self.cfg
        t_k = float(tr.t_ref_s[k])
        singles = [
            t
            for t in self.tracks
            if t.hypotheses is not None
            and cfg.link_min_separation_s <= t_k - t.epoch_s <= cfg.link_pair_hours * 3600.0
        ]
        if not singles:
            return []
        hyp = [t.hypotheses for t in singles if t.hypotheses is not None]
        H = np.concatenate(hyp)
        owner = np.repeat(np.arange(len(singles)), [len(h) for h in hyp])
        dt = t_k - np.array([t.epoch_s for t in singles])[owner]
        r, v = kepler_propagate(H[:, :3], H[:, 3:], dt)
        rel = r - tr.observer_ref_km[k]
        rng = np.linalg.norm(rel, axis=1)
        u = rel / rng[:, None]
        vrel = v - tr.observer_ref_velocity_km_s[k]
        rate = (vrel - np.sum(vrel * u, 1)[:, None] * u) / rng[:, None]
        direction, rate_k = _tracklet_vectors(tr, k)
        off = np.arccos(np.clip(u @ direction, -1.0, 1.0))
        gate = np.radians(
            cfg.link_circular_gate_deg + cfg.link_circular_gate_deg_per_hour * dt / 3600.0
        )
        rate_off = np.linalg.norm(rate - rate_k, axis=1) / ARCSEC_RAD
        score = np.maximum(off / gate, rate_off / cfg.link_rate_gate_arcsec_s)
        out = []
        for i in np.unique(owner):
            mine = np.flatnonzero(owner == i)
            best = mine[np.argmin(score[mine])]
            if score[best] < 1.0:
                out.append(
                    (self.gate_d2 + score[best], singles[i], np.concatenate([r[best], v[best]]))
                )
        return out


def link_ucts(
    result: CorrelationResult,
    config: AssociationConfig | None = None,
    propagator=None,
    min_obs_per_tracklet: int = 2,
) -> tuple[list[NewObject], list[list[int]]]:
    """New objects from the UCT tracklets of a correlation result, and all tracks (lists
    of tracklet indices, confirmed or not). ``propagator``: a numerical propagator for the
    verification by batch least squares (None: keep the two-body fits, no estimate)."""
    cfg = config or AssociationConfig()
    tr = result.tracklets
    if tr is None:
        return [], []
    far = (
        np.ones(len(tr), bool)
        if result.nearest_d2 is None
        else result.nearest_d2 > cfg.link_exclude_catalog_d2
    )
    ucts = np.flatnonzero((result.status == UCT) & (tr.n_obs >= min_obs_per_tracklet) & far)
    linker = _Linker(result, cfg)
    for k in ucts[np.argsort(tr.t_ref_s[ucts], kind="stable")]:
        linker.add(int(k))
    t_first = tr.t_ref_s.min()

    def nights(tracklets) -> int:
        return len({int((tr.t_ref_s[j] - t_first) // cfg.night_length_s) for j in tracklets})

    new = [
        NewObject(
            object_id=int(result.object_id[t.tracklets[0]]),
            tracklets=list(t.tracklets),
            rows=np.sort(linker.rows(t.tracklets)),
            nights=nights(t.tracklets),
            two_body_state=t.state,
            epoch_s=t.epoch_s,
        )
        for t in linker.tracks
        if len(t.tracklets) >= cfg.confirm_min_tracklets
        and nights(t.tracklets) >= cfg.confirm_min_nights
    ]
    if propagator is not None and new:
        batch_fit(new, result.table, propagator)
    return new, [t.tracklets for t in linker.tracks]


def batch_fit(new: list[NewObject], table, propagator) -> None:
    """One batch least-squares call for all new objects (epoch: the last observation)."""
    parts, starts = [], []
    epoch_s = max(float(table.t_s[o.rows].max()) for o in new)
    for i, obj in enumerate(new):
        rows = obj.rows[np.argsort(table.t_s[obj.rows])]
        parts.append(
            radec_measurements(
                time_from_tai_seconds(table.t_s[rows]),
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
    meas = MeasurementSet.concatenate(parts).sorted()
    estimates = batch_least_squares_each(
        meas,
        time_from_tai_seconds(np.array([epoch_s]))[0],
        np.array(starts),
        propagator,
        # C_R solved for: the SRP of an unknown object is unknown. Converged when the RMS
        # settles to 1 %: with C_R and data editing, steps of ~0.1 km can go on for tens
        # of iterations without changing the fit. Good tracks converge in < 10 iterations;
        # the limit bounds the time a diverging (wrongly linked) track costs all others.
        BatchOptions(
            estimate_cr=True,
            cr_apriori_sigma=NEW_OBJECT_CR_SIGMA,
            tolerance=0.01,
            max_iterations=15,
        ),
    )
    gate = ConsistencyGate()
    for i, (obj, est) in enumerate(zip(new, estimates, strict=True)):
        if est is None:
            obj.estimate, obj.failure = None, "least squares diverged (no orbit to propagate)"
            continue
        # The od consistency gate: a fit its own residuals contradict is no orbit.
        obj.estimate = gate.assess(est, parts[i], NEW_OBJECT_CR_SIGMA)
        q = obj.estimate.quality
        obj.failure = None if q is not None and q.passed else (q.reason if q else "no fit")
