"""Correlation of tracklets to catalog objects: Mahalanobis gating and global assignment.

For every tracklet, objects whose predicted direction lies within a coarse cone are
candidates; each candidate gets a tracklet-level chi-square on the 4-vector (tangent-plane
position at the tracklet's mean time and angular rate, from a straight-line fit of all
its observations) with innovation covariance S = J P J^T + R_fit (J from the six
square-root-covariance perturbations of the predicted state, propagated through the
same fit). Pairs inside the chi-square gate are assigned globally per frame sequence
(tracklets of one sensor overlapping in time) by ``scipy.optimize.linear_sum_assignment``
on cost d^2 + ln(det S / det R_fit), one object per tracklet and one tracklet per object.
A tracklet is reported ambiguous (all candidates listed, not tagged) when the best joint
assignment of its sequence without its pairing (another object, a swap with another
tracklet, the object going to another tracklet) costs less than ``ambiguity_delta`` more;
a tracklet left a UCT is ambiguous when the best assignment that tags it is that close.
Between two assignment passes every object with enough tagged tracklets gets a time-bias
line (its element set's in-track error, see :func:`_time_bias`); its pairs are re-evaluated
with the shifted prediction and the in-track sigma set to the line's scatter.
Tracklets with no object inside the gate become UCTs, numbered from the configured range.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2

from beltwatch.association._config import AssociationConfig
from beltwatch.association._predict import (
    Predictions,
    element_set_sqrt_cov,
    predict_catalog,
)
from beltwatch.association._table import (
    ObservationTable,
    Tracklets,
    build_tracklets,
    group_rows,
    project,
    screen_table,
    split_outliers,
)
from beltwatch.catalog import Catalog
from beltwatch.frames import light_time_direction, rtn_basis
from beltwatch.orbit_determination import kepler_propagate
from beltwatch.propagation import Sgp4Propagator

CORRELATED = "correlated"
UCT = "uct"
AMBIGUOUS = "ambiguous"
REJECTED = "rejected"
_DUMMY_COST = 1.0e6
_NO_COST = 1.0e9


@dataclass(frozen=True)
class Candidate:
    """An object inside a tracklet's gate: Mahalanobis distance squared and cost."""

    object_id: int
    d2: float
    cost: float


@dataclass(eq=False)
class CorrelationResult:
    """Per-tracklet and per-observation outcome of :func:`correlate`.

    ``status`` (K,) correlated / uct / ambiguous; ``object_id`` (K,) the catalog number of
    a correlated tracklet, the UCT number of a UCT, -1 otherwise; ``candidates`` (K,) the
    gated candidates, best first; ``nearest_d2`` (K,) the smallest Mahalanobis distance
    squared to any catalog object, gated or not (UCT linking skips tracklets close to one).
    ``obs_status`` / ``obs_object_id`` per table row
    (rejected rows: status "rejected", reason in ``rejected``).
    """

    table: ObservationTable
    tracklets: Tracklets
    status: np.ndarray
    object_id: np.ndarray
    d2: np.ndarray
    candidates: list[list[Candidate]]
    obs_status: np.ndarray
    obs_object_id: np.ndarray
    rejected: list[tuple[int, str, str]] = field(default_factory=list)
    n_split_outliers: int = 0
    next_uct_id: int = 0
    n_pairs_evaluated: int = 0
    nearest_d2: np.ndarray | None = None

    def counts(self) -> dict[str, int]:
        """Observations per status."""
        values, n = np.unique(self.obs_status.astype(str), return_counts=True)
        return {str(v): int(c) for v, c in zip(values, n, strict=True)}


