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

from dataclasses import dataclass, field
from dataclasses import replace as _replace
from typing import Protocol

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.constants import ARCSEC_RAD
from beltwatch.errors import InputError
from beltwatch.orbit_determination._measurements import (
    KIND_RADEC,
    MeasurementSet,
    predict,
    residuals,
    scaled_partials,
)
from beltwatch.propagation import ForceModel, NumericalPropagator, SolarRadiationPressure
from beltwatch.timescales import seconds_between, tai_seconds_since_j2000


class StmPropagator(Protocol):
    """What batch LS needs: states (n, m, 6) and STMs (n, m, 6, 6) at ``times``."""

    def propagate(self, epoch: Time, states0: np.ndarray, times: Time, with_stm: bool = False): ...


@dataclass(frozen=True)
class BatchOptions:
    """Iteration and editing controls, and the optional maneuver solve-for."""

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


def _srp_force(propagator) -> tuple[int, SolarRadiationPressure]:
    """Index and instance of the SolarRadiationPressure term of the propagator's force model."""
    forces = getattr(getattr(propagator, "force_model", None), "forces", ())
    for k, f in enumerate(forces):
        if isinstance(f, SolarRadiationPressure):
            return k, f
    raise InputError(
        "estimating C_R needs a NumericalPropagator whose ForceModel has a "
        "SolarRadiationPressure term",
        field="propagator",
    )


def nominal_cr(propagator) -> float:
    """The (scalar) C_R the propagator's SRP term assumes."""
    return float(np.mean(_srp_force(propagator)[1].cr))


def propagator_with_cr(propagator, cr) -> NumericalPropagator:
    """A copy of ``propagator`` whose SRP term uses per-object ``cr`` (array (n,) or scalar).

    The area-to-mass ratio stays the assumed one, so an estimated C_R is an effective
    coefficient: C_R x (true A/m) / (assumed A/m).
    """
    k, srp = _srp_force(propagator)
    forces = list(propagator.force_model.forces)
    forces[k] = _replace(srp, cr=np.asarray(cr, dtype=float))
    return _replace(propagator, force_model=ForceModel(tuple(forces)))


def with_cr_column(propagator, cr: np.ndarray, trajectory, rel_step: float = 0.01):
    """States (n, m, 6) and partials with a d state / d C_R column appended (n, m, 6, p + 1).

    ``trajectory(propagator, with_stm) -> (states, partials)`` runs once with each object's
    ``cr`` and once, without partials, with C_R x (1 + ``rel_step``) (at least 0.1 x
    ``rel_step``): a forward difference, accurate to ~1e-3 relative since the SRP
    acceleration is linear in C_R and the trajectory nearly so over days.
    """
    cr = np.asarray(cr, dtype=float)
    states, partial = trajectory(propagator_with_cr(propagator, cr), True)
    h = rel_step * np.maximum(np.abs(cr), 0.1)
    shifted, _ = trajectory(propagator_with_cr(propagator, cr + h), False)
    sens = (shifted - states) / h[:, None, None]
    return states, np.concatenate([partial, sens[..., None]], axis=-1)


@dataclass(frozen=True, eq=False)
class OrbitEstimate:
    """Estimated GCRS state (km, km/s) at ``epoch`` with its 6x6 covariance (km, km/s)."""

    epoch: Time
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    covariance: np.ndarray
    rms_weighted: float
    rms_arcsec: float
    n_used: int
    n_rejected: int
    converged: bool
    iterations: int
    residuals: np.ndarray = field(repr=False)
    used: np.ndarray = field(repr=False)
    maneuver_dv_km_s: np.ndarray | None = None
    maneuver_covariance: np.ndarray | None = None
    frame: str = "gcrs"
    norad_id: int | None = None
    cr: float | None = None
    cr_sigma: float | None = None
    full_covariance: np.ndarray | None = field(default=None, repr=False)

    @property
    def state(self) -> np.ndarray:
        return np.concatenate([self.position_km, self.velocity_km_s])


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


