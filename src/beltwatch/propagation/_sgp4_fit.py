"""SGP4 mean elements fitted to an ephemeris (for recipients that use TLEs).

Given states of one or many objects over a span (GCRS, TEME or ITRS), finds the
SGP4 element sets whose SGP4 positions best match them in TEME, least squares
over the whole span:

1. initial mean elements from the osculating state at the epoch, refined by
   inverting SGP4 at the epoch (a fixed-point iteration on the osculating elements
   of the SGP4 state: the osculating-to-mean conversion SGP4 itself implies);
2. Gauss-Newton on all TEME positions, with a central-difference Jacobian through
   the same SGP4 code that :class:`Sgp4Propagator` runs.

Parameters are equinoctial (mean motion, e cos(w+O), e sin(w+O), tan(i/2) sin O,
tan(i/2) cos O, mean longitude), regular at the zero eccentricity and inclination
of GEO. B* is held (default 0: drag is irrelevant at GEO). The epoch is snapped
to the 1e-8 day resolution of a TLE, so a printed TLE keeps the fitted epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.catalog import Catalog, format_tle, parse_catalog_text
from beltwatch.constants import GM_EARTH_WGS72_KM3_S2, J2000_JD
from beltwatch.errors import InputError
from beltwatch.frames import transform_states
from beltwatch.propagation._numerical import NumericalPropagator
from beltwatch.propagation._sgp4 import XPDOTP, build_satrec_array, element_arrays
from beltwatch.timescales import jd_pair
from beltwatch.values import OrbitState

TWO_PI = 2.0 * np.pi
# Central-difference steps of the six equinoctial parameters (rad/min, -, -, -, -, rad).
_STEPS = np.array([1e-10, 1e-7, 1e-7, 1e-7, 1e-7, 1e-7])


@dataclass(frozen=True, eq=False)
class Sgp4Fit:
    """Fitted element sets (one Catalog row per object) and how well they fit.

    ``rms_km``/``max_km``: TEME position residuals of SGP4 with the fitted
    elements over the fit span; ``rms_tle_km``: the same after rounding the
    elements to TLE precision (what a TLE recipient gets), NaN if not computed.
    """

    catalog: Catalog
    rms_km: np.ndarray
    max_km: np.ndarray
    rms_tle_km: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray


def snap_to_tle_epoch(epoch: Time) -> Time:
    """UTC epochs rounded to the 1e-8 day resolution of a TLE epoch field (1-d Time)."""
    utc = epoch.utc
    days = (np.atleast_1d(utc.jd1) - J2000_JD) + np.atleast_1d(utc.jd2)
    return Time(np.full(days.shape, J2000_JD), np.round(days * 1e8) / 1e8, format="jd", scale="utc")


def _equinoctial_from_state(r: np.ndarray, v: np.ndarray, mu: float) -> np.ndarray:
    """Equinoctial parameters (n rad/min, af, ag, chi, psi, L) of osculating states (k, 3)."""
    rn = np.linalg.norm(r, axis=-1)
    h = np.cross(r, v)
    hn = np.linalg.norm(h, axis=-1)
    a = 1.0 / (2.0 / rn - np.sum(v * v, -1) / mu)
    w = h / hn[:, None]
    # Equinoctial frame (f, g) in the orbit plane, from the angular momentum direction.
    chi = w[:, 0] / (1.0 + w[:, 2])
    psi = -w[:, 1] / (1.0 + w[:, 2])
    f, g = _equinoctial_axes(chi, psi)
    e_vec = np.cross(v, h) / mu - r / rn[:, None]
    af, ag = np.sum(e_vec * f, -1), np.sum(e_vec * g, -1)
    x, y = np.sum(r * f, -1), np.sum(r * g, -1)
    true_longitude = np.arctan2(y, x)
    e = np.hypot(af, ag)
    varpi = np.arctan2(ag, af)
    nu = true_longitude - varpi
    ecc_anomaly = 2.0 * np.arctan2(np.sqrt(1 - e) * np.sin(nu / 2), np.sqrt(1 + e) * np.cos(nu / 2))
    mean_anomaly = ecc_anomaly - e * np.sin(ecc_anomaly)
    n = np.sqrt(mu / a**3) * 60.0
    return np.stack([n, af, ag, chi, psi, np.mod(mean_anomaly + varpi, TWO_PI)], axis=-1)


def _equinoctial_axes(chi: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors f, g of the equinoctial frame (prograde), shape (k, 3) each."""
    d = 1.0 + chi**2 + psi**2
    f = np.stack([1 - chi**2 + psi**2, 2 * chi * psi, -2 * chi], -1) / d[:, None]
    g = np.stack([2 * chi * psi, 1 + chi**2 - psi**2, 2 * psi], -1) / d[:, None]
    return f, g