def correlate(
    table: ObservationTable,
    catalog: Catalog,
    config: AssociationConfig | None = None,
    next_uct_id: int | None = None,
    propagator: Sgp4Propagator | None = None,
) -> CorrelationResult:
    """Tag every observation: correlated to a catalog object, UCT, ambiguous or rejected."""
    cfg = config or AssociationConfig()
    rows, rejected = screen_table(table)
    groups = group_rows(table, rows)
    groups, n_split = (
        split_outliers(table, groups, cfg.tracklet_outlier_sigma, cfg.tracklet_outlier_floor_arcsec)
        if groups
        else (
            groups,
            0,
        )
    )
    tr = build_tracklets(table, rows, groups) if groups else None
    K = 0 if tr is None else len(tr)
    status = np.full(K, UCT, dtype=object)
    object_id = np.full(K, -1, dtype=np.int64)
    best_d2 = np.full(K, np.nan)
    cands: list[list[Candidate]] = [[] for _ in range(K)]
    n_pairs = 0
    nearest_d2 = np.full(K, np.inf)
    if tr is not None and len(catalog):
        t_key = np.round(tr.t_ref_s, 3)
        uniq, ref_idx = np.unique(t_key, return_inverse=True)
        pred = predict_catalog(catalog, uniq, cfg, propagator)
        pk, pj = _coarse_pairs(tr, ref_idx, pred, cfg)
        n_pairs = len(pk)
        d2, cost = _pair_statistics(table, tr, ref_idx, pred, pk, pj)
        fin = np.isfinite(d2)
        np.minimum.at(nearest_d2, pk[fin], d2[fin])
        dof = np.where(tr.n_obs[pk] >= 2, 4, 2)
        gated = np.isfinite(d2) & (d2 < chi2.ppf(cfg.gate_probability, dof))
        pk, pj, d2, cost = pk[gated], pj[gated], d2[gated], cost[gated]
        out = (status, object_id, best_d2, cands)
        _assign(tr, pk, pj, d2, cost, pred.object_id, cfg, *out)
        if cfg.time_bias_min_tracklets > 0:
            d2, cost = _time_bias(table, tr, ref_idx, pred, pk, pj, d2, cost, cfg, *out)
            gated = np.isfinite(d2) & (d2 < chi2.ppf(cfg.gate_probability, dof[gated]))
            pk, pj, d2, cost = pk[gated], pj[gated], d2[gated], cost[gated]
            status[:], object_id[:], best_d2[:] = UCT, -1, np.nan
            cands[:] = [[] for _ in range(K)]
            _assign(tr, pk, pj, d2, cost, pred.object_id, cfg, *out)
    uct_next = cfg.uct_first_id if next_uct_id is None else int(next_uct_id)
    for k in np.flatnonzero(status == UCT):
        if uct_next <= cfg.uct_last_id:
            object_id[k] = uct_next
            uct_next += 1
    obs_status = np.full(len(table), REJECTED, dtype=object)
    obs_object = np.full(len(table), -1, dtype=np.int64)
    if tr is not None:
        valid = tr.rows >= 0
        kk = np.broadcast_to(np.arange(K)[:, None], tr.rows.shape)[valid]
        obs_status[tr.rows[valid]] = status[kk]
        obs_object[tr.rows[valid]] = object_id[kk]
    return CorrelationResult(
        table=table,
        tracklets=cast(Tracklets, tr),  # None only when no row survived screening
        status=status,
        object_id=object_id,
        d2=best_d2,
        candidates=cands,
        obs_status=obs_status,
        obs_object_id=obs_object,
        rejected=rejected,
        n_split_outliers=n_split,
        next_uct_id=uct_next,
        n_pairs_evaluated=n_pairs,
        nearest_d2=nearest_d2,
    )


