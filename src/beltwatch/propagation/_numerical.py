"""Numerical propagation of many objects at once in GCRS, with an optional STM.

All objects are integrated together as one stacked state by scipy's DOP853
(8th order, adaptive, 7th-order dense output for arbitrary output times). The
step is accepted only when *every* object meets the tolerance: the error norm
is the largest per-object RMS over its six state components (scipy's default
RMS over the whole stacked vector would let one hard object hide among many
easy ones). The state transition matrix, when asked for, is integrated with
the state through the variational equations dPhi/dt = [[0, I], [da/dr, da/dv]] Phi;
it rides on the state's steps and is not itself under error control.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from astropy.time import Time
from scipy.integrate import DOP853

from beltwatch.errors import InputError, PropagationError
from beltwatch.frames import transform_states
from beltwatch.propagation._environment import Environment, epoch_offsets_s
from beltwatch.propagation._ephemeris import Ephemeris
from beltwatch.propagation._forces import Force, ForceModel, SolarRadiationPressure
from beltwatch.values import OrbitState

STATE_SIZE = 6


class _WorstObjectDOP853(DOP853):
    """DOP853 with the error norm of the worst object instead of the stacked RMS."""

    controlled: int = 0  # leading components of y under error control (n_objects * 6)

    def _estimate_error_norm(self, K, h, scale):
        k = self.controlled
        err5 = (K[:, :k].T @ self.E5) / scale[:k]
        err3 = (K[:, :k].T @ self.E3) / scale[:k]
        e5 = np.sum(err5.reshape(-1, STATE_SIZE) ** 2, axis=1)
        e3 = np.sum(err3.reshape(-1, STATE_SIZE) ** 2, axis=1)
        denom = e5 + 0.01 * e3
        ratio = np.divide(e5, np.sqrt(denom * STATE_SIZE), out=np.zeros_like(e5), where=denom > 0)
        return abs(h) * float(ratio.max())


def _as_states(states0: np.ndarray) -> np.ndarray:
    states = np.asarray(states0, dtype=float)
    if states.ndim == 1:
        states = states[None, :]
    if states.ndim != 2 or states.shape[1] != STATE_SIZE:
        raise InputError(f"expected states of shape (n, 6), got {states.shape}", field="states0")
    if not np.all(np.isfinite(states)):
        raise InputError("initial states contain NaN or infinity", field="states0")
    return states


@dataclass(frozen=True)
class NumericalPropagator:
    """Propagates GCRS states (km, km/s) of many objects under ``force_model``.

    ``rtol``: relative tolerance; ``atol_km`` / ``atol_km_s``: absolute tolerances of
    position and velocity, per object (see the module docstring for the norm).
    """

    force_model: Force
    rtol: float = 1e-12
    atol_km: float = 1e-9
    atol_km_s: float = 1e-12
    max_step_s: float = np.inf

    def propagate(
        self, epoch: Time, states0: np.ndarray, times: Time, with_stm: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """States (n, m, 6) at ``times`` from states0 (n, 6) at ``epoch``; STM (n, m, 6, 6) or None.

        Times may lie before or after the epoch (each side is integrated from the
        epoch); ``stm[i, j]`` is d state(times[j]) / d state0 for object i.
        """
        states = _as_states(states0)
        offsets = epoch_offsets_s(epoch, times)
        return self.propagate_offsets(epoch, states, offsets, with_stm)

    def propagate_offsets(
        self, epoch: Time, states0: np.ndarray, offsets_s: np.ndarray, with_stm: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """As :meth:`propagate`, with output times as seconds of TT from ``epoch``."""
        states = _as_states(states0)
        offsets = np.atleast_1d(np.asarray(offsets_s, dtype=float))
        n, m = len(states), offsets.size
        out = np.empty((n, m, STATE_SIZE))
        stm = np.empty((n, m, STATE_SIZE, STATE_SIZE)) if with_stm else None
        if m == 0:
            return out, stm
        env = Environment(epoch, min(0.0, offsets.min()), max(0.0, offsets.max()))
        for side in (offsets >= 0, offsets < 0):
            if np.any(side):
                self._integrate(env, states, offsets, np.flatnonzero(side), out, stm)
        return out, stm

    def _rhs(self, env: Environment, n: int, with_stm: bool):
        model = self.force_model
        k = n * STATE_SIZE

        def rhs(t: float, y: np.ndarray) -> np.ndarray:
            s = y[:k].reshape(n, STATE_SIZE)
            r, v = s[:, :3], s[:, 3:]
            dy = np.empty_like(y)
            ds = dy[:k].reshape(n, STATE_SIZE)
            ds[:, :3] = v
            ds[:, 3:] = model.acceleration(t, r, v, env)
            if with_stm:
                phi = y[k:].reshape(n, STATE_SIZE, STATE_SIZE)
                dphi = dy[k:].reshape(n, STATE_SIZE, STATE_SIZE)
                da_dr, da_dv = model.partials(t, r, v, env)
                dphi[:, :3, :] = phi[:, 3:, :]
                dphi[:, 3:, :] = da_dr @ phi[:, :3, :]
                if da_dv is not None:
                    dphi[:, 3:, :] += da_dv @ phi[:, 3:, :]
            return dy

        return rhs

    def _integrate(self, env, states, offsets, which, out, stm) -> None:
        n = len(states)
        k = n * STATE_SIZE
        y0 = states.ravel()
        if stm is not None:
            y0 = np.concatenate([y0, np.tile(np.eye(STATE_SIZE).ravel(), n)])
        targets_all = offsets[which]
        direction = 1.0 if targets_all.max() >= 0 and targets_all.min() >= 0 else -1.0
        order = np.argsort(direction * targets_all)
        targets = targets_all[order]
        columns = which[order]

        def store(cols: np.ndarray, ys: np.ndarray) -> None:  # ys: (len(y0), len(cols))
            out[:, cols, :] = ys[:k].reshape(n, STATE_SIZE, -1).transpose(0, 2, 1)
            if stm is not None:
                phi = ys[k:].reshape(n, STATE_SIZE, STATE_SIZE, -1)
                stm[:, cols] = phi.transpose(0, 3, 1, 2)

        done = int(np.searchsorted(direction * targets, 0.0, side="right"))
        if done:
            store(columns[:done], np.repeat(y0[:, None], done, axis=1))
        t_end = float(targets[-1])
        if done == len(targets):
            return
        atol = np.concatenate(
            [np.tile([self.atol_km] * 3 + [self.atol_km_s] * 3, n), np.full(y0.size - k, np.inf)]
        )
        solver = _WorstObjectDOP853(
            self._rhs(env, n, stm is not None),
            0.0,
            y0,
            t_end,
            rtol=self.rtol,
            atol=np.where(np.isfinite(atol), atol, 1.0),
            max_step=self.max_step_s,
        )
        solver.controlled = k
        while done < len(targets):
            message = solver.step()
            if solver.status == "failed":
                raise PropagationError(f"numerical propagation failed at t={solver.t} s: {message}")
            reached = int(np.searchsorted(direction * targets, direction * solver.t, side="right"))
            if reached > done:
                dense = solver.dense_output()
                store(columns[done:reached], dense(targets[done:reached]))
                done = reached

    # --- OrbitState conveniences --------------------------------------------

    def propagate_state(self, state: OrbitState, time: Time) -> OrbitState:
        """``state`` moved to one ``time`` (GCRS out), with its C_R when it carries one;
        a covariance (6x6, or 7x7 with C_R) is mapped by :func:`propagate_covariance`."""
        r, v, cov = state_in_frame(state, "gcrs")
        single = Time(np.ravel(time.jd1)[0], np.ravel(time.jd2)[0], format="jd", scale=time.scale)
        x, new_cov = propagate_covariance(
            self, state.epoch, np.concatenate([r, v]), cov, Time([single]), state.cr
        )
        return replace(
            state,
            epoch=single,
            position_km=x[0, :3].copy(),
            velocity_km_s=x[0, 3:].copy(),
            frame="gcrs",
            covariance=None if new_cov is None else new_cov[0],
        )

    def ephemeris(
        self, states: OrbitState | Sequence[OrbitState], times: Time, frame: str = "gcrs"
    ) -> Ephemeris:
        """States of several objects (any epochs and frames) at ``times``, in ``frame``."""
        states = [states] if isinstance(states, OrbitState) else list(states)
        times = Time(
            np.atleast_1d(times.jd1), np.atleast_1d(times.jd2), format="jd", scale=times.scale
        )
        n, m = len(states), len(times)
        out = np.empty((n, m, 6))
        epochs = [(float(s.epoch.tt.jd1), float(s.epoch.tt.jd2)) for s in states]
        # Objects sharing an epoch are integrated together.
        for key in dict.fromkeys(epochs):
            rows = [i for i, e in enumerate(epochs) if e == key]
            initial = np.array(
                [np.concatenate(state_in_frame(states[i], "gcrs")[:2]) for i in rows]
            )
            out[rows], _ = self.propagate(states[rows[0]].epoch, initial, times)
        norad = np.array([-1 if s.norad_id is None else s.norad_id for s in states], dtype=np.int64)
        eph = Ephemeris(
            norad, times, "gcrs", out[..., :3], out[..., 3:], np.zeros((n, m), dtype=np.uint8)
        )
        return eph if frame == "gcrs" else eph.to_frame(frame)


def state_in_frame(
    state: OrbitState, frame: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(r km, v km/s, covariance or None) of ``state`` in ``frame`` at its epoch.

    Frame transforms are linear in (r, v) at a fixed time, so the covariance is
    mapped with the Jacobian built from transforming the six unit vectors (a seventh,
    C_R, row and column is carried unchanged).
    """
    r = np.asarray(state.position_km, dtype=float)
    v = np.asarray(state.velocity_km_s, dtype=float)
    if state.frame == frame:
        return r, v, state.covariance
    basis = np.vstack([np.concatenate([r, v]), np.eye(6)])  # row 0 the state, then unit vectors
    rb, vb = transform_states(
        basis[:, None, :3], basis[:, None, 3:], state.epoch, state.frame, frame
    )
    cov = None
    if state.covariance is not None:
        p = np.asarray(state.covariance)
        jac = np.eye(p.shape[0])  # a C_R row/column (7x7) is frame-free
        jac[:6, :6] = np.hstack([rb[1:, 0], vb[1:, 0]]).T  # column k: image of unit vector k
        cov = jac @ p @ jac.T
    return rb[0, 0], vb[0, 0], cov


