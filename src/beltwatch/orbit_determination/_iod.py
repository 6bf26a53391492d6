"""Initial orbit determination from angles: Gauss and Gooding (Lambert-based double-range).

Both work with a moving observer (a space-based host or a rotating ground site: pass
its GCRS position at each observation) and correct light time: the target is seen
where it was at ``t - rho / c``. Inputs are times in seconds from any origin, unit
line-of-sight vectors (GCRS) and observer positions (km); the returned states are
at the middle observation time (Gauss) or at the first/middle time as stated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltwatch.frames import SPEED_OF_LIGHT_KM_S
from beltwatch.orbit_determination._kepler import (
    MU_EARTH_KM3_S2,
    kepler_fg,
    kepler_propagate,
    lambert,
)

# Candidate orbits beyond this geocentric distance (km) are spurious roots, not satellites.
MAX_RADIUS_KM = 1.0e6


@dataclass(frozen=True)
class IodSolution:
    """One candidate orbit: GCRS state (km, km/s) at ``time_s`` and the ranges (km) used."""

    time_s: float
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    ranges_km: np.ndarray
    method: str
    residual_rad: float = float("nan")


def _as_inputs(t_s, los, site_km) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.asarray(t_s, dtype=float)
    L = np.asarray(los, dtype=float)
    R = np.asarray(site_km, dtype=float)
    L = L / np.linalg.norm(L, axis=-1, keepdims=True)
    return t, L, R


def _gauss_determinants(L: np.ndarray, R: np.ndarray) -> tuple[float, np.ndarray]:
    p = np.stack([np.cross(L[1], L[2]), np.cross(L[0], L[2]), np.cross(L[0], L[1])])
    d0 = float(L[0] @ p[0])
    return d0, R @ p.T  # D[i, j] = R_i . p_j


def gauss(
    t_s,
    los,
    site_km,
    mu: float = MU_EARTH_KM3_S2,
    light_time: bool = True,
    improve: bool = True,
    max_iter: int = 100,
    min_range_km: float = 100.0,
) -> list[IodSolution]:
    """Gauss' method (Curtis algorithms 5.5 and 5.6) for three observations.

    Returns one solution per positive real root of the eighth-order range polynomial
    (several roots mean several admissible orbits), refined by iterative improvement
    with exact Lagrange coefficients; states are at ``t_s[1]`` (the reception time).
    Roots with a range below ``min_range_km`` are dropped: seen from a space-based
    observer, the observer's own orbit is always a (spurious) root.
    """
    t, L, R = _as_inputs(t_s, los, site_km)
    if t.shape != (3,) or L.shape != (3, 3) or R.shape != (3, 3):
        raise ValueError("gauss needs exactly three times, directions and observer positions")
    tau1, tau3 = t[0] - t[1], t[2] - t[1]
    tau = tau3 - tau1
    d0, D = _gauss_determinants(L, R)
    if abs(d0) < 1e-14:
        return []
    A = (-D[0, 1] * tau3 / tau + D[1, 1] + D[2, 1] * tau1 / tau) / d0
    B = (D[0, 1] * (tau3**2 - tau**2) * tau3 / tau + D[2, 1] * (tau**2 - tau1**2) * tau1 / tau) / (
        6 * d0
    )
    E = float(R[1] @ L[1])
    coeffs = np.zeros(9)
    coeffs[0] = 1.0
    coeffs[2] = -(A * A + 2 * A * E + R[1] @ R[1])
    coeffs[5] = -2 * mu * B * (A + E)
    coeffs[8] = -(mu**2) * B * B
    roots = np.roots(coeffs)
    candidates = sorted(float(x.real) for x in roots if abs(x.imag) < 1e-6 * abs(x) and x.real > 0)
    solutions = []
    for r2n in candidates:
        r23 = r2n**3
        rho = np.array(
            [
                (
                    (
                        6 * (D[2, 0] * tau1 / tau3 + D[1, 0] * tau / tau3) * r23
                        + mu * D[2, 0] * (tau**2 - tau1**2) * tau1 / tau3
                    )
                    / (6 * r23 + mu * (tau**2 - tau3**2))
                    - D[0, 0]
                )
                / d0,
                A + mu * B / r23,
                (
                    (
                        6 * (D[0, 2] * tau3 / tau1 - D[1, 2] * tau / tau1) * r23
                        + mu * D[0, 2] * (tau**2 - tau3**2) * tau3 / tau1
                    )
                    / (6 * r23 + mu * (tau**2 - tau1**2))
                    - D[2, 2]
                )
                / d0,
            ]
        )
        if np.any(rho <= min_range_km):  # behind the observer, or the observer's own orbit
            continue
        r = R + rho[:, None] * L
        f1 = 1 - 0.5 * mu * tau1**2 / r23
        f3 = 1 - 0.5 * mu * tau3**2 / r23
        g1 = tau1 - mu * tau1**3 / (6 * r23)
        g3 = tau3 - mu * tau3**3 / (6 * r23)
        v2 = (-f3 * r[0] + f1 * r[2]) / (f1 * g3 - f3 * g1)
        if improve:
            # Curtis' improvement is ill-conditioned when the lines of sight are nearly
            # coplanar (GEO seen from GEO): keep the first-order solution if it diverges.
            with np.errstate(all="ignore"):
                r_i, v_i, rho_i = _gauss_improve(
                    t, L, R, D, d0, r, v2, rho, f1, f3, g1, g3, mu, light_time, max_iter
                )
            if r_i is not None and np.all(np.abs(rho_i / rho - 1) < 0.5):
                r, v2, rho = r_i, v_i, rho_i
        r_mid, v_mid = r[1], v2
        if light_time:  # state at emission time t2 - rho2/c -> state at reception time t2
            r_mid, v_mid = kepler_propagate(r_mid, v_mid, rho[1] / SPEED_OF_LIGHT_KM_S, mu)
        if np.all(np.isfinite(v_mid)) and np.linalg.norm(r_mid) < MAX_RADIUS_KM:
            solutions.append(IodSolution(float(t[1]), r_mid, v_mid, rho, "gauss"))
    return solutions


def _gauss_improve(t, L, R, D, d0, r, v2, rho, f1, f3, g1, g3, mu, light_time, max_iter):
    """Curtis algorithm 5.6: exact f and g from the current state until the ranges settle."""
    for _ in range(max_iter):
        te = t - rho / SPEED_OF_LIGHT_KM_S if light_time else t
        tau1, tau3 = te[0] - te[1], te[2] - te[1]
        ff, gg, _, _ = kepler_fg(
            np.stack([r[1], r[1]]), np.stack([v2, v2]), np.array([tau1, tau3]), mu
        )
        # Average with the previous coefficients, as Curtis does, to damp oscillation.
        f1, f3 = 0.5 * (f1 + ff[0]), 0.5 * (f3 + ff[1])
        g1, g3 = 0.5 * (g1 + gg[0]), 0.5 * (g3 + gg[1])
        den = f1 * g3 - f3 * g1
        c1, c3 = g3 / den, -g1 / den
        new = np.array(
            [
                (-D[0, 0] + D[1, 0] / c1 - D[2, 0] * c3 / c1) / d0,
                (-c1 * D[0, 1] + D[1, 1] - c3 * D[2, 1]) / d0,
                (-c1 / c3 * D[0, 2] + D[1, 2] / c3 - D[2, 2]) / d0,
            ]
        )
        if not np.all(np.isfinite(new)) or np.any(new <= 0):
            return None, None, None
        r = R + new[:, None] * L
        v2 = (-f3 * r[0] + f1 * r[2]) / den
        done = np.all(np.abs(new - rho) < 1e-8 * np.maximum(1.0, new))
        rho = new
        if done:
            break
    return r, v2, rho


def _los_residual(r_target: np.ndarray, site: np.ndarray, los: np.ndarray) -> np.ndarray:
    """Components (2 per observation) of the predicted direction perpendicular to the measured."""
    u = r_target - site
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    e1 = np.cross(los, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = np.cross(los, e1)
    return np.concatenate([np.sum(u * e1, axis=-1), np.sum(u * e2, axis=-1)])


def gooding(
    t_s,
    los,
    site_km,
    range_guess_km: tuple[float, float],
    mu: float = MU_EARTH_KM3_S2,
    light_time: bool = True,
    max_iter: int = 30,
) -> IodSolution | None:
    """Gooding's method: solve for the first and last ranges so that the Lambert arc between
    them passes through every other line of sight (Gauss-Newton on the perpendicular
    direction residuals, two or more observations between the ends).

    Returns the state at ``t_s[0]`` (reception time) or None if it does not converge.
    Single-revolution arcs (the end observations less than one period apart).
    """
    t, L, R = _as_inputs(t_s, los, site_km)
    if t.size < 3:
        raise ValueError("gooding needs at least three observations")
    inner = slice(1, t.size - 1)

    def arc(rho: np.ndarray):
        r1 = R[0] + rho[0] * L[0]
        r3 = R[-1] + rho[1] * L[-1]
        te = t.copy()
        if light_time:
            te[0] -= rho[0] / SPEED_OF_LIGHT_KM_S
            te[-1] -= rho[1] / SPEED_OF_LIGHT_KM_S
        v1, _ = lambert(r1, r3, te[-1] - te[0], mu)
        # Inner targets at their emission times (one light-time pass from the current guess).
        t_inner = t[inner] - te[0]
        if light_time:
            rough, _ = kepler_propagate(r1, v1, t_inner, mu)
            t_inner = t_inner - np.linalg.norm(rough - R[inner], axis=-1) / SPEED_OF_LIGHT_KM_S
        r_in, _ = kepler_propagate(r1, v1, t_inner, mu)
        return r1, v1, te[0], _los_residual(r_in, R[inner], L[inner])

    rho = np.asarray(range_guess_km, dtype=float)
    damping = 1e-3
    with np.errstate(all="ignore"):
        res = arc(rho)[3]
        cost = float(res @ res)
        for _ in range(max_iter):
            if not np.isfinite(cost):
                return None
            jac = np.empty((res.size, 2))
            for k in range(2):
                step = np.zeros(2)
                step[k] = 1e-7 * rho[k]
                jac[:, k] = (arc(rho + step)[3] - res) / step[k]
            if not np.all(np.isfinite(jac)):
                return None
            # Levenberg-Marquardt in relative range units: the valley of near-solutions of
            # a short arc makes plain Newton jump to a different root.
            Js = jac * rho
            normal = Js.T @ Js
            grad = Js.T @ res
            improved = False
            for _ in range(30):
                delta = -np.linalg.solve(normal + damping * np.diag(np.diag(normal)), grad)
                trial = rho * (1 + np.clip(delta, -0.5, 0.5))
                res_t = arc(trial)[3]
                cost_t = float(res_t @ res_t)
                if np.isfinite(cost_t) and cost_t < cost:
                    rho, res, cost, improved = trial, res_t, cost_t, True
                    damping = max(damping / 10, 1e-12)
                    break
                damping *= 10
            if not improved or np.all(np.abs(delta) < 1e-10):
                break
        r1, v1, t1e, res = arc(rho)
    if not np.all(np.isfinite(v1)):
        return None
    r0, v0 = kepler_propagate(r1, v1, t[0] - t1e, mu)
    return IodSolution(float(t[0]), r0, v0, rho, "gooding", float(np.sqrt(np.mean(res**2))))


def sphere_range_km(los: np.ndarray, site_km: np.ndarray, radius_km: float) -> np.ndarray:
    """Ranges (km) along each line of sight to a geocentric sphere of ``radius_km``: the far
    root (the only one for a ground site; for a space observer inside the sphere also)."""
    L = np.asarray(los, float)
    R = np.asarray(site_km, float)
    b = np.sum(L * R, axis=-1)
    disc = b * b - (np.sum(R * R, axis=-1) - radius_km**2)
    return -b + np.sqrt(np.maximum(disc, 0.0))
