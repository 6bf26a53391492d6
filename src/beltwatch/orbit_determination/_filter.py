"""Sequential filter for near-real-time catalog updates: an extended Kalman filter.

Objects held at a common ``epoch`` are propagated once (one vectorised call with the
STM) to the times of the new measurements; each object's rows are then processed in
time order as deviations from that reference trajectory, with white-acceleration
process noise, Joseph-form updates and innovation gating (a row whose normalised
innovation squared exceeds the chi-square gate is rejected, not absorbed). Per object,
the innovation test of :func:`innovation_test` (the batch gate's threshold applied to the
sum of accepted innovations) says whether the update is consistent.
The loop runs over "k-th row of each object", vectorised over objects.

With ``cr`` given, the SRP coefficient is a seventh state (as in batch LS): the reference
trajectory uses each object's C_R, its sensitivity comes from a second propagation with
C_R x (1 + ``cr_rel_step``), and covariances are 7x7 (state, C_R).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time
from scipy.stats import chi2

from beltwatch.orbit_determination._batch import StmPropagator, _union_times
from beltwatch.orbit_determination._gate import ConsistencyGate
from beltwatch.orbit_determination._measurements import (
    MeasurementSet,
    predict,
    residuals,
    scaled_partials,
)
from beltwatch.propagation import with_cr_column
from beltwatch.timescales import seconds_between
from beltwatch.values import OrbitState


@dataclass(frozen=True, eq=False)
class FilterResult:
    """Updated states (n, 6) and covariances (n, 6, 6), or (n, 7, 7) with C_R, at
    ``times`` (each object's last measurement time, or the input epoch if it had none);
    per-row acceptance and normalised innovation squared; updated C_R (n,) when it was
    estimated; per object whether the update passed the innovation test
    (:func:`innovation_test`) and, where not, why."""

    times: Time
    states: np.ndarray
    covariances: np.ndarray
    accepted: np.ndarray
    nis: np.ndarray
    cr: np.ndarray | None = None
    consistent: np.ndarray | None = None
    reason: tuple[str, ...] = ()

    def orbit_states(self) -> list[OrbitState]:
        """The updated objects as :class:`~beltwatch.values.OrbitState` (GCRS, covariance
        6x6 or 7x7 with C_R)."""
        return [
            OrbitState(
                self.times[i],
                self.states[i, :3].copy(),
                self.states[i, 3:].copy(),
                "gcrs",
                self.covariances[i].copy(),
                cr=None if self.cr is None else float(self.cr[i]),
            )
            for i in range(self.states.shape[0])
        ]


def innovation_test(
    nis: np.ndarray,
    accepted: np.ndarray,
    n_scalar: np.ndarray,
    obj: np.ndarray,
    n_obj: int,
    gate: ConsistencyGate | None = None,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Per object: the sum of the accepted rows' normalised innovations squared against
    the gate's chi-square threshold for their scalar count, and the share of rows the
    per-row gate refused (``max_rejected_fraction``). (consistent (n,), reasons (n,))."""
    g = gate or ConsistencyGate()
    ok = np.ones(n_obj, dtype=bool)
    why = [""] * n_obj
    for i in range(n_obj):
        rows = obj == i
        if not rows.any():
            continue
        total = float(np.sum(nis[rows & accepted]))
        dof = int(np.sum(n_scalar[rows & accepted]))
        refused = int(np.sum(rows & ~accepted))
        if dof and total > g.threshold(dof):
            ok[i], why[i] = (
                False,
                f"innovations inconsistent (NIS sum {total:.0f} > {g.threshold(dof):.0f})",
            )
        elif refused > g.max_rejected_fraction * rows.sum():
            ok[i], why[i] = (
                False,
                f"{refused} of {int(rows.sum())} rows refused by the innovation gate",
            )
    return ok, tuple(why)


def process_noise(dt_s: np.ndarray, q_km2_s3: float) -> np.ndarray:
    """White-acceleration process noise (..., 6, 6) over dt seconds (spectral density q)."""
    dt = np.abs(np.asarray(dt_s, float))[..., None, None]
    eye = np.eye(3)
    top = np.concatenate([dt**3 / 3 * eye, dt**2 / 2 * eye], axis=-1)
    bottom = np.concatenate([dt**2 / 2 * eye, dt * eye], axis=-1)
    return q_km2_s3 * np.concatenate([top, bottom], axis=-2)


def ekf_update(
    epoch: Time,
    states: np.ndarray,
    covariances: np.ndarray,
    meas: MeasurementSet,
    propagator: StmPropagator,
    q_km2_s3: float = 1e-14,
    gate_probability: float = 0.9999,
    cr: np.ndarray | None = None,
    cr_rel_step: float = 0.01,
) -> FilterResult:
    """Update n objects (states (n, 6), covariances (n, 6, 6) GCRS at ``epoch``; with
    ``cr`` (n,), covariances (n, 7, 7) of state and C_R) with ``meas`` (``object_index``
    0..n-1, times after ``epoch``)."""
    x0 = np.atleast_2d(np.asarray(states, float))
    n = x0.shape[0]
    p = 6 if cr is None else 7
    P = np.array(covariances, dtype=float).reshape(n, p, p)
    dx = np.zeros((n, p))
    accepted = np.zeros(len(meas), dtype=bool)
    nis = np.full(len(meas), np.nan)
    cr0 = None if cr is None else np.broadcast_to(np.asarray(cr, float), (n,)).copy()
    if len(meas) == 0:
        return FilterResult(Time([epoch] * n), x0.copy(), P, accepted, nis, cr0)
    times, col = _union_times(meas)
    if cr0 is None:
        ref, stm = propagator.propagate(epoch, x0, times, with_stm=True)
    else:
        ref, partial = with_cr_column(
            propagator,
            cr0,
            lambda prop, with_stm: prop.propagate(epoch, x0, times, with_stm=with_stm),
            cr_rel_step,
        )
        stm = np.zeros((*partial.shape[:2], 7, 7))
        stm[..., :6, :] = partial
        stm[..., 6, 6] = 1.0  # C_R is constant
    t_rel = np.atleast_1d(seconds_between(epoch, times))
    obj = meas.object_index
    order = np.lexsort((t_rel[col], obj))
    rank = np.empty(len(meas), dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(obj[order])) + 1]
    for s, e in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        rank[order[s:e]] = np.arange(e - s)
    phi_prev = np.broadcast_to(np.eye(p), (n, p, p)).copy()
    q_pad = np.zeros((p, p))
    t_prev = np.zeros(n)
    last_col = np.full(n, -1)
    gate2, gate3 = chi2.ppf(gate_probability, 2), chi2.ppf(gate_probability, 3)
    for k in range(int(rank.max()) + 1):
        rows = np.flatnonzero(rank == k)
        o, c = obj[rows], col[rows]
        phi = stm[o, c]
        rel = phi @ np.linalg.inv(phi_prev[o])
        dt = t_rel[c] - t_prev[o]
        dxo = np.einsum("kij,kj->ki", rel, dx[o])
        q = np.broadcast_to(q_pad, (len(rows), p, p)).copy()
        q[:, :6, :6] = process_noise(dt, q_km2_s3)  # C_R itself carries no process noise
        Po = rel @ P[o] @ np.swapaxes(rel, 1, 2) + q
        sub = meas[rows]
        x_ref = ref[o, c]
        pred, H = predict(sub, x_ref[:, :3], x_ref[:, 3:])
        Hs = np.zeros((len(rows), 3, p))
        Hs[..., :6] = scaled_partials(sub, H)  # rows do not depend on C_R directly
        present = ~np.isnan(sub.values)
        y = np.where(present, residuals(sub, pred), 0.0) - np.einsum("kij,kj->ki", Hs, dxo)
        y = np.where(present, y, 0.0)
        Hs = np.where(present[..., None], Hs, 0.0)
        Rm = np.zeros((len(rows), 3, 3))
        idx = np.arange(3)
        Rm[:, idx, idx] = np.where(present, sub.sigmas, 1.0) ** 2
        S = Hs @ Po @ np.swapaxes(Hs, 1, 2) + Rm
        S_inv = np.linalg.inv(S)
        d2 = np.einsum("ki,kij,kj->k", y, S_inv, y)
        ok = d2 < np.where(sub.n_scalar == 3, gate3, gate2)
        K = Po @ np.swapaxes(Hs, 1, 2) @ S_inv
        K = np.where(ok[:, None, None], K, 0.0)
        dxo = dxo + np.einsum("kij,kj->ki", K, y)
        IKH = np.eye(p) - K @ Hs
        Po = IKH @ Po @ np.swapaxes(IKH, 1, 2) + K @ Rm @ np.swapaxes(K, 1, 2)
        dx[o], P[o], phi_prev[o], t_prev[o], last_col[o] = dxo, Po, phi, t_rel[c], c
        accepted[rows], nis[rows] = ok, d2
    out_states = x0.copy()
    has = last_col >= 0
    out_states[has] = ref[np.flatnonzero(has), last_col[has]] + dx[has, :6]
    cr_out = None if cr0 is None else cr0 + dx[:, 6]
    epoch_tai = epoch.tai
    jd1 = np.where(has, times.tai.jd1[np.maximum(last_col, 0)], epoch_tai.jd1)
    jd2 = np.where(has, times.tai.jd2[np.maximum(last_col, 0)], epoch_tai.jd2)
    when = Time(jd1, jd2, format="jd", scale="tai")
    consistent, reason = innovation_test(nis, accepted, meas.n_scalar, obj, n)
    return FilterResult(when, out_states, P, accepted, nis, cr_out, consistent, reason)