# --- the SRP coefficient as a parameter, and covariance propagation ----------


def _srp_force(propagator) -> tuple[int, SolarRadiationPressure]:
    """Index and instance of the SolarRadiationPressure term of the propagator's force model."""
    forces = getattr(getattr(propagator, "force_model", None), "forces", ())
    for k, f in enumerate(forces):
        if isinstance(f, SolarRadiationPressure):
            return k, f
    raise InputError(
        "a C_R needs a NumericalPropagator whose ForceModel has a SolarRadiationPressure term",
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
    forces[k] = replace(srp, cr=np.asarray(cr, dtype=float))
    return replace(propagator, force_model=ForceModel(tuple(forces)))


def with_cr_column(propagator, cr, trajectory, rel_step: float = 0.01):
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


def propagate_covariance(
    propagator,
    epoch: Time,
    state: np.ndarray,
    covariance: np.ndarray | None,
    times: Time,
    cr: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The one covariance propagation: GCRS states (m, 6) at ``times`` from ``state`` (6,)
    at ``epoch`` and the covariance mapped to each (m, p, p), P = J P J^T.

    ``covariance`` 6x6 (state) maps through the STM; 7x7 (state, then C_R) through the STM
    with a d state / d C_R column (:func:`with_cr_column`), C_R itself unchanged. With
    ``cr`` the propagator's SRP term uses it. No covariance: states only, None.
    """
    x0 = np.asarray(state, float)[None]
    p = None if covariance is None else np.asarray(covariance, float)
    if p is not None and p.shape == (7, 7):
        c = np.array([nominal_cr(propagator) if cr is None else cr])
        states, partial = with_cr_column(
            propagator, c, lambda prop, stm: prop.propagate(epoch, x0, times, with_stm=stm)
        )
        jac = np.zeros((len(times), 7, 7))
        jac[:, :6] = partial[0]
        jac[:, 6, 6] = 1.0
        return states[0], jac @ p @ np.swapaxes(jac, 1, 2)
    if cr is not None:
        with contextlib.suppress(InputError):  # a model without SRP propagates without it
            propagator = propagator_with_cr(propagator, [cr])
    states, stm = propagator.propagate(epoch, x0, times, with_stm=p is not None)
    if p is None or stm is None:
        return states[0], None
    return states[0], stm[0] @ p @ np.swapaxes(stm[0], 1, 2)