def batch_least_squares(
    meas: MeasurementSet,
    epoch: Time,
    initial_states: np.ndarray,
    propagator: StmPropagator,
    options: BatchOptions | None = None,
    apriori_covariance: np.ndarray | None = None,
) -> list[OrbitEstimate]:
    """Fit one state per object (``meas.object_index`` 0..n-1) at ``epoch``.

    ``initial_states`` (n, 6) GCRS km, km/s; ``apriori_covariance`` (n, 6, 6) or None.
    Returns one :class:`OrbitEstimate` per object, in object-index order.
    """
    opts = options or BatchOptions()
    x = np.atleast_2d(np.asarray(initial_states, dtype=float)).copy()
    n_obj = x.shape[0]
    n_dyn = 6 if opts.maneuver_time is None else 9  # state (+ maneuver dv)
    n_par = n_dyn + int(opts.estimate_cr)  # C_R, when estimated, is the last parameter
    dv = np.zeros((n_obj, 3))
    if opts.estimate_cr:
        cr0 = np.broadcast_to(
            nominal_cr(propagator) if opts.cr_apriori is None else opts.cr_apriori, (n_obj,)
        ).astype(float)
        cr = cr0.copy()
        w_cr = 1.0 / np.broadcast_to(opts.cr_apriori_sigma, (n_obj,)).astype(float) ** 2
    times, col = _union_times(meas)
    obj = meas.object_index
    comp = ~np.isnan(meas.values)  # scalar components present in each row
    sig = np.where(comp, meas.sigmas, 1.0)
    used = np.ones(len(meas), dtype=bool)
    flips = np.zeros(len(meas), dtype=np.int64)
    prior_info = None
    if apriori_covariance is not None:
        prior_info = np.linalg.inv(np.asarray(apriori_covariance, float).reshape(n_obj, 6, 6))
    x_prior = x.copy()
    rms_prev = np.full(n_obj, np.inf)
    converged = np.zeros(n_obj, dtype=bool)
    failed = np.zeros(n_obj, dtype=bool)
    info = np.zeros((n_obj, n_par, n_par))
    res = np.zeros((len(meas), 3))
    rms = np.full(n_obj, np.nan)
    iteration = 0
    for iteration in range(1, opts.max_iterations + 1):
        if opts.estimate_cr:
            states, partial = with_cr_column(
                propagator,
                cr,
                lambda prop, stm: _trajectory(prop, epoch, x, times, opts.maneuver_time, dv, stm),
                opts.cr_rel_step,
            )
        else:
            states, partial = _trajectory(propagator, epoch, x, times, opts.maneuver_time, dv)
        st = states[obj, col]
        pred, H = predict(meas, st[:, :3], st[:, 3:])
        res = residuals(meas, pred)
        A = np.einsum("kij,kjl->kil", scaled_partials(meas, H), partial[obj, col])  # (k, 3, p)
        z = np.where(comp, res / sig, 0.0)
        A = np.where(comp[..., None], A / sig[..., None], 0.0)
        # Editing: normalised residual against max(1, current weighted RMS).
        row_norm = np.sqrt(np.sum(z * z, axis=1) / meas.n_scalar)
        if iteration > opts.edit_after_iteration:
            # Scale by the robust (median) spread of all rows of the object, so that a
            # solution still far off does not reject its own data in a cascade.
            med = np.zeros(n_obj)
            for i in np.unique(obj):
                med[i] = np.median(row_norm[obj == i]) / 0.6745 * 0.8
            new_used = row_norm < opts.edit_sigma * np.maximum(1.0, med[obj])
            # A row on the edge flips in and out as the solution moves by its noise and
            # keeps the fit from settling: after a few flips it keeps its state.
            new_used = np.where(flips >= opts.edit_max_flips, used, new_used)
            flips += new_used != used
            used = new_used
        w = used[:, None].astype(float)
        zz = z * w
        info = np.zeros((n_obj, n_par, n_par))
        rhs = np.zeros((n_obj, n_par))
        np.add.at(info, obj, np.einsum("kip,kiq->kpq", A * w[..., None], A))
        np.add.at(rhs, obj, np.einsum("kip,ki->kp", A, zz))
        if prior_info is not None:
            info[:, :6, :6] += prior_info
            rhs[:, :6] += np.einsum("kij,kj->ki", prior_info, x_prior - x)
        ssq = np.zeros(n_obj)
        cnt = np.zeros(n_obj)
        np.add.at(ssq, obj, np.sum(zz * zz, axis=1))
        np.add.at(cnt, obj, meas.n_scalar * used)
        rms = np.sqrt(ssq / np.maximum(cnt, 1))
        if n_dyn > 6:
            # A weak maneuver is regularised (10 m/s a priori) so the system stays solvable.
            info[:, 6:9, 6:9] += np.eye(3) / 0.01**2
            rhs[:, 6:9] -= dv / 0.01**2
        if opts.estimate_cr:
            # A priori on C_R (default loose: sigma 10) keeps weakly observed cases solvable;
            # a catalog object brings its own C_R and sigma from earlier fits.
            info[:, -1, -1] += w_cr
            rhs[:, -1] += w_cr * (cr0 - cr)
        delta = _solve(info, rhs)
        # Trust region: far-off starts take bounded steps; a failed solve freezes the object.
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
        failed |= bad
        # Small steps: below 1 m, or below a small fraction of every parameter's sigma (a
        # weakly determined orbit may otherwise wander by its noise without settling).
        sigma = np.sqrt(np.maximum(np.einsum("kii->ki", _invert(info)), 1e-300))
        step_small = np.all(np.abs(delta[:, :3]) < 1e-3, axis=1) | np.all(
            np.abs(delta) <= opts.step_sigma_tolerance * sigma, axis=1
        )
        settled = np.abs(rms_prev - rms) <= opts.tolerance * np.maximum(rms, 1e-12)
        x[~converged] += delta[~converged, :6]
        if n_dyn > 6:
            dv[~converged] += delta[~converged, 6:9]
        if opts.estimate_cr:
            cr[~converged] += delta[~converged, -1]
        newly = (settled | step_small) & (iteration > opts.edit_after_iteration) & (scale == 1)
        converged |= newly
        rms_prev = rms
        if converged.all():
            break
    cov = _invert(info)
    out = []
    for i in range(n_obj):
        rows = obj == i
        ang = comp[rows] & (meas.kind[rows, None] == KIND_RADEC)
        ang_res = res[rows][ang & used[rows, None]]
        rms_arc = float(np.sqrt(np.mean(ang_res**2)) / ARCSEC_RAD) if ang_res.size else float("nan")
        out.append(
            OrbitEstimate(
                epoch=epoch,
                position_km=x[i, :3].copy(),
                velocity_km_s=x[i, 3:].copy(),
                covariance=cov[i, :6, :6],
                rms_weighted=float(rms[i]),
                rms_arcsec=rms_arc,
                n_used=int(used[rows].sum()),
                n_rejected=int((~used[rows]).sum()),
                converged=bool(converged[i] and not failed[i] and used[rows].sum() >= 3),
                iterations=iteration,
                residuals=res[rows],
                used=used[rows],
                maneuver_dv_km_s=dv[i].copy() if n_dyn > 6 else None,
                maneuver_covariance=cov[i, 6:9, 6:9] if n_dyn > 6 else None,
                cr=float(cr[i]) if opts.estimate_cr else None,
                cr_sigma=float(np.sqrt(cov[i, -1, -1])) if opts.estimate_cr else None,
                full_covariance=cov[i].copy() if n_par > 6 else None,
            )
        )
    return out