def _coarse_pairs(
    tr: Tracklets, ref_idx: np.ndarray, pred: Predictions, cfg: AssociationConfig, chunk: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """(tracklet, object) pairs whose predicted direction at the tracklet's mean time lies
    within max(coarse_gate_deg, coarse_sigmas x in-track sigma / range) of its direction,
    the object farther than ``min_range_km`` from the observer."""
    sig_it = pred.in_track_sigma_km()
    out_k, out_j = [], []
    for lo in range(0, len(tr), chunk):
        k = np.arange(lo, min(lo + chunk, len(tr)))
        m = ref_idx[k]
        r = pred.position_km[:, m].swapaxes(0, 1)  # (c, n_obj, 3)
        v = pred.velocity_km_s[:, m].swapaxes(0, 1)
        unit, rng, _ = light_time_direction(r, v, tr.observer_ref_km[k, None, :], iterations=1)
        cosang = np.einsum("cnj,cj->cn", unit, tr.u0[k])
        radius = np.maximum(
            np.radians(cfg.coarse_gate_deg), cfg.coarse_sigmas * sig_it[:, m].T / rng
        )
        near = (cosang > np.cos(np.minimum(radius, np.pi))) & pred.valid[:, m].T
        near &= rng > cfg.min_range_km  # the observing host itself, when it is cataloged
        kk, jj = np.nonzero(near)
        out_k.append(k[kk])
        out_j.append(jj)
    if not out_k:
        return np.array([], int), np.array([], int)
    return np.concatenate(out_k), np.concatenate(out_j)


def _pair_statistics(
    table: ObservationTable,
    tr: Tracklets,
    ref_idx: np.ndarray,
    pred: Predictions,
    pk: np.ndarray,
    pj: np.ndarray,
    chunk: int = 8192,
) -> tuple[np.ndarray, np.ndarray]:
    """Mahalanobis distance squared and cost of each (tracklet, object) pair."""
    d2 = np.full(len(pk), np.nan)
    cost = np.full(len(pk), np.nan)
    for lo in range(0, len(pk), chunk):
        sl = slice(lo, lo + chunk)
        k, j = pk[sl], pj[sl]
        m = ref_idx[k]
        x0 = np.concatenate([pred.position_km[j, m], pred.velocity_km_s[j, m]], axis=-1)
        d2[sl], cost[sl] = state_statistics(table, tr, k, x0, pred.sqrt_cov(j, m))
    return d2, cost


def state_statistics(
    table: ObservationTable, tr: Tracklets, k: np.ndarray, x0: np.ndarray, S: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mahalanobis distance squared and cost of tracklets k against predicted states x0
    (P, 6) at their reference times with square-root covariances S (P, 6, 6)."""
    X = np.concatenate([x0[:, None, :], x0[:, None, :] + np.swapaxes(S, 1, 2)], axis=1)
    beta = predicted_beta(table, tr, k, X)  # (P, 7, 4)
    D = beta[:, 1:] - beta[:, :1]  # (P, 6, 4)
    R = tr.fit_covariance[k]
    Sinn = np.swapaxes(D, 1, 2) @ D + R
    delta = tr.beta[k] - beta[:, 0]
    sol = np.linalg.solve(Sinn, delta[..., None])[..., 0]
    d2 = np.sum(delta * sol, axis=-1)
    return d2, d2 + np.linalg.slogdet(Sinn)[1] - np.linalg.slogdet(R)[1]


def predicted_beta(table: ObservationTable, tr: Tracklets, k: np.ndarray, X: np.ndarray):
    """Tangent-plane fit (P, s, 4) of predicted directions of states X (P, s, 6) at the
    tracklets' reference times, evaluated at their observation times and observers."""
    rows = np.where(tr.rows[k] >= 0, tr.rows[k], tr.rows[k, :1])  # (P, N)
    dt = tr.dt_s[k]  # (P, N)
    r, v = kepler_propagate(X[:, :, None, :3], X[:, :, None, 3:], dt[:, None, :])
    obs = table.observer_position_km[rows][:, None]  # (P, 1, N, 3)
    unit, _, _ = light_time_direction(r, v, obs, iterations=2)
    xy = project(unit, tr.u0[k][:, None, None], tr.e1[k][:, None, None], tr.e2[k][:, None, None])
    coef = tr.fit_operator[k][:, None] @ xy  # (P, s, 2, 2)
    return np.concatenate([coef[..., 0, :], coef[..., 1, :]], axis=-1)


def sequences(tr: Tracklets) -> np.ndarray:
    """Sequence number per tracklet: tracklets of one sensor whose time spans overlap."""
    start = tr.t_ref_s + np.min(tr.dt_s, axis=1)
    end = tr.t_ref_s + np.max(tr.dt_s, axis=1)
    seq = np.empty(len(tr), dtype=np.int64)
    next_id = 0
    for sensor in np.unique(tr.sensor_id.astype(str)):
        idx = np.flatnonzero(tr.sensor_id.astype(str) == sensor)
        idx = idx[np.argsort(start[idx], kind="stable")]
        current_end = -np.inf
        for i in idx:
            if start[i] > current_end:
                next_id += 1
            seq[i] = next_id
            current_end = max(current_end, end[i])
    return seq


def _time_bias(table, tr, ref_idx, pred, pk, pj, d2, cost, cfg, status, object_id, *_):
    """Refined d^2 and cost of every gated pair whose object has a time-bias model.

    An element set's error is mostly in-track and grows linearly with time: a time bias
    tau(t) = a + b t. Each tagged tracklet measures tau (its tangent-plane offset along
    the direction the object's own motion would move the prediction); per object a
    weighted line with iterated 3-sigma clipping (MAD scale) needs at least
    ``time_bias_min_tracklets`` tracklets. The prediction is shifted by tau(t) and the
    in-track position sigma of the model becomes the line's scatter (at least the epoch
    sigma) instead of the age-grown one; radial and cross-track sigmas keep their growth.
    """
    ids = pred.object_id
    m = ref_idx[pk]
    x0 = np.concatenate([pred.position_km[pj, m], pred.velocity_km_s[pj, m]], axis=-1)
    q = np.flatnonzero((status[pk] == CORRELATED) & (object_id[pk] == ids[pj]))
    if not len(q):
        return d2, cost
    step = 60.0
    r, v = kepler_propagate(x0[q, :3], x0[q, 3:], step)
    beta = predicted_beta(table, tr, pk[q], np.stack([x0[q], np.concatenate([r, v], -1)], 1))
    d_tau = (beta[:, 1, :2] - beta[:, 0, :2]) / step
    den = np.sum(d_tau * d_tau, axis=1)
    tau = np.sum(d_tau * (tr.beta[pk[q], :2] - beta[:, 0, :2]), axis=1) / den
    t_q = tr.t_ref_s[pk[q]]
    t0 = float(np.mean(tr.t_ref_s))
    coef = np.full((len(ids), 2), np.nan)
    scatter = np.full(len(ids), np.nan)
    for j in np.unique(pj[q]):
        sel = np.flatnonzero(pj[q] == j)
        if len(sel) >= cfg.time_bias_min_tracklets:
            coef[j], scatter[j] = _robust_line(t_q[sel] - t0, tau[sel], den[sel])
    idx = np.flatnonzero(np.isfinite(coef[pj, 0]))
    if not len(idx):
        return d2, cost
    jj = pj[idx]
    shift = coef[jj, 0] + coef[jj, 1] * (tr.t_ref_s[pk[idx]] - t0)
    r, v = kepler_propagate(x0[idx, :3], x0[idx, 3:], shift)
    g = cfg.tle_growth_km_per_day
    s0 = cfg.tle_sigma_km
    cfg_tb = replace(cfg, tle_sigma_km=(s0[0], 0.0, s0[2]), tle_growth_km_per_day=(g[0], 0.0, g[2]))
    S = element_set_sqrt_cov(r, v, pred.age_days[jj, m[idx]], cfg_tb)
    speed = np.linalg.norm(v, axis=1)
    sig_it = np.maximum(s0[1], scatter[jj] * speed)  # km
    n_rad_s = speed / np.linalg.norm(r, axis=1)
    in_track = np.swapaxes(rtn_basis(r, v), -1, -2)[..., 1]  # (P, 3)
    S[:, :3, 1] = in_track * sig_it[:, None]
    S[:, 3:, 4] = in_track * (cfg.tle_velocity_factor * n_rad_s * sig_it)[:, None]
    d2, cost = d2.copy(), cost.copy()
    d2[idx], cost[idx] = state_statistics(table, tr, pk[idx], np.concatenate([r, v], -1), S)
    return d2, cost


def _robust_line(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted line y = a + b t with iterated 3-sigma clipping: ((a, b), robust scatter)."""
    keep = np.ones(len(t), dtype=bool)
    A = np.stack([np.ones_like(t), t], axis=1)
    coef = np.array([np.median(y), 0.0])
    scale = np.inf
    for _ in range(4):
        if keep.sum() >= 2:
            Aw = A[keep] * w[keep, None]
            coef = np.linalg.lstsq(Aw.T @ A[keep], Aw.T @ y[keep], rcond=None)[0]
        res = y - A @ coef
        scale = 1.4826 * float(np.median(np.abs(res[keep]))) + 1e-3
        keep = np.abs(res) < 3.0 * scale
    return coef, scale


def _next_best(C: np.ndarray, a: int, c: int) -> float:
    """Total cost of the best assignment of matrix C that does not pair row a with column c
    (a runner-up for this tracklet, possibly through a swap with another tracklet)."""
    C2 = C.copy()
    C2[a, c] = _NO_COST
    r2, c2 = linear_sum_assignment(C2)
    return float(C2[r2, c2].sum())


def _assign(tr, pk, pj, d2, cost, ids, cfg, status, object_id, best_d2, cands) -> None:
    """Global assignment per sequence; ambiguity and candidate lists (in place)."""
    if not len(pk):
        return
    seq = sequences(tr)
    order = np.argsort(seq[pk], kind="stable")
    pk, pj, d2, cost = pk[order], pj[order], d2[order], cost[order]
    bounds = np.flatnonzero(np.diff(seq[pk])) + 1
    for part in np.split(np.arange(len(pk)), bounds):
        k_u, k_inv = np.unique(pk[part], return_inverse=True)
        j_u, j_inv = np.unique(pj[part], return_inverse=True)
        C = np.full((len(k_u), len(j_u) + len(k_u)), _NO_COST)
        C[k_inv, j_inv] = cost[part]
        C[np.arange(len(k_u)), len(j_u) + np.arange(len(k_u))] = _DUMMY_COST
        rr, cc = linear_sum_assignment(C)
        total = C[rr, cc].sum()
        pair_of = {(int(a), int(b)): int(p) for a, b, p in zip(k_inv, j_inv, part, strict=True)}
        for a, c in zip(rr, cc, strict=True):
            k = int(k_u[a])
            mine = [p for p in part[k_inv == a]]
            mine.sort(key=lambda p: cost[p])
            cands[k] = [Candidate(int(ids[pj[p]]), float(d2[p]), float(cost[p])) for p in mine]
            if c >= len(j_u):  # a UCT, unless a near-equal assignment tags it
                if mine and _next_best(C, a, c) - total < cfg.ambiguity_delta:
                    status[k] = AMBIGUOUS
                continue
            p = pair_of[(int(a), int(c))]
            best_d2[k] = d2[p]
            contested = len(mine) > 1 or np.sum(C[:, c] < _NO_COST) > 1
            if contested and _next_best(C, a, c) - total < cfg.ambiguity_delta:
                status[k] = AMBIGUOUS
            else:
                status[k] = CORRELATED
                object_id[k] = int(ids[pj[p]])