def _to_classical(x: np.ndarray) -> dict[str, np.ndarray]:
    n, af, ag, chi, psi, lon = x.T
    varpi = np.arctan2(ag, af)
    raan = np.arctan2(chi, psi)
    return {
        "mean_motion_rev_per_day": n * XPDOTP,
        "eccentricity": np.hypot(af, ag),
        "inclination_rad": 2.0 * np.arctan(np.hypot(chi, psi)),
        "raan_rad": np.mod(raan, TWO_PI),
        "arg_perigee_rad": np.mod(varpi - raan, TWO_PI),
        "mean_anomaly_rad": np.mod(lon - varpi, TWO_PI),
    }


def _catalog(x: np.ndarray, epoch: Time, bstar: np.ndarray, **extra) -> Catalog:
    """Catalog rows for parameters x (k, 6); ``epoch`` (1-d) is tiled to k rows."""
    k = len(x)
    reps = k // len(epoch)
    return Catalog.from_columns(
        norad_id=extra.pop("norad_id", np.zeros(k, dtype=np.int64)),
        epoch=Time(np.tile(epoch.jd1, reps), np.tile(epoch.jd2, reps), format="jd", scale="utc"),
        bstar=bstar,
        **_to_classical(x),
        **extra,
    )


def _sgp4_positions(catalog: Catalog, times: Time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TEME (error (k, m), r (k, m, 3), v (k, m, 3)) through the catalog propagation path."""
    jd, fr = jd_pair(times, "utc")
    return build_satrec_array(element_arrays(catalog)).sgp4(jd, fr)


def _wrap(x: np.ndarray) -> np.ndarray:
    return (x + np.pi) % TWO_PI - np.pi


def _mean_from_osculating(
    target: np.ndarray, epoch: Time, bstar: np.ndarray, iterations: int = 8
) -> np.ndarray:
    """Mean elements whose SGP4 state at ``epoch`` has the osculating elements ``target``."""
    x = target.copy()
    rows = np.arange(len(x))
    for _ in range(iterations):
        error, r, v = _sgp4_positions(_catalog(x, epoch, bstar), epoch)
        if np.any(error[rows, rows]):
            break
        # Each object at its own epoch: the diagonal of the (objects x epochs) result.
        osc = _equinoctial_from_state(r[rows, rows], v[rows, rows], GM_EARTH_WGS72_KM3_S2)
        delta = target - osc
        delta[:, 5] = _wrap(delta[:, 5])
        x = x + delta
    return x


def fit_sgp4(
    times: Time,
    position_km: np.ndarray,
    velocity_km_s: np.ndarray | None = None,
    *,
    frame: str = "gcrs",
    epoch: Time | None = None,
    norad_id: np.ndarray | None = None,
    bstar: np.ndarray | float = 0.0,
    max_iterations: int = 15,
    tle_check: bool = True,
) -> Sgp4Fit:
    """Fit SGP4 elements to positions (n, m, 3) km (velocities optional) at ``times`` (m).

    ``epoch``: epoch of the element sets, one for all or one per object (default:
    the last time), snapped to TLE resolution. The initial guess comes from the
    sample nearest to each epoch (velocities: given, or differences of positions).
    """
    times = Time(np.atleast_1d(times.jd1), np.atleast_1d(times.jd2), format="jd", scale=times.scale)
    r_in = np.asarray(position_km, dtype=float)
    if r_in.ndim == 2:
        r_in = r_in[None]
    n, m = r_in.shape[:2]
    if r_in.shape != (n, len(times), 3) or m < 4:
        raise InputError(
            f"expected positions of shape (n, {len(times)}, 3) with at least 4 times, "
            f"got {np.shape(position_km)}",
            field="position_km",
        )
    if velocity_km_s is None:
        seconds = (times.tai - times.tai[0]).to_value("sec")
        velocity_km_s = np.gradient(r_in, seconds, axis=1, edge_order=2)
    v_in = np.asarray(velocity_km_s, dtype=float).reshape(r_in.shape)
    r_teme, v_teme = transform_states(r_in, v_in, times, frame, "teme")
    epoch = snap_to_tle_epoch(times[-1] if epoch is None else epoch)
    if len(epoch) not in (1, n):
        raise InputError(f"expected 1 or {n} epochs, got {len(epoch)}", field="epoch")
    if len(epoch) == 1:
        epoch = Time(np.repeat(epoch.jd1, n), np.repeat(epoch.jd2, n), format="jd", scale="utc")
    bstar = np.broadcast_to(np.asarray(bstar, dtype=float), (n,)).copy()
    norad = np.zeros(n, dtype=np.int64) if norad_id is None else np.asarray(norad_id, np.int64)

    # Initial guess: osculating elements at the nearest sample, moved to the epoch.
    dt_min = (times.tai[None, :] - epoch.tai[:, None]).to_value("sec") / 60.0  # (n, m)
    nearest = np.argmin(np.abs(dt_min), axis=1)
    rows = np.arange(n)
    osc = _equinoctial_from_state(
        r_teme[rows, nearest], v_teme[rows, nearest], GM_EARTH_WGS72_KM3_S2
    )
    osc[:, 5] = np.mod(osc[:, 5] - osc[:, 0] * dt_min[rows, nearest], TWO_PI)
    x = _mean_from_osculating(osc, epoch, bstar)

    iterations = np.zeros(n, dtype=np.int64)
    converged = np.zeros(n, dtype=bool)
    failed = np.zeros(n, dtype=bool)
    rms_prev = np.full(n, np.inf)
    for it in range(1, max_iterations + 1):
        idx = np.flatnonzero(~converged & ~failed)
        if not idx.size:
            break
        xa = x[idx]
        k = len(idx)
        # Rows: the nominal, then +step and -step for each of the six parameters.
        trial = np.concatenate(
            [xa] + [xa + s * _STEPS[j] * np.eye(6)[j] for j in range(6) for s in (1.0, -1.0)]
        )
        sub_epoch = epoch[idx]
        error, r, _ = _sgp4_positions(_catalog(trial, sub_epoch, np.tile(bstar[idx], 13)), times)
        r = r.reshape(13, k, m, 3)
        bad = np.any(error.reshape(13, k, m) != 0, axis=(0, 2))
        residual = (r_teme[idx] - r[0]).reshape(k, 3 * m)
        jac = np.stack(
            [(r[1 + 2 * j] - r[2 + 2 * j]).reshape(k, 3 * m) / (2 * _STEPS[j]) for j in range(6)],
            axis=-1,
        )
        scale = np.linalg.norm(jac, axis=1)  # (k, 6): column scaling for conditioning
        scale[~(scale > 0)] = 1.0
        js = np.nan_to_num(jac / scale[:, None, :])
        normal = np.einsum("kri,krj->kij", js, js) + 1e-14 * np.eye(6)
        rhs = np.einsum("kri,kr->ki", js, np.nan_to_num(residual))
        step = np.linalg.solve(normal, rhs[..., None])[..., 0] / scale
        rms = np.sqrt(np.mean(residual**2, axis=1) * 3)
        # Stop when the RMS no longer changes (it is at the least-squares minimum).
        done = np.abs(rms_prev[idx] - rms) <= 1e-6 * rms + 1e-9
        move = ~bad & ~done
        x[idx[move]] = xa[move] + step[move]
        iterations[idx] = it
        converged[idx[done & ~bad]] = True
        failed[idx[bad]] = True
        rms_prev[idx] = rms

    catalog = _catalog(x, epoch, bstar, norad_id=norad)
    _, r_fit, _ = _sgp4_positions(catalog, times)
    dist = np.linalg.norm(r_fit - r_teme, axis=-1)
    rms_tle = np.full(n, np.nan)
    if tle_check:
        rounded = parse_catalog_text(format_tle(catalog, three_line=False)).catalog
        _, r_tle, _ = _sgp4_positions(rounded, times)
        rms_tle = np.sqrt(np.mean(np.sum((r_tle - r_teme) ** 2, -1), axis=1))
    return Sgp4Fit(
        catalog=catalog,
        rms_km=np.sqrt(np.mean(dist**2, axis=1)),
        max_km=dist.max(axis=1),
        rms_tle_km=rms_tle,
        iterations=iterations,
        converged=converged,
    )


def fit_sgp4_to_orbit(
    states: OrbitState | Sequence[OrbitState],
    propagator: NumericalPropagator,
    *,
    span_s: float = 2 * 86400.0,
    step_s: float = 600.0,
    tle_check: bool = True,
) -> Sgp4Fit:
    """Element sets for estimated orbits: each state is propagated numerically over
    ``span_s`` before its epoch (the span its observations covered, for an OD
    estimate whose epoch is the last observation; negative ``span_s``: after it), and
    SGP4 is fitted there with the element-set epoch at the state's epoch."""
    states = [states] if isinstance(states, OrbitState) else list(states)
    offsets = -np.arange(0.0, abs(span_s) + 0.5 * step_s, step_s) * np.sign(span_s or 1.0)
    offsets = np.sort(offsets)
    fits = []
    for state in states:
        epoch = snap_to_tle_epoch(state.epoch)[0]
        start = propagator.propagate_state(state, epoch)  # onto the TLE-resolution epoch
        times = epoch + TimeDelta(offsets, format="sec")
        out, _ = propagator.propagate(
            epoch, np.concatenate([start.position_km, start.velocity_km_s]), times
        )
        fits.append(
            fit_sgp4(
                times,
                out[:, :, :3],
                out[:, :, 3:],
                frame="gcrs",
                epoch=epoch,
                norad_id=np.array([state.norad_id or 0]),
                tle_check=tle_check,
            )
        )
    return Sgp4Fit(
        catalog=Catalog.concatenate([f.catalog for f in fits]),
        **{
            name: np.concatenate([getattr(f, name) for f in fits])
            for name in ("rms_km", "max_km", "rms_tle_km", "iterations", "converged")
        },
    )
