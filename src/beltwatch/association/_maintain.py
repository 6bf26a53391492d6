"""Catalog maintenance after linking: re-correlation against the new objects' orbits.

The new objects' batch least-squares orbits (numerical propagator, covariance mapped by
the state transition matrix) predict every tracklet of the survey far better than a
linking hypothesis or an aged element set. Each tracklet is tested against them with the
same tracklet-level Mahalanobis distance as :func:`~beltwatch.association.correlate`
(S = J P J^T + R_fit + Q, Q a km-level model floor ``maintain_model_km``):

* a tracklet of another new object that fits: the two objects are fragments of one when
  most of either's tracklets fit the other and a joint batch fit converges with an RMS
  below ``maintain_join_rms_factor`` times the worse of the two and at most
  ``maintain_join_max_off_fraction`` of the tracklets off (see below; split off after);
* an unlinked UCT tracklet that fits is absorbed (one tracklet per visit and object);
* a tracklet tagged to a cataloged object (or ambiguous) is re-tagged to the new object
  when its cost (d^2 + ln det S / det R_fit) is lower by more than ``ambiguity_delta``
  than its best catalog candidate's: a removed or uncataloged object that had fallen in a
  co-located neighbour's wide element-set gate.

Every object is verified before (a foreign tracklet would block its visit) and, when it
absorbed tracklets, after: tracklets whose residual RMS exceeds ``maintain_tracklet_sigmas``
times max(1, the object's median tracklet RMS) in observation sigmas (a neighbour's
tracklet taken by linking, rows the batch fit rejected) are split off and the object
refitted; an object whose refit does not converge goes back to its tracklets and orbit
before the step. Objects that fall below M-of-N are dropped.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.stats import chi2

from beltwatch.association._config import AssociationConfig
from beltwatch.association._correlate import (
    AMBIGUOUS,
    CORRELATED,
    UCT,
    CorrelationResult,
    predicted_beta,
)
from beltwatch.association._linking import NewObject, batch_fit, same_visit
from beltwatch.orbit_determination import kepler_propagate, propagator_with_cr
from beltwatch.timescales import tai_seconds_since_j2000, time_from_tai_seconds


def maintain(
    result: CorrelationResult,
    new: list[NewObject],
    propagator,
    config: AssociationConfig | None = None,
) -> tuple[CorrelationResult, list[NewObject]]:
    """Updated correlation result and new objects (see the module docstring); inputs are
    not modified. Tracklets of a new object get status "uct" and the object's number."""
    cfg = config or AssociationConfig()
    tr = result.tracklets
    if tr is None or not new:
        return result, new
    objs = [replace(o, tracklets=list(o.tracklets)) for o in new]
    if any(o.estimate is None for o in objs):
        batch_fit(objs, result.table, propagator)
    objs = [o for o in objs if o.fitted]
    _verify(objs, result, propagator, cfg)  # before absorbing: a foreign tracklet blocks a visit
    d2, cost = _statistics(result, objs, propagator, cfg)  # (n_obj, K)
    n_before = len(objs)
    objs = _join_fragments(objs, _owner(tr, objs), d2 < _gate(tr, cfg), result, propagator, cfg)
    if len(objs) != n_before:
        _verify(objs, result, propagator, cfg)
        d2, cost = _statistics(result, objs, propagator, cfg)
    before = {id(o): (list(o.tracklets), o.rows, o.estimate) for o in objs}
    changed = _absorb(objs, _owner(tr, objs), d2 < _gate(tr, cfg), d2, cost, result, cfg)
    if changed:
        absorbed = [objs[i] for i in sorted(changed)]
        _refit(absorbed, result, propagator)
        _verify(absorbed, result, propagator, cfg)
        _keep_converged(absorbed, before)
    t_first = tr.t_ref_s.min()
    for o in objs:
        o.nights = len({int((tr.t_ref_s[j] - t_first) // cfg.night_length_s) for j in o.tracklets})
    objs = [
        o
        for o in objs
        if len(o.tracklets) >= cfg.confirm_min_tracklets
        and o.nights >= cfg.confirm_min_nights
        and o.fitted
    ]
    return _updated_result(result, objs), objs


def _owner(tr, objs) -> np.ndarray:
    """Index of the new object holding each tracklet (-1: none)."""
    owner = np.full(len(tr), -1)
    for i, o in enumerate(objs):
        owner[o.tracklets] = i
    return owner


def _verify(objs, result, propagator, cfg) -> None:
    """Split off tracklets off the objects' fits (see _split_outliers) and refit those."""
    before = {id(o): (o.tracklets, o.rows, o.estimate) for o in objs}
    split = _split_outliers(objs, result, cfg)
    if split:
        _refit(split, result, propagator)
        _keep_converged(split, before)


def _keep_converged(objs, before) -> None:
    """Objects whose refit did not converge go back to their state ``before``."""
    for o in objs:
        if not o.fitted:
            o.tracklets, o.rows, o.estimate = before[id(o)]


def _gate(tr, cfg) -> np.ndarray:
    """Chi-square gate per tracklet: 4 dof (position and rate), 2 for one observation."""
    return chi2.ppf(cfg.gate_probability, np.where(tr.n_obs >= 2, 4, 2))


def _statistics(result, objs, propagator, cfg):
    """d^2 and cost (n_obj, K) of every tracklet against every new object (inf: not near)."""
    tr, table = result.tracklets, result.table
    n, K = len(objs), len(tr)
    d2 = np.full((n, K), np.inf)
    cost = np.full((n, K), np.inf)
    t_key = np.round(tr.t_ref_s / 600.0) * 600.0  # anchors every 10 min, two-body from there
    anchors, idx = np.unique(t_key, return_inverse=True)
    epoch_s = np.array([tai_seconds_since_j2000(o.estimate.epoch) for o in objs], dtype=float)
    all_states = np.empty((n, len(anchors), 6))
    all_stm = np.empty((n, len(anchors), 6, 6))
    for e in np.unique(epoch_s):  # one propagation per epoch (batch fits share theirs)
        group = np.flatnonzero(epoch_s == e)
        x0 = np.array([objs[i].estimate.state for i in group])
        cr = [objs[i].estimate.cr for i in group]
        prop = propagator if None in cr else propagator_with_cr(propagator, np.array(cr))
        all_states[group], all_stm[group] = prop.propagate(
            objs[group[0]].estimate.epoch, x0, time_from_tai_seconds(anchors), with_stm=True
        )
    for i, o in enumerate(objs):
        states, stm = all_states[i : i + 1], all_stm[i : i + 1]
        est = o.estimate
        P = stm[0] @ est.covariance @ np.swapaxes(stm[0], -1, -2)
        P[:, :3, :3] += np.eye(3) * cfg.maintain_model_km**2
        vals, vecs = np.linalg.eigh(0.5 * (P + np.swapaxes(P, -1, -2)))
        sq = vecs * np.sqrt(np.maximum(vals, 0.0))[:, None, :]  # (m, 6, 6)
        x = states[0, idx]  # (K, 6) at the anchors
        r, _ = kepler_propagate(x[:, :3], x[:, 3:], tr.t_ref_s - anchors[idx])
        rel = r - tr.observer_ref_km
        u = rel / np.linalg.norm(rel, axis=1, keepdims=True)
        obs_dir = tr.u0 + tr.beta[:, :1] * tr.e1 + tr.beta[:, 1:2] * tr.e2
        obs_dir /= np.linalg.norm(obs_dir, axis=1, keepdims=True)
        near = np.flatnonzero(np.sum(u * obs_dir, axis=1) > np.cos(np.radians(0.5)))
        if not len(near):
            continue
        X0 = np.concatenate([x[near, None], x[near, None] + np.swapaxes(sq[idx[near]], 1, 2)], 1)
        rr, vv = kepler_propagate(X0[..., :3], X0[..., 3:], (tr.t_ref_s - anchors[idx])[near, None])
        beta = predicted_beta(table, tr, near, np.concatenate([rr, vv], axis=-1))
        D = beta[:, 1:] - beta[:, :1]
        R = tr.fit_covariance[near]
        S = np.swapaxes(D, 1, 2) @ D + R
        delta = tr.beta[near] - beta[:, 0]
        d2[i, near] = np.sum(delta * np.linalg.solve(S, delta[..., None])[..., 0], axis=-1)
        cost[i, near] = d2[i, near] + np.linalg.slogdet(S)[1] - np.linalg.slogdet(R)[1]
    bad = ~np.isfinite(d2)
    d2[bad], cost[bad] = np.inf, np.inf
    return d2, cost


def _join_fragments(objs, owner, gated, result, propagator, cfg):
    """Merge new objects that are fragments of one (joint batch fit must pass)."""
    n = len(objs)
    pairs = []
    for i in range(n):
        for j in range(i + 1, n):
            fit_ij = gated[i, objs[j].tracklets].mean()
            fit_ji = gated[j, objs[i].tracklets].mean()
            if max(fit_ij, fit_ji) > 0.5 and not same_visit(
                result.tracklets, objs[i].tracklets, objs[j].tracklets, cfg
            ):
                pairs.append((i, j))
    if not pairs:
        return objs
    trials = [
        NewObject(
            object_id=min(objs[i].object_id, objs[j].object_id),
            tracklets=sorted(objs[i].tracklets + objs[j].tracklets),
            rows=np.sort(np.concatenate([objs[i].rows, objs[j].rows])),
            nights=max(objs[i].nights, objs[j].nights),
            two_body_state=objs[i].estimate.state,
            epoch_s=float(np.atleast_1d(tai_seconds_since_j2000(objs[i].estimate.epoch))[0]),
        )
        for i, j in pairs
    ]
    batch_fit(trials, result.table, propagator)
    merged_into = list(range(n))
    out = {i: objs[i] for i in range(n)}
    for (i, j), trial in zip(pairs, trials, strict=True):
        worse = max(_rms(objs[i]), _rms(objs[j]))
        ok = trial.fitted
        sig = _tracklet_sigmas(trial, result)
        off = sig >= cfg.maintain_tracklet_sigmas * max(1.0, float(np.median(sig)))
        ok = ok and off.mean() <= cfg.maintain_join_max_off_fraction  # those split off later
        ok = ok and _rms(trial) < cfg.maintain_join_rms_factor * worse
        if ok and merged_into[i] == i and merged_into[j] == j:
            out[i] = trial
            del out[j]
            merged_into[j] = i
    return [out[i] for i in sorted(out)]


def _rms(o: NewObject) -> float:
    """Angle RMS (arcsec) of an object's fit (inf without one)."""
    return float("inf") if o.estimate is None else o.estimate.rms_arcsec


def _absorb(objs, owner, gated, d2, cost, result, cfg) -> set[int]:
    """Add fitting UCT tracklets and retag catalog-tagged ones (in place); changed objects."""
    tr = result.tracklets
    changed: set[int] = set()
    free = owner < 0
    for k in np.flatnonzero(free & gated.any(axis=0)):
        i = int(np.argmin(np.where(gated[:, k], d2[:, k], np.inf)))
        status = result.status[k]
        if status in (CORRELATED, AMBIGUOUS):
            best_catalog = min((c.cost for c in result.candidates[k]), default=np.inf)
            if not cost[i, k] < best_catalog - cfg.ambiguity_delta:
                continue
        elif status != UCT:
            continue
        if tr.n_obs[k] >= 2 and same_visit(tr, objs[i].tracklets, [int(k)], cfg):
            continue  # one tracklet per visit (a row split off a tracklet may rejoin)
        objs[i].tracklets.append(int(k))
        changed.add(i)
    for i in changed:
        objs[i].tracklets.sort()
        objs[i].rows = _rows(tr, objs[i].tracklets)
    return changed


def _tracklet_sigmas(o: NewObject, result) -> np.ndarray:
    """Residual RMS of each of an object's tracklets in units of the observation sigma."""
    tr, table = result.tracklets, result.table
    rows = o.rows[np.argsort(table.t_s[o.rows], kind="stable")]  # the fit's row order
    res = np.zeros(len(table))
    if o.estimate is None:
        return np.zeros(len(o.tracklets))
    res[rows] = np.sqrt(np.mean(o.estimate.residuals[:, :2] ** 2, axis=1))
    res[rows] /= table.sigma_rad[rows]
    return np.array([np.sqrt(np.mean(res[_rows(tr, [k])] ** 2)) for k in o.tracklets])


def _split_outliers(objs, result, cfg) -> list[NewObject]:
    """Drop tracklets whose residual RMS exceeds ``maintain_tracklet_sigmas`` times the
    larger of 1 and the object's median tracklet RMS (in sigmas); the objects changed."""
    changed = []
    for o in objs:
        sig = _tracklet_sigmas(o, result)
        off = sig >= cfg.maintain_tracklet_sigmas * max(1.0, float(np.median(sig)))
        if off.any():
            o.tracklets = [k for k, bad in zip(o.tracklets, off, strict=True) if not bad]
            o.rows = _rows(result.tracklets, o.tracklets)
            changed.append(o)
    return changed


def _refit(objs, result, propagator) -> None:
    """Batch fit objects again, starting from their current estimates."""
    for o in objs:
        if o.estimate is not None:
            o.two_body_state = o.estimate.state
            o.epoch_s = float(np.atleast_1d(tai_seconds_since_j2000(o.estimate.epoch))[0])
    batch_fit(objs, result.table, propagator)


def _rows(tr, tracklets) -> np.ndarray:
    return np.sort(np.concatenate([tr.rows[j, : tr.n_obs[j]] for j in tracklets]))


def _updated_result(result: CorrelationResult, objs: list[NewObject]) -> CorrelationResult:
    tr = result.tracklets
    status = result.status.copy()
    object_id = result.object_id.copy()
    for o in objs:
        status[o.tracklets] = UCT
        object_id[o.tracklets] = o.object_id
    obs_status = result.obs_status.copy()
    obs_object = result.obs_object_id.copy()
    valid = tr.rows >= 0
    kk = np.broadcast_to(np.arange(len(tr))[:, None], tr.rows.shape)[valid]
    obs_status[tr.rows[valid]] = status[kk]
    obs_object[tr.rows[valid]] = object_id[kk]
    return replace(
        result, status=status, object_id=object_id, obs_status=obs_status, obs_object_id=obs_object
    )
