"""Two-body building blocks for IOD and linking: universal-variable Kepler and Lambert.

Not a propagator for precise work (that is :mod:`beltwatch.propagation`): these are
the closed-form conic relations that initial orbit determination is built on.
Vectorised over leading axes; km, km/s, s.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from beltwatch.constants import GM_EARTH_EGM2008_KM3_S2
from beltwatch.errors import NoSolutionError


def stumpff(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stumpff functions C(z), S(z), stable near z = 0."""
    # Clipped so that hyperbolic trial values far off the solution do not overflow.
    z = np.clip(np.asarray(z, dtype=float), -(700.0**2), None)
    c = np.empty_like(z)
    s = np.empty_like(z)
    small = np.abs(z) < 1e-6
    pos = z >= 1e-6
    neg = z <= -1e-6
    sz = np.sqrt(z[pos])
    c[pos] = (1 - np.cos(sz)) / z[pos]
    s[pos] = (sz - np.sin(sz)) / sz**3
    sn = np.sqrt(-z[neg])
    c[neg] = (np.cosh(sn) - 1) / (-z[neg])
    s[neg] = (np.sinh(sn) - sn) / sn**3
    zs = z[small]
    c[small] = 0.5 - zs / 24 + zs**2 / 720
    s[small] = 1 / 6 - zs / 120 + zs**2 / 5040
    return c, s


