"""Initial orbit determination from angles: Gauss and Gooding (Lambert-based double-range).

Both work with a moving observer (a space-based host or a rotating ground site: pass
its GCRS position at each observation) and correct light time: the target is seen
where it was at ``t - rho / c``. Inputs are times in seconds from any origin, unit
line-of-sight vectors (GCRS) and observer positions (km); the returned states are
at the middle observation time (Gauss) or at the first time (Gooding).

Both end in the same exact two-body solve (:func:`_double_r`): the first and last
ranges are adjusted until the Lambert arc between them passes through every other
line of sight. Gauss supplies its first-order ranges as the start; Gooding starts
from several range hypotheses and keeps every distinct converged solution.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from beltwatch.constants import GEO_RADIUS_KM, GM_EARTH_EGM2008_KM3_S2, SPEED_OF_LIGHT_KM_S
from beltwatch.errors import InputError, NoSolutionError
from beltwatch.orbit_determination._kepler import (
    kepler_propagate,
    lambert,
)

# Candidate orbits beyond this geocentric distance (km) are spurious roots, not satellites.
MAX_RADIUS_KM = 1.0e6
# Default Gooding start hypotheses: the target this far (km) from the Earth's centre at both
# ends (near and far crossings of each sphere); covers MEO-to-beyond-GEO objects.
HYPOTHESIS_RADII_KM = (20000.0, 30000.0, GEO_RADIUS_KM, 50000.0, 60000.0)
# An exact solution of three observations fits them to rounding; this (rad) separates a
# converged solve from one that stopped on the slope of the residual valley.
EXACT_FIT_RAD = 1e-9


@dataclass(frozen=True)
class IodSolution:
    """One candidate orbit: GCRS state (km, km/s) at ``time_s`` and the ranges (km) used.

    ``residual_rad`` is the rms perpendicular miss of the lines of sight; ``converged`` is
    False for a Gauss first-order solution kept because the exact solve did not converge.
    """

    time_s: float
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    ranges_km: np.ndarray
    method: str
    residual_rad: float = float("nan")
    converged: bool = True


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


def _middle_ranges(
    A: float, B: float, los: np.ndarray, site: np.ndarray, mu: float, min_range_km: float
) -> tuple[list[float], list[float]]:
    """Positive roots rho2 of h = rho2 - A - mu B / |site + rho2 los|^3 = 0 (Curtis eqs.
    5.112 and 5.117), and near-roots: local minima of |h| that stay off zero.

    Solved in range, not as Curtis' eighth-order polynomial in r2: seen from a GEO observer
    a GEO target's root and the observer's own (rho2 ~ 0) share nearly the same r2, and the
    polynomial's near-double root turns complex in rounding. A near-root is what is left of
    a root the truncated f and g series moved off the axis (close approaches, nearly
    coplanar lines of sight): a start for the exact solve, not a first-order solution."""

    def h(rho):
        r = np.linalg.norm(site + np.multiply.outer(rho, los), axis=-1)
        return rho - A - mu * B / r**3

    grid = np.geomspace(min_range_km, MAX_RADIUS_KM, 2000)
    hg = h(grid)
    crossing = np.sign(hg[:-1]) * np.sign(hg[1:]) < 0
    roots = [
        float(brentq(lambda x: float(h(x)), grid[k], grid[k + 1], xtol=1e-9))
        for k in np.flatnonzero(crossing)
    ]
    ah = np.abs(hg)
    dips = (ah[1:-1] < ah[:-2]) & (ah[1:-1] < ah[2:]) & ~crossing[:-1] & ~crossing[1:]
    near = [
        float(
            minimize_scalar(
                lambda x: abs(float(h(x))), bounds=(grid[k], grid[k + 2]), method="bounded"
            ).x
        )
        for k in np.flatnonzero(dips)
    ]
    return roots, near


def gauss(
    t_s,
    los,
    site_km,
    mu: float = GM_EARTH_EGM2008_KM3_S2,
    light_time: bool = True,
    improve: bool = True,
    max_iter: int = 100,
    min_range_km: float = 100.0,
    bound_only: bool = True,
) -> list[IodSolution]:
    """Gauss' method (Curtis algorithm 5.5) for three observations, each root improved to
    the exact two-body solution through the three lines of sight.

    Returns one solution per positive root of the range equation (several roots mean
    several admissible orbits), sorted by residual; states are at ``t_s[1]`` (the reception
    time). Each first-order solution is the start of the exact solve (Lambert and
    universal-variable Lagrange coefficients, Levenberg-Marquardt on the end ranges); if
    that converges for no root, the first-order solutions are returned with
    ``converged=False``. Near-roots of the range equation (see :func:`_middle_ranges`)
    are further starts, kept only when the exact solve converges from them.

    Dropped: solutions with a range below ``min_range_km`` (seen from a space-based
    observer, the observer's own orbit is always a spurious root), unbound (hyperbolic)
    ones unless ``bound_only`` is False, and duplicates (the same three ranges to 1e-6).
    """
    t, L, R = _as_inputs(t_s, los, site_km)
    if t.shape != (3,) or L.shape != (3, 3) or R.shape != (3, 3):
        raise InputError(
            "gauss needs exactly three times, directions and observer positions", field="t_s"
        )
    tau1, tau3 = t[0] - t[1], t[2] - t[1]
    tau = tau3 - tau1
    d0, D = _gauss_determinants(L, R)
    if abs(d0) < 1e-14:  # lines of sight coplanar to rounding: no Gauss solution
        return []
    A = (-D[0, 1] * tau3 / tau + D[1, 1] + D[2, 1] * tau1 / tau) / d0
    B = (D[0, 1] * (tau3**2 - tau**2) * tau3 / tau + D[2, 1] * (tau**2 - tau1**2) * tau1 / tau) / (
        6 * d0
    )
    roots, near = _middle_ranges(A, B, L[1], R[1], mu, min_range_km)
    starts = [(rho2, False) for rho2 in roots] + [(rho2, True) for rho2 in near if improve]
    solutions: list[IodSolution] = []
    for rho2, near_root in starts:
        r23 = float(np.linalg.norm(R[1] + rho2 * L[1])) ** 3
        rho = _gauss_ranges(D, d0, tau1, tau3, rho2, r23, mu)
        if np.any(rho <= min_range_km):  # behind the observer, or the observer's own orbit
            continue
        sol = _gauss_first_order(t, L, R, rho, r23, mu, light_time)
        if improve:
            prograde = bool(np.cross(sol.position_km, sol.velocity_km_s)[2] >= 0)
            exact = _double_r(t, L, R, rho[[0, 2]], mu, light_time, max_iter, prograde)
            if exact is not None and exact.residual_rad < EXACT_FIT_RAD:
                sol = _at_middle(exact, t, L, R, mu, light_time)
            elif near_root:
                continue
        if not np.all(np.isfinite(sol.velocity_km_s)):
            continue
        if np.linalg.norm(sol.position_km) > MAX_RADIUS_KM:
            continue
        if bound_only and not _is_bound(sol, mu):
            continue
        if np.any(sol.ranges_km <= min_range_km):  # improved onto the observer's own orbit
            continue
        if any(np.all(np.abs(s.ranges_km / sol.ranges_km - 1) < 1e-6) for s in solutions):
            continue
        solutions.append(sol)
    if any(s.converged for s in solutions):  # first-order solutions are only a fallback
        solutions = [s for s in solutions if s.converged]
    return sorted(solutions, key=lambda s: s.residual_rad)


def _gauss_ranges(D, d0, tau1, tau3, rho2, r23, mu) -> np.ndarray:
    """Curtis algorithm 5.5 step 8: the three ranges (km) for a root rho2 (r23 = r2^3)."""
    tau = tau3 - tau1
    rho1 = (
        (
            6 * (D[2, 0] * tau1 / tau3 + D[1, 0] * tau / tau3) * r23
            + mu * D[2, 0] * (tau**2 - tau1**2) * tau1 / tau3
        )
        / (6 * r23 + mu * (tau**2 - tau3**2))
        - D[0, 0]
    ) / d0
    rho3 = (
        (
            6 * (D[0, 2] * tau3 / tau1 - D[1, 2] * tau / tau1) * r23
            + mu * D[0, 2] * (tau**2 - tau3**2) * tau3 / tau1
        )
        / (6 * r23 + mu * (tau**2 - tau1**2))
        - D[2, 2]
    ) / d0
    return np.array([rho1, rho2, rho3])


def _gauss_first_order(t, L, R, rho, r23, mu, light_time) -> IodSolution:
    """Curtis algorithm 5.5 steps 9-10: the truncated-series f and g give v2."""
    tau1, tau3 = t[0] - t[1], t[2] - t[1]
    r = R + rho[:, None] * L
    f1 = 1 - 0.5 * mu * tau1**2 / r23
    f3 = 1 - 0.5 * mu * tau3**2 / r23
    g1 = tau1 - mu * tau1**3 / (6 * r23)
    g3 = tau3 - mu * tau3**3 / (6 * r23)
    r_mid, v_mid = r[1], (-f3 * r[0] + f1 * r[2]) / (f1 * g3 - f3 * g1)
    if light_time:  # state at emission time t2 - rho2/c -> state at reception time t2
        r_mid, v_mid = kepler_propagate(r_mid, v_mid, rho[1] / SPEED_OF_LIGHT_KM_S, mu)
    with np.errstate(all="ignore"):
        res = _fit_residual(r_mid, v_mid, t - t[1], L, R, mu, light_time)
    return IodSolution(float(t[1]), r_mid, v_mid, rho, "gauss", res, converged=False)


def _at_middle(sol: IodSolution, t, L, R, mu, light_time) -> IodSolution:
    """A Gooding solution (state at t[0]) restated at t[1] with its three ranges."""
    r_mid, v_mid = kepler_propagate(sol.position_km, sol.velocity_km_s, t[1] - t[0], mu)
    rho2 = float(np.linalg.norm(r_mid - R[1]))
    if light_time:
        r_em, _ = kepler_propagate(r_mid, v_mid, -rho2 / SPEED_OF_LIGHT_KM_S, mu)
        rho2 = float(np.linalg.norm(r_em - R[1]))
    rho = np.array([sol.ranges_km[0], rho2, sol.ranges_km[1]])
    return IodSolution(float(t[1]), r_mid, v_mid, rho, "gauss", sol.residual_rad)


def _fit_residual(r, v, dt, L, R, mu, light_time) -> float:
    """Rms perpendicular miss (rad) of the lines of sight by the orbit (r, v) at dt = 0."""
    pos, _ = kepler_propagate(r, v, dt, mu)
    if light_time:
        lt = np.linalg.norm(pos - R, axis=-1) / SPEED_OF_LIGHT_KM_S
        pos, _ = kepler_propagate(r, v, dt - lt, mu)
    return float(np.sqrt(np.mean(_los_residual(pos, R, _los_basis(L)) ** 2)))


def _los_basis(los: np.ndarray) -> np.ndarray:
    """Two unit vectors (2, n, 3) perpendicular to each line of sight (n, 3), built from the
    axis least aligned with it (no singularity at the poles)."""
    axis = np.eye(3)[np.argmin(np.abs(los), axis=-1)]
    e1 = np.cross(los, axis)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    return np.stack([e1, np.cross(los, e1)])


def _los_residual(r_target: np.ndarray, site: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Components (2 per observation, last axis) of the predicted direction perpendicular to
    the measured; ``r_target`` (..., n, 3) against ``site`` (n, 3) and ``_los_basis``."""
    u = r_target - site
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    return np.concatenate([np.sum(u * basis[0], axis=-1), np.sum(u * basis[1], axis=-1)], axis=-1)


def _levenberg_marquardt(
    fun: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, max_iter: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Least squares over positive x in relative units (a step is a fraction of x: the
    valley of near-solutions of a short arc makes plain Newton jump to another root).

    ``fun`` maps trial points (k, n) to residuals (k, m), so the forward-difference
    Jacobian costs one call. Returns (x, residuals) or None if they stop being finite."""
    x = np.asarray(x0, dtype=float)
    res = fun(x[None])[0]
    cost = float(res @ res)
    damping = 1e-3
    for _ in range(max_iter):
        if not np.isfinite(cost):
            return None
        # Stop at rounding level (1e-14 rad): further steps only cost evaluations.
        if cost <= res.size * 1e-28:
            break
        step = 1e-7 * x
        jac = ((fun(x + np.diag(step)) - res) / step[:, None]).T
        if not np.all(np.isfinite(jac)):
            return None
        js = jac * x
        normal = js.T @ js
        grad = js.T @ res
        improved = False
        for _ in range(8):
            delta = -np.linalg.solve(normal + damping * np.diag(np.diag(normal)), grad)
            trial = x * (1 + np.clip(delta, -0.5, 0.5))
            res_t = fun(trial[None])[0]
            cost_t = float(res_t @ res_t)
            if np.isfinite(cost_t) and cost_t < cost:
                improved = cost - cost_t > 1e-10 * cost  # else stationary: stop after this
                x, res, cost = trial, res_t, cost_t
                damping = max(damping / 10, 1e-12)
                break
            damping *= 10
        if not improved or np.all(np.abs(delta) < 1e-12):
            break
    return x, res


def _double_r(t, L, R, rho_ends, mu, light_time, max_iter, prograde=True) -> IodSolution | None:
    """The exact two-body solve shared by Gauss and Gooding: end ranges (km) such that the
    Lambert arc between the end points passes through the inner lines of sight."""
    inner = slice(1, t.size - 1)
    basis = _los_basis(L[inner])

    def ends(rho: np.ndarray):
        """First and last target positions (k, 3), start velocity (k, 3), start time (k)."""
        r1 = R[0] + rho[:, :1] * L[0]
        r3 = R[-1] + rho[:, 1:] * L[-1]
        lt = rho / SPEED_OF_LIGHT_KM_S if light_time else np.zeros_like(rho)
        t1, t3 = t[0] - lt[:, 0], t[-1] - lt[:, 1]
        v1 = np.full_like(r1, np.nan)
        for k in range(rho.shape[0]):
            # No single-revolution arc: this trial is not a solution (NaN velocity).
            with contextlib.suppress(NoSolutionError, ArithmeticError):
                v1[k], _ = lambert(r1[k], r3[k], t3[k] - t1[k], mu, prograde)
        return r1, v1, t1

    def residuals(rho: np.ndarray) -> np.ndarray:
        r1, v1, t1 = ends(rho)
        r_in, v_in = kepler_propagate(r1[:, None], v1[:, None], t[inner] - t1[:, None], mu)
        if light_time:  # back to the emission times: r - v lt (the dropped term is ~1 cm)
            lt = np.zeros(r_in.shape[:-1])
            for _ in range(2):
                lt = np.linalg.norm(r_in - v_in * lt[..., None] - R[inner], axis=-1)
                lt /= SPEED_OF_LIGHT_KM_S
            r_in = r_in - v_in * lt[..., None]
        return _los_residual(r_in, R[inner], basis)

    with np.errstate(all="ignore"):
        fit = _levenberg_marquardt(residuals, rho_ends, max_iter)
        if fit is None:
            return None
        rho, res = fit
        r1, v1, t1 = ends(rho[None])
    if not np.all(np.isfinite(v1)):
        return None
    r0, v0 = kepler_propagate(r1[0], v1[0], t[0] - t1[0], mu)
    return IodSolution(float(t[0]), r0, v0, rho, "gooding", float(np.sqrt(np.mean(res**2))))


def gooding(
    t_s,
    los,
    site_km,
    range_guess_km: tuple[float, float] | None = None,
    mu: float = GM_EARTH_EGM2008_KM3_S2,
    light_time: bool = True,
    max_iter: int = 30,
) -> IodSolution | None:
    """Gooding's method: solve for the first and last ranges so that the Lambert arc between
    them passes through every other line of sight (Levenberg-Marquardt on the perpendicular
    direction residuals, one or more observations between the ends).

    With ``range_guess_km`` (first, last range) one start; without it, the hypotheses of
    :func:`gooding_solutions`. Returns the best-fitting state at ``t_s[0]`` (reception
    time) or None. Single-revolution arcs (the end observations less than one period apart).
    """
    guesses = None if range_guess_km is None else [range_guess_km]
    sols = gooding_solutions(
        t_s, los, site_km, guesses, mu=mu, light_time=light_time, max_iter=max_iter
    )
    return sols[0] if sols else None


def gooding_solutions(
    t_s,
    los,
    site_km,
    range_guesses_km: Sequence[tuple[float, float]] | None = None,
    mu: float = GM_EARTH_EGM2008_KM3_S2,
    light_time: bool = True,
    max_iter: int = 30,
    radii_km: Sequence[float] = HYPOTHESIS_RADII_KM,
    noise_rad: float = EXACT_FIT_RAD,
    bound_only: bool = True,
    min_range_km: float = 100.0,
) -> list[IodSolution]:
    """Every distinct Gooding solution from several starts, best fit first.

    Starts: ``range_guesses_km`` (pairs of first and last range, km) if given; otherwise
    the target on a geocentric sphere of each of ``radii_km`` at both ends (near and far
    crossing) plus the Gauss roots when there are three observations. Solutions with the
    same end ranges (to 1e-6) are one. Dropped: unbound (hyperbolic) solutions unless
    ``bound_only`` is False, those with an end range below ``min_range_km`` (the
    observer's own orbit), and those fitting worse than the best by more than ``noise_rad``
    (rms, rad): pass the measurement noise to keep every orbit the data cannot tell apart.
    Three observations fit every solution exactly: more than one solution then means the
    data admit several orbits, and a later fit with more observations (or a prior on the
    orbit) has to choose.
    """
    t, L, R = _as_inputs(t_s, los, site_km)
    if t.size < 3:
        raise InputError("gooding needs at least three observations", field="t_s")
    if range_guesses_km is None:
        starts = _hypotheses(t, L, R, mu, light_time, radii_km)
    else:
        starts = [np.asarray(g, dtype=float) for g in range_guesses_km]
    found: list[IodSolution] = []
    for guess in starts:
        if not (guess.shape == (2,) and np.all(guess > 0)):
            continue
        sol = _double_r(t, L, R, guess, mu, light_time, max_iter)
        if sol is None or not np.isfinite(sol.residual_rad):
            continue
        if np.linalg.norm(sol.position_km) > MAX_RADIUS_KM:
            continue
        if bound_only and not _is_bound(sol, mu):
            continue
        if np.any(sol.ranges_km <= min_range_km):
            continue
        if any(np.all(np.abs(s.ranges_km / sol.ranges_km - 1) < 1e-6) for s in found):
            continue
        found.append(sol)
    if not found:
        return []
    best = min(s.residual_rad for s in found)
    return sorted(
        (s for s in found if s.residual_rad <= best + noise_rad), key=lambda s: s.residual_rad
    )


def _is_bound(sol: IodSolution, mu: float) -> bool:
    energy = 0.5 * sol.velocity_km_s @ sol.velocity_km_s - mu / np.linalg.norm(sol.position_km)
    return bool(energy < 0)


def _hypotheses(t, L, R, mu, light_time, radii_km) -> list[np.ndarray]:
    """Start pairs (first, last range): the target on each sphere, then the Gauss roots."""
    ends = [0, t.size - 1]
    starts = []
    for radius in radii_km:  # near and far crossing of each sphere (NaN where none)
        b, disc = _sphere_crossings(L[ends], R[ends], radius)
        root = np.sqrt(np.where(disc >= 0, disc, np.nan))
        starts += [-b - root, -b + root]
    if t.size == 3:
        with np.errstate(all="ignore"):
            for sol in gauss(t, L, R, mu, light_time, improve=False):
                starts.append(sol.ranges_km[[0, 2]])
    return [s for s in starts if np.all(np.isfinite(s) & (s > 0))]


def _sphere_crossings(los, site_km, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
    """(b, disc): the crossings of ``site + rho los`` with a geocentric sphere of
    ``radius_km`` are at rho = -b -+ sqrt(disc) (none where disc < 0)."""
    L = np.asarray(los, float)
    R = np.asarray(site_km, float)
    b = np.sum(L * R, axis=-1)
    return b, b * b - (np.sum(R * R, axis=-1) - radius_km**2)


def sphere_range_km(los: np.ndarray, site_km: np.ndarray, radius_km: float) -> np.ndarray:
    """Ranges (km) along each line of sight to a geocentric sphere of ``radius_km``: the far
    root (the only one for a ground site; for a space observer inside the sphere also)."""
    b, disc = _sphere_crossings(los, site_km, radius_km)
    return -b + np.sqrt(np.maximum(disc, 0.0))
