"""Batch weighted least squares (differential correction) on the numerical propagator.

Solve-for: the GCRS state at ``epoch`` (always), optionally an impulsive maneuver
(delta-v at a given time) and the SRP coefficient C_R (``BatchOptions.estimate_cr``).
Partials w.r.t. the state come from the propagator's state transition matrix; the
C_R column is a forward difference of a second propagation (all objects in one call)
with C_R scaled by 1 + ``cr_rel_step`` (the SRP acceleration is linear in C_R and the
trajectory nearly so over days, so the difference is accurate to ~1e-3 relative).
Measurement rows whose normalised residual exceeds the editing threshold
(times the current weighted RMS, floored at 1) are rejected and re-admitted when
they fit again. Many objects can be fitted together: they share one propagation
call per iteration (structure of arrays), each keeps its own normal equations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from astropy.time import Time

from beltwatch.constants import ARCSEC_RAD
from beltwatch.errors import PropagationError
from beltwatch.orbit_determination._measurements import (
    KIND_RADEC,
    MeasurementSet,
    predict,
    residuals,
    scaled_partials,
)
from beltwatch.propagation import nominal_cr, propagate_covariance, with_cr_column
from beltwatch.timescales import seconds_between, tai_seconds_since_j2000
from beltwatch.values import OrbitEstimate, OrbitState


class StmPropagator(Protocol):
    """What batch LS needs: states (n, m, 6) and STMs (n, m, 6, 6) at ``times``."""

    def propagate(self, epoch: Time, states0: np.ndarray, times: Time, with_stm: bool = False): ...


@dataclass(frozen=True)
class BatchOptions:
    """Iteration and editing controls, the optional maneuver and C_R solve-fors.

    C_R (``estimate_cr``) has an a priori ``cr_apriori`` (default: the propagator's C_R)
    +- ``cr_apriori_sigma`` (scalars or one per object) and is held at ``cr_min`` when the
    data push it below (``OrbitEstimate.cr_at_bound``).
    """

    max_iterations: int = 25
    edit_sigma: float = 4.0
    edit_after_iteration: int = 2
    edit_max_flips: int = 3  # a row that changed in/out this often keeps its state
    tolerance: float = 1e-3
    step_sigma_tolerance: float = 0.01  # converged when every step is below this x sigma
    maneuver_time: Time | None = None
    max_step_km: float = 2000.0
    max_step_km_s: float = 0.2
    estimate_cr: bool = False
    cr_apriori: float | np.ndarray | None = None
    cr_apriori_sigma: float | np.ndarray = 10.0
    cr_rel_step: float = 0.01
    cr_min: float = 0.0  # C_R is physical: never below this (held at the bound)


def _union_times(meas: MeasurementSet) -> tuple[Time, np.ndarray]:
    """Distinct measurement times (sorted) and each row's index into them."""
    key = np.round(tai_seconds_since_j2000(meas.times) * 1e6).astype(np.int64)  # us
    _, inverse = np.unique(key, return_inverse=True)
    first = np.unique(inverse, return_index=True)[1]
    return meas.times[first], inverse


def _trajectory(propagator, epoch, x0, times, maneuver_time, dv, with_stm=True):
    """States (n, m, 6) and d state / d (x0, dv) (n, m, 6, 6 + 3k) at ``times``.

    With a maneuver, ``x0`` is the state on the epoch's side of the burn: times on that side
    come straight from it; the others pass through the burn, where the velocity changes by
    +dv going forward in time (epoch before the burn) or -dv going backward (epoch after).
    """
    n = x0.shape[0]
    if maneuver_time is None:
        states, stm = propagator.propagate(epoch, x0, times, with_stm=with_stm)
        return states, stm
    dt_m = seconds_between(epoch, maneuver_time)
    dt = np.atleast_1d(seconds_between(epoch, times))
    sign = 1.0 if dt_m >= 0 else -1.0
    near = sign * dt <= sign * dt_m  # the epoch's side of the burn
    m = dt.size
    states = np.empty((n, m, 6))
    partial = np.zeros((n, m, 6, 9))
    s_b, phi_b = propagator.propagate(
        epoch, x0, Time([*times[near], maneuver_time]), with_stm=with_stm
    )
    states[:, near] = s_b[:, :-1]
    if with_stm:
        partial[:, near, :, :6] = phi_b[:, :-1]
    x_m = s_b[:, -1].copy()
    x_m[:, 3:] += sign * dv
    if (~near).any():
        s_a, phi_a = propagator.propagate(maneuver_time, x_m, times[~near], with_stm=with_stm)
        states[:, ~near] = s_a
        if with_stm:
            partial[:, ~near, :, :6] = phi_a @ phi_b[:, -1][:, None]
            partial[:, ~near, :, 6:] = sign * phi_a[..., 3:]
    return states, partial if with_stm else None


@dataclass
class _Problem:
    """The fixed parts of one batch fit: rows, their times and weights, priors."""

    meas: MeasurementSet
    epoch: Time
    times: Time
    col: np.ndarray  # row -> index into times
    obj: np.ndarray  # row -> object
    comp: np.ndarray  # (k, 3) scalar components present
    sig: np.ndarray  # (k, 3) sigmas (1 where absent)
    n_obj: int
    n_dyn: int  # 6, or 9 with a maneuver
    n_par: int  # n_dyn (+ 1 with C_R, last)
    opts: BatchOptions
    x_prior: np.ndarray
    prior_info: np.ndarray | None
    cr0: np.ndarray | None
    w_cr: np.ndarray | None


def _problem(meas, epoch, x, propagator, opts, apriori_covariance) -> _Problem:
    n_obj = x.shape[0]
    n_dyn = 6 if opts.maneuver_time is None else 9
    cr0 = w_cr = None
    if opts.estimate_cr:
        a = nominal_cr(propagator) if opts.cr_apriori is None else opts.cr_apriori
        cr0 = np.broadcast_to(a, (n_obj,)).astype(float)
        w_cr = 1.0 / np.broadcast_to(opts.cr_apriori_sigma, (n_obj,)).astype(float) ** 2
    prior_info = None
    if apriori_covariance is not None:
        prior_info = np.linalg.inv(np.asarray(apriori_covariance, float).reshape(n_obj, 6, 6))
    times, col = _union_times(meas)
    comp = ~np.isnan(meas.values)
    return _Problem(
        meas, epoch, times, col, meas.object_index, comp, np.where(comp, meas.sigmas, 1.0),
        n_obj, n_dyn, n_dyn + int(opts.estimate_cr), opts, x.copy(), prior_info, cr0, w_cr,
    )  # fmt: skip


def _linearise(pb: _Problem, propagator, x, dv, cr):
    """Residuals (k, 3), normalised residuals z and design matrix A (k, 3, p) at (x, dv, cr)."""
    opts = pb.opts

    def trajectory(prop, stm):
        return _trajectory(prop, pb.epoch, x, pb.times, opts.maneuver_time, dv, stm)

    if opts.estimate_cr:
        states, partial = with_cr_column(propagator, cr, trajectory, opts.cr_rel_step)
    else:
        states, partial = trajectory(propagator, True)
    st = states[pb.obj, pb.col]
    pred, H = predict(pb.meas, st[:, :3], st[:, 3:])
    res = residuals(pb.meas, pred)
    A = np.einsum("kij,kjl->kil", scaled_partials(pb.meas, H), partial[pb.obj, pb.col])
    z = np.where(pb.comp, res / pb.sig, 0.0)
    A = np.where(pb.comp[..., None], A / pb.sig[..., None], 0.0)
    return res, z, A


def _edit(pb: _Problem, z, used, flips):
    """Rows kept: normalised residual below ``edit_sigma`` x max(1, the object's robust
    spread), so that a solution still far off does not reject its own data in a cascade;
    a row that flipped ``edit_max_flips`` times keeps its state (a row on the edge would
    otherwise keep the fit from settling)."""
    row_norm = np.sqrt(np.sum(z * z, axis=1) / pb.meas.n_scalar)
    med = np.zeros(pb.n_obj)
    for i in np.unique(pb.obj):
        med[i] = np.median(row_norm[pb.obj == i]) / 0.6745 * 0.8
    new_used = row_norm < pb.opts.edit_sigma * np.maximum(1.0, med[pb.obj])
    new_used = np.where(flips >= pb.opts.edit_max_flips, used, new_used)
    return new_used, flips + (new_used != used)


def _normal_equations(pb: _Problem, A, z, used, x, dv, cr):
    """Information matrices (n, p, p), right-hand sides (n, p), chi-square and scalar
    count of the used rows per object; a priori terms (state, maneuver, C_R) added."""
    w = used[:, None].astype(float)
    zz = z * w
    info = np.zeros((pb.n_obj, pb.n_par, pb.n_par))
    rhs = np.zeros((pb.n_obj, pb.n_par))
    np.add.at(info, pb.obj, np.einsum("kip,kiq->kpq", A * w[..., None], A))
    np.add.at(rhs, pb.obj, np.einsum("kip,ki->kp", A, zz))
    ssq = np.zeros(pb.n_obj)
    cnt = np.zeros(pb.n_obj)
    np.add.at(ssq, pb.obj, np.sum(zz * zz, axis=1))
    np.add.at(cnt, pb.obj, pb.meas.n_scalar * used)
    if pb.prior_info is not None:
        info[:, :6, :6] += pb.prior_info
        rhs[:, :6] += np.einsum("kij,kj->ki", pb.prior_info, pb.x_prior - x)
    if pb.n_dyn > 6:
        # A weak maneuver is regularised (10 m/s a priori) so the system stays solvable.
        info[:, 6:9, 6:9] += np.eye(3) / 0.01**2
        rhs[:, 6:9] -= dv / 0.01**2
    if pb.w_cr is not None and pb.cr0 is not None:
        # A priori on C_R: a catalog object brings its C_R and sigma from earlier fits, a
        # new one a population or default prior (beltwatch od: --cr +- --cr-sigma).
        info[:, -1, -1] += pb.w_cr
        rhs[:, -1] += pb.w_cr * (pb.cr0 - cr)
    return info, rhs, ssq, cnt


def _step(pb: _Problem, info, rhs):
    """Parameter steps (n, p) bounded by the trust region, the scale applied (n,), failed
    solves (n,) and whether each step is small (below 1 m, or below
    ``step_sigma_tolerance`` of every parameter's sigma: a weakly determined orbit may
    otherwise wander by its noise without settling)."""
    opts = pb.opts
    delta = _solve(info, rhs)
    scale = np.minimum(
        1.0,
        np.minimum(
            opts.max_step_km / np.maximum(np.linalg.norm(delta[:, :3], axis=1), 1e-30),
            opts.max_step_km_s / np.maximum(np.linalg.norm(delta[:, 3:6], axis=1), 1e-30),
        ),
    )
    delta *= scale[:, None]
    bad = ~np.all(np.isfinite(delta), axis=1)
    delta[bad] = 0.0
    sigma = np.sqrt(np.maximum(np.einsum("kii->ki", invert_information(info)), 1e-300))
    small = np.all(np.abs(delta[:, :3]) < 1e-3, axis=1) | np.all(
        np.abs(delta) <= opts.step_sigma_tolerance * sigma, axis=1
    )
    return delta, scale, bad, small


def batch_least_squares(
    meas: MeasurementSet,
    epoch: Time,
    initial_states: np.ndarray | Sequence[OrbitState],
    propagator: StmPropagator,
    options: BatchOptions | None = None,
    apriori_covariance: np.ndarray | None = None,
) -> list[OrbitEstimate]:
    """Fit one state per object (``meas.object_index`` 0..n-1) at ``epoch``.

    ``initial_states`` (n, 6) GCRS km, km/s, or n :class:`~beltwatch.values.OrbitState`
    (GCRS, at ``epoch``); ``apriori_covariance`` (n, 6, 6) or None.
    Returns one :class:`~beltwatch.values.OrbitEstimate` per object, in object-index order:
    the state (with C_R and a 7x7 covariance when C_R is estimated), the chi-square of its
    used rows and its degrees of freedom. The covariance is the inverse of the information
    matrix without truncation: directions the data cannot determine keep a large variance.
    """
    opts = options or BatchOptions()
    if len(initial_states) and isinstance(initial_states[0], OrbitState):
        initial_states = np.array([s.state for s in initial_states])
    x = np.atleast_2d(np.asarray(initial_states, dtype=float)).copy()
    pb = _problem(meas, epoch, x, propagator, opts, apriori_covariance)
    dv = np.zeros((pb.n_obj, 3))
    cr = np.zeros(pb.n_obj) if pb.cr0 is None else np.maximum(pb.cr0, opts.cr_min)
    used = np.ones(len(meas), dtype=bool)
    flips = np.zeros(len(meas), dtype=np.int64)
    rms_prev = np.full(pb.n_obj, np.inf)
    converged = np.zeros(pb.n_obj, dtype=bool)
    failed = np.zeros(pb.n_obj, dtype=bool)
    at_bound = np.zeros(pb.n_obj, dtype=bool)
    iteration = 0
    for iteration in range(1, opts.max_iterations + 1):
        res, z, A = _linearise(pb, propagator, x, dv, cr)
        if iteration > opts.edit_after_iteration:
            used, flips = _edit(pb, z, used, flips)
        info, rhs, ssq, cnt = _normal_equations(pb, A, z, used, x, dv, cr)
        rms = np.sqrt(ssq / np.maximum(cnt, 1))
        delta, scale, bad, small = _step(pb, info, rhs)
        if opts.estimate_cr:
            # A step that would take C_R below its bound: C_R held there, the state
            # stepped with C_R fixed (the constrained optimum, not a clipped step).
            at_bound = cr + delta[:, -1] < opts.cr_min
            if at_bound.any():
                cr[at_bound] = opts.cr_min
                delta, scale, bad, small = _step(pb, *_fix_last(info, rhs, at_bound))
        failed |= bad
        settled = np.abs(rms_prev - rms) <= opts.tolerance * np.maximum(rms, 1e-12)
        live = ~converged
        x[live] += delta[live, :6]
        if pb.n_dyn > 6:
            dv[live] += delta[live, 6:9]
        if opts.estimate_cr:
            cr[live] += delta[live, -1]
        converged |= (settled | small) & (iteration > opts.edit_after_iteration) & (scale == 1)
        rms_prev = rms
        if converged.all():
            break
    fit = _Fit(pb, x, dv, cr, at_bound, used, res, ssq, cnt, converged & ~failed, iteration)
    return [_estimate(fit, invert_information(info), i) for i in range(pb.n_obj)]


def _fix_last(info: np.ndarray, rhs: np.ndarray, mask: np.ndarray):
    """Normal equations with the last parameter (C_R) held fixed where ``mask``."""
    info, rhs = info.copy(), rhs.copy()
    info[mask, -1, :] = 0.0
    info[mask, :, -1] = 0.0
    info[mask, -1, -1] = 1.0
    rhs[mask, -1] = 0.0
    return info, rhs


@dataclass
class _Fit:
    pb: _Problem
    x: np.ndarray
    dv: np.ndarray
    cr: np.ndarray
    at_bound: np.ndarray
    used: np.ndarray
    res: np.ndarray
    ssq: np.ndarray
    cnt: np.ndarray
    converged: np.ndarray
    iterations: int


def _estimate(fit: _Fit, cov: np.ndarray, i: int) -> OrbitEstimate:
    """Object ``i``'s estimate: state (+ C_R) and its covariance, residuals, statistics."""
    pb = fit.pb
    rows = pb.obj == i
    used = fit.used[rows]
    ang = pb.comp[rows] & (pb.meas.kind[rows, None] == KIND_RADEC)
    ang_res = fit.res[rows][ang & used[:, None]]
    rms_arc = float(np.sqrt(np.mean(ang_res**2)) / ARCSEC_RAD) if ang_res.size else float("nan")
    keep = [*range(6), pb.n_par - 1] if pb.cr0 is not None else list(range(6))
    state_cov = cov[i][np.ix_(keep, keep)]
    orbit = OrbitState(
        pb.epoch,
        fit.x[i, :3].copy(),
        fit.x[i, 3:].copy(),
        "gcrs",
        state_cov,
        cr=float(fit.cr[i]) if pb.cr0 is not None else None,
    )
    return OrbitEstimate(
        orbit=orbit,
        rms_weighted=float(np.sqrt(fit.ssq[i] / max(fit.cnt[i], 1))),
        rms_arcsec=rms_arc,
        n_used=int(used.sum()),
        n_rejected=int((~used).sum()),
        converged=bool(fit.converged[i] and used.sum() >= 3),
        iterations=fit.iterations,
        residuals=fit.res[rows],
        used=used,
        chi2=float(fit.ssq[i]),
        dof=int(fit.cnt[i]) - pb.n_par,
        maneuver_dv_km_s=fit.dv[i].copy() if pb.n_dyn > 6 else None,
        maneuver_covariance=cov[i, 6:9, 6:9] if pb.n_dyn > 6 else None,
        cr_at_bound=bool(fit.at_bound[i]) if pb.cr0 is not None else False,
    )


def _solve(info: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve the normal equations per object, scaled for conditioning (km vs km/s)."""
    d = np.sqrt(np.maximum(np.einsum("kii->ki", info), 1e-300))
    scaled = info / d[:, :, None] / d[:, None, :]
    sol = np.linalg.solve(scaled + 1e-14 * np.eye(info.shape[1]), (rhs / d)[..., None])[..., 0]
    return sol / d


# Eigenvalues of the scaled (unit-diagonal) information matrix below this fraction of the
# largest are directions the data do not determine: they keep a variance 1/floor instead
# of being dropped (a pseudo-inverse would report them as known exactly).
INFORMATION_FLOOR = 1e-15


def invert_information(info: np.ndarray) -> np.ndarray:
    """Covariances (..., p, p) from information matrices, scaled for conditioning, without
    truncation: near-singular directions get a huge variance, never a zero one."""
    d = np.sqrt(np.maximum(np.einsum("...ii->...i", info), 1e-300))
    scaled = info / d[..., :, None] / d[..., None, :]
    vals, vecs = np.linalg.eigh(0.5 * (scaled + np.swapaxes(scaled, -1, -2)))
    floor = INFORMATION_FLOOR * np.max(vals, axis=-1, keepdims=True)
    inv = (vecs / np.maximum(vals, floor)[..., None, :]) @ np.swapaxes(vecs, -1, -2)
    return inv / d[..., :, None] / d[..., None, :]


def information_condition(info: np.ndarray) -> np.ndarray:
    """Smallest over largest eigenvalue of the scaled information matrices (...,)."""
    d = np.sqrt(np.maximum(np.einsum("...ii->...i", info), 1e-300))
    vals = np.linalg.eigvalsh(info / d[..., :, None] / d[..., None, :])
    return vals[..., 0] / vals[..., -1]


def propagate_estimate(
    estimate: OrbitEstimate, propagator: StmPropagator, time: Time
) -> OrbitEstimate:
    """The estimate moved to ``time``: its state (with its C_R) and covariance (6x6, or
    7x7 with C_R) through ``propagation.propagate_covariance``."""
    from dataclasses import replace

    t = Time([time]) if np.ndim(time.jd1) == 0 else time
    orbit = estimate.orbit
    x, cov = propagate_covariance(
        propagator, orbit.epoch, orbit.state, orbit.covariance, t, orbit.cr
    )
    moved = replace(
        orbit,
        epoch=t[-1],
        position_km=x[-1, :3],
        velocity_km_s=x[-1, 3:],
        covariance=None if cov is None else cov[-1],
    )
    return replace(estimate, orbit=moved)


def batch_least_squares_each(
    meas: MeasurementSet,
    epoch: Time,
    initial_states: np.ndarray,
    propagator: StmPropagator,
    options: BatchOptions | None = None,
    apriori_covariance: np.ndarray | None = None,
) -> list[OrbitEstimate | None]:
    """:func:`batch_least_squares` (vectorised), except that an object whose iterations
    cannot be propagated (an iterate left every orbit: the integrator gives up) is None
    instead of failing the others: on a :class:`PropagationError` the objects are fitted
    one by one."""
    try:
        return list(
            batch_least_squares(
                meas, epoch, initial_states, propagator, options, apriori_covariance
            )
        )
    except PropagationError:
        n = len(initial_states)
        if n == 1:
            return [None]
    opts = options or BatchOptions()
    out: list[OrbitEstimate | None] = []
    for i in range(n):
        rows = np.flatnonzero(meas.object_index == i)
        sub = replace(meas[rows], object_index=np.zeros(rows.size, dtype=np.int64))
        one = replace(
            opts,
            cr_apriori=_one_of(opts.cr_apriori, i, n),
            cr_apriori_sigma=_one_of(opts.cr_apriori_sigma, i, n),
        )
        cov = None if apriori_covariance is None else apriori_covariance[i : i + 1]
        out += batch_least_squares_each(sub, epoch, initial_states[i : i + 1], propagator, one, cov)
    return out


def _one_of(value, i: int, n: int):
    """Object ``i``'s entry of a per-object option (a scalar is everyone's)."""
    array = np.asarray(value) if value is not None else None
    return value if array is None or array.ndim == 0 or array.size != n else array[i]