def kepler_fg(
    r0: np.ndarray, v0: np.ndarray, dt: np.ndarray, mu: float = GM_EARTH_EGM2008_KM3_S2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lagrange coefficients (f, g, fdot, gdot) for states (..., 3) advanced by dt (...) s.

    Trial orbits far from any solution (IOD iterations) give NaN, not warnings."""
    with np.errstate(all="ignore"):
        return _kepler_fg(r0, v0, dt, mu)


def _kepler_fg(r0, v0, dt, mu):
    r0 = np.asarray(r0, dtype=float)
    v0 = np.asarray(v0, dtype=float)
    dt = np.asarray(dt, dtype=float)
    rn = np.linalg.norm(r0, axis=-1)
    vr = np.sum(r0 * v0, axis=-1) / rn
    alpha = 2.0 / rn - np.sum(v0 * v0, axis=-1) / mu
    smu = np.sqrt(mu)
    x = smu * np.abs(alpha) * dt  # elliptic first guess
    x = np.where(np.abs(alpha) > 1e-12, x, smu * dt / rn)
    # Hyperbolic first guess (Vallado, Fundamentals of Astrodynamics, algorithm 8): the
    # elliptic one makes Newton diverge on fast hyperbolic trial orbits.
    sma = 1.0 / np.where(alpha < -1e-12, alpha, -1.0)
    sgn = np.sign(dt)
    arg = (-2.0 * mu * alpha * dt) / (
        np.sum(r0 * v0, axis=-1) + sgn * np.sqrt(-mu * sma) * (1.0 - rn * alpha)
    )
    x_hyp = sgn * np.sqrt(-sma) * np.log(arg)
    x = np.where((alpha < -1e-12) & np.isfinite(x_hyp), x_hyp, x)
    for _ in range(50):
        z = alpha * x * x
        c, s = stumpff(z)
        f_x = rn * vr / smu * x * x * c + (1 - alpha * rn) * x**3 * s + rn * x - smu * dt
        df = rn * vr / smu * x * (1 - alpha * x * x * s) + (1 - alpha * rn) * x * x * c + rn
        step = f_x / df
        x = x - step
        if np.all(np.abs(step) < 1e-10 * np.maximum(1.0, np.abs(x))):
            break
    z = alpha * x * x
    c, s = stumpff(z)
    f = 1 - x * x / rn * c
    g = dt - x**3 / smu * s
    r = f[..., None] * r0 + g[..., None] * v0
    rr = np.linalg.norm(r, axis=-1)
    fdot = smu / (rr * rn) * (alpha * x**3 * s - x)
    gdot = 1 - x * x / rr * c
    return f, g, fdot, gdot


def kepler_propagate(
    r0: np.ndarray, v0: np.ndarray, dt: np.ndarray | float, mu: float = GM_EARTH_EGM2008_KM3_S2
) -> tuple[np.ndarray, np.ndarray]:
    """Two-body states (r, v) of shape (..., 3) after dt seconds (broadcast over leading axes)."""
    r0, v0, dt = np.broadcast_arrays(
        np.asarray(r0, float), np.asarray(v0, float), np.asarray(dt, float)[..., None]
    )
    dt = dt[..., 0]
    f, g, fdot, gdot = kepler_fg(r0, v0, dt, mu)
    r = f[..., None] * r0 + g[..., None] * v0
    v = fdot[..., None] * r0 + gdot[..., None] * v0
    return r, v


def lambert(
    r1: np.ndarray,
    r2: np.ndarray,
    dt: float,
    mu: float = GM_EARTH_EGM2008_KM3_S2,
    prograde: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Single-revolution Lambert arc (v1, v2) from r1 to r2 in dt seconds (universal variables)."""
    r1 = np.asarray(r1, float)
    r2 = np.asarray(r2, float)
    n1, n2 = math.hypot(*r1), math.hypot(*r2)
    cross_z = float(r1[0] * r2[1] - r1[1] * r2[0])
    dtheta = math.acos(min(max(float(r1 @ r2) / (n1 * n2), -1.0), 1.0))
    if (prograde and cross_z < 0) or (not prograde and cross_z >= 0):
        dtheta = 2 * math.pi - dtheta
    # numpy scalars: a degenerate trial gives inf/NaN (a value), not ZeroDivisionError.
    n1, n2 = np.float64(n1), np.float64(n2)
    a_const = np.float64(math.sin(dtheta) * math.sqrt(n1 * n2 / (1 - math.cos(dtheta))))

    def cs(z: float) -> tuple[float, float]:
        if z > 1e-6:
            sz = math.sqrt(z)
            return (1 - math.cos(sz)) / z, (sz - math.sin(sz)) / sz**3
        if z < -1e-6:
            sz = math.sqrt(-z)
            return (math.cosh(sz) - 1) / -z, (math.sinh(sz) - sz) / sz**3
        return 0.5 - z / 24, 1 / 6 - z / 120

    def y_of(z: float) -> float:
        c, s = cs(z)
        return n1 + n2 + a_const * (z * s - 1) / math.sqrt(c)

    def time_error(z: float) -> float:
        c, s = cs(z)
        y = y_of(z)
        if y < 0:
            return -dt
        return ((y / c) ** 1.5 * s + a_const * math.sqrt(y)) / math.sqrt(mu) - dt

    # Bracket z on the single-revolution branch ((2 pi)^2 is its upper limit).
    lo = -4.0 * math.pi**2
    while time_error(lo) > 0:  # transfer time grows with z; y < 0 counts as too short
        lo *= 2.0
        if lo < -4.0e5:  # cosh(sqrt(-z)) overflows near z = -710^2
            raise NoSolutionError("no Lambert solution bracket")
    hi = 4.0 * math.pi**2 * (1 - 1e-6)  # at (2 pi)^2 itself C(z) rounds to 0
    z = brentq(time_error, lo, hi, xtol=1e-14, rtol=1e-14)
    y = y_of(z)
    if not y > 0:  # the root sits on the y = 0 edge: no arc that short
        raise NoSolutionError(f"no Lambert solution: transfer time {dt} s too short")
    f = 1 - y / n1
    g = a_const * np.sqrt(y / mu)
    gdot = 1 - y / n2
    v1 = (r2 - f * r1) / g
    v2 = (gdot * r2 - r1) / g
    return v1, v2


def semi_major_axis_km(
    r: np.ndarray, v: np.ndarray, mu: float = GM_EARTH_EGM2008_KM3_S2
) -> np.ndarray:
    """Osculating semi-major axis (km) of states (..., 3)."""
    rn = np.linalg.norm(r, axis=-1)
    v2 = np.sum(np.asarray(v) ** 2, axis=-1)
    return 1.0 / (2.0 / rn - v2 / mu)


def classical_elements(r: np.ndarray, v: np.ndarray, mu: float = GM_EARTH_EGM2008_KM3_S2) -> dict:
    """Osculating elements of one state: h (km^2/s), a (km), e, i, raan, argp, nu (rad)."""
    r = np.asarray(r, float)
    v = np.asarray(v, float)
    rn = np.linalg.norm(r)
    h = np.cross(r, v)
    hn = np.linalg.norm(h)
    node = np.cross([0.0, 0.0, 1.0], h)
    nn = np.linalg.norm(node)
    e_vec = ((v @ v - mu / rn) * r - (r @ v) * v) / mu
    e = np.linalg.norm(e_vec)
    inc = np.arccos(h[2] / hn)
    raan = np.arccos(np.clip(node[0] / nn, -1, 1)) if nn > 0 else 0.0
    if node[1] < 0:
        raan = 2 * np.pi - raan
    argp = np.arccos(np.clip(node @ e_vec / (nn * e), -1, 1)) if nn > 0 and e > 0 else 0.0
    if e_vec[2] < 0:
        argp = 2 * np.pi - argp
    nu = np.arccos(np.clip(e_vec @ r / (e * rn), -1, 1)) if e > 0 else 0.0
    if r @ v < 0:
        nu = 2 * np.pi - nu
    return {
        "h": hn,
        "a": float(semi_major_axis_km(r, v, mu)),
        "e": e,
        "i": inc,
        "raan": raan,
        "argp": argp,
        "nu": nu,
    }