def _solve(info: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve the normal equations per object, scaled for conditioning (km vs km/s)."""
    d = np.sqrt(np.maximum(np.einsum("kii->ki", info), 1e-300))
    scaled = info / d[:, :, None] / d[:, None, :]
    sol = np.linalg.solve(scaled + 1e-14 * np.eye(info.shape[1]), (rhs / d)[..., None])[..., 0]
    return sol / d


def _invert(info: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.maximum(np.einsum("kii->ki", info), 1e-300))
    scaled = info / d[:, :, None] / d[:, None, :]
    inv = np.linalg.pinv(scaled, hermitian=True)
    return inv / d[:, :, None] / d[:, None, :]


def propagate_estimate(
    estimate: OrbitEstimate, propagator: StmPropagator, time: Time
) -> OrbitEstimate:
    """The estimate moved to ``time`` with its covariance mapped by the STM (P = Phi P Phi^T).

    An estimate with a solved-for C_R is propagated with that C_R, and its covariance
    includes the C_R uncertainty (sensitivity by a forward difference in C_R).
    """
    x0 = estimate.state[None]
    t = Time([time]) if np.ndim(time.jd1) == 0 else time
    full = estimate.full_covariance
    if estimate.cr is not None and full is not None and full.shape == (7, 7):

        def trajectory(prop, stm):
            return prop.propagate(estimate.epoch, x0, t, with_stm=stm)

        states, partial = with_cr_column(propagator, np.array([estimate.cr]), trajectory)
        jac = partial[0, -1]  # (6, 7)
        cov = jac @ full @ jac.T
        full = np.block([[cov, jac @ full[:, 6:]], [full[6:] @ jac.T, full[6:, 6:]]])
    else:
        if estimate.cr is not None:
            propagator = propagator_with_cr(propagator, [estimate.cr])
        states, stm = propagator.propagate(estimate.epoch, x0, t, with_stm=True)
        phi = stm[0, -1]
        cov = phi @ estimate.covariance @ phi.T
    return OrbitEstimate(
        epoch=t[-1],
        position_km=states[0, -1, :3],
        velocity_km_s=states[0, -1, 3:],
        covariance=cov,
        rms_weighted=estimate.rms_weighted,
        rms_arcsec=estimate.rms_arcsec,
        n_used=estimate.n_used,
        n_rejected=estimate.n_rejected,
        converged=estimate.converged,
        iterations=estimate.iterations,
        residuals=estimate.residuals,
        used=estimate.used,
        maneuver_dv_km_s=estimate.maneuver_dv_km_s,
        maneuver_covariance=estimate.maneuver_covariance,
        frame=estimate.frame,
        norad_id=estimate.norad_id,
        cr=estimate.cr,
        cr_sigma=estimate.cr_sigma,
        full_covariance=full if full is not None and full.shape == (7, 7) else None,
    )


def offset_time(t: Time, seconds: float) -> Time:
    return t + TimeDelta(seconds, format="sec")
