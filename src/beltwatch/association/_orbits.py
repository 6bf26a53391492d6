"""Correlation against our own OD orbits: ambiguous tracklets decided by the batch
least-squares orbits of their cataloged candidates instead of aged element sets.

An element set's covariance grows by kilometres a day (mostly in-track), so two
co-located objects seen from one host often both gate a tracklet and correlation reports
it ambiguous. Every cataloged candidate of an ambiguous tracklet that already has
``confirm_min_tracklets`` tagged tracklets gets a batch least-squares orbit from them (C_R
solved for, the od consistency gate; tracklets off the fit split off first, as in
:func:`~beltwatch.association.maintain`), whose STM-mapped covariance (plus the
``maintain_model_km`` floor) is far tighter. The tracklet is then tagged to the object
whose orbit gates it with a cost lower by more than ``ambiguity_delta`` than every other
competitor's - the other candidates (all of which must have an orbit, else it stays
ambiguous) and any new object whose orbit gates it - and only when that object has no
other tracklet in the same frame sequence.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from beltwatch.association._config import AssociationConfig
from beltwatch.association._correlate import AMBIGUOUS, CORRELATED, CorrelationResult, sequences
from beltwatch.association._linking import NewObject, batch_fit
from beltwatch.association._maintain import _gate, _rows, _statistics, _verify
from beltwatch.catalog import Catalog
from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import time_from_tai_seconds


def correlate_with_orbits(
    result: CorrelationResult,
    catalog: Catalog,
    propagator,
    new: list[NewObject] | None = None,
    config: AssociationConfig | None = None,
) -> tuple[CorrelationResult, list[NewObject]]:
    """(updated result, the cataloged objects' fitted orbits); inputs are not modified."""
    cfg = config or AssociationConfig()
    tr = result.tracklets
    if tr is None:
        return result, []
    amb = np.flatnonzero(result.status == AMBIGUOUS)
    wanted = sorted({c.object_id for k in amb for c in result.candidates[k]})
    fits = _cataloged_fits(result, catalog, wanted, propagator, cfg)
    new_fitted = [o for o in (new or []) if o.fitted]
    objs = fits + new_fitted
    if not fits or not len(amb):
        return result, fits
    d2, cost = _statistics(result, objs, propagator, cfg)
    gated = d2 < _gate(tr, cfg)
    index = {o.object_id: i for i, o in enumerate(fits)}
    n_fit = len(fits)
    seq = sequences(tr)
    status, object_id = result.status.copy(), result.object_id.copy()
    chosen: dict[tuple[int, int], list[int]] = {}
    for k in amb:
        cands = [c.object_id for c in result.candidates[k]]
        if not cands or not all(c in index for c in cands):
            continue
        rivals = [index[c] for c in cands] + [n_fit + j for j in range(len(new_fitted))]
        costs = np.array([cost[i, k] if gated[i, k] else np.inf for i in rivals])
        order = np.argsort(costs)
        if not np.isfinite(costs[order[0]]) or order[0] >= len(cands):
            continue  # no catalog candidate's orbit gates it, or a new object wins
        runner_up = costs[order[1]] if len(order) > 1 else np.inf
        if runner_up - costs[order[0]] < cfg.ambiguity_delta:
            continue
        c = cands[order[0]]
        if np.any((seq == seq[k]) & (status == CORRELATED) & (object_id == c)):
            continue  # one tracklet per object and frame sequence
        chosen.setdefault((int(seq[k]), int(c)), []).append(int(k))
    for (_, c), ks in chosen.items():
        if len(ks) == 1:  # two ambiguous tracklets of one sequence for one object: neither
            status[ks[0]], object_id[ks[0]] = CORRELATED, c
    return _with_status(result, status, object_id), fits


def _cataloged_fits(result, catalog, ids, propagator, cfg) -> list[NewObject]:
    """Batch LS orbits of cataloged objects from their tagged tracklets (gate passed)."""
    tr = result.tracklets
    objs = []
    for norad in ids:
        ks = np.flatnonzero((result.status == CORRELATED) & (result.object_id == norad))
        row = catalog[catalog.norad_id == norad]
        if len(ks) < cfg.confirm_min_tracklets or len(row) == 0:
            continue
        t_last = float(tr.t_ref_s[ks].max())
        eph = Sgp4Propagator(workers=1).propagate(
            row, time_from_tai_seconds(np.array([t_last])), "gcrs"
        )
        if not eph.valid.all():
            continue
        state = np.concatenate([eph.position_km[0, 0], eph.velocity_km_s[0, 0]])
        objs.append(NewObject(int(norad), list(ks), _rows(tr, list(ks)), 0, state, t_last))
    if not objs:
        return []
    batch_fit(objs, result.table, propagator)
    objs = [o for o in objs if o.fitted]
    _verify(objs, result, propagator, cfg)
    return [o for o in objs if o.fitted]


def _with_status(result: CorrelationResult, status, object_id) -> CorrelationResult:
    tr = result.tracklets
    obs_status = result.obs_status.copy()
    obs_object = result.obs_object_id.copy()
    valid = tr.rows >= 0
    kk = np.broadcast_to(np.arange(len(tr))[:, None], tr.rows.shape)[valid]
    obs_status[tr.rows[valid]] = status[kk]
    obs_object[tr.rows[valid]] = object_id[kk]
    return replace(
        result, status=status, object_id=object_id, obs_status=obs_status, obs_object_id=obs_object
    )
