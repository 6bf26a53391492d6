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

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from astropy.time import Time
from scipy.integrate import DOP853

from beltwatch.errors import InputError, PropagationError
from beltwatch.frames import transform_states
from beltwatch.propagation._environment import Environment, epoch_offsets_s
from beltwatch.propagation._ephemeris import Ephemeris
from beltwatch.propagation._forces import Force
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
        """``state`` moved to one ``time`` (GCRS out); a covariance is mapped by the STM."""
        r, v, cov = state_in_frame(state, "gcrs")
        with_stm = cov is not None
        out, stm = self.propagate(state.epoch, np.concatenate([r, v]), time, with_stm=with_stm)
        new_cov = None
        if stm is not None:
            phi = stm[0, 0]
            new_cov = phi @ cov @ phi.T
        single = Time(np.ravel(time.jd1)[0], np.ravel(time.jd2)[0], format="jd", scale=time.scale)
        return replace(
            state,
            epoch=single,
            position_km=out[0, 0, :3].copy(),
            velocity_km_s=out[0, 0, 3:].copy(),
            frame="gcrs",
            covariance=new_cov,
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
    mapped with the Jacobian built from transforming the six unit vectors.
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
        jac = np.hstack([rb[1:, 0], vb[1:, 0]]).T  # column k: image of unit vector k
        cov = jac @ np.asarray(state.covariance) @ jac.T
    return rb[0, 0], vb[0, 0], cov
