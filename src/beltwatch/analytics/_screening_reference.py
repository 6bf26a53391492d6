"""Brute-force screening: the reference the fast screening is checked against.

Direct SGP4 for every object at every ``step_s`` over the window (no interpolation,
no filters), every pair's distance at every sample, and each sampled local minimum
closer than D + V h/2 + A h^2/8 (V: the pair's largest sampled relative speed plus
A h; A: both objects' largest sampled |acceleration| from central gravity, x 1.05)
refined by bounded scalar minimisation of SGP4's distance over the two steps around
it (to 1e-4 s). Distances are first screened with a Gram-matrix pass per time (one
matrix product), then computed directly for the pairs it lets through.
"""

from __future__ import annotations

import numpy as np
from astropy.time import Time, TimeDelta
from scipy.optimize import minimize_scalar

from beltwatch.analytics._screening import CloseApproach
from beltwatch.catalog import Catalog
from beltwatch.constants import GM_EARTH_WGS72_KM3_S2
from beltwatch.propagation import Sgp4Propagator, Sgp4Rows
from beltwatch.timescales import jd_pair


def _pairs_ever_within(r: np.ndarray, radius: float, left: np.ndarray) -> np.ndarray:
    """(i, j) with i in ``left`` (sorted) whose sampled distance is ever below ``radius``:
    one (len(left) x n) Gram matrix per time."""
    n = r.shape[0]
    best = np.full((left.size, n), np.inf)
    for k in range(r.shape[1]):
        x = np.nan_to_num(r[:, k], nan=1e12)
        sq = np.einsum("ij,ij->i", x, x)
        d2 = sq[left, None] + sq[None, :] - 2.0 * (x[left] @ x.T)
        np.minimum(best, d2, out=best)
    rows, cols = np.nonzero(best < radius**2)
    return np.stack([left[rows], cols], axis=1)


def brute_force_close_approaches(
    catalog: Catalog,
    start: Time,
    days: float,
    threshold_km: float,
    *,
    step_s: float = 60.0,
    assets: np.ndarray | None = None,
) -> list[CloseApproach]:
    """Every local minimum of SGP4 distance below ``threshold_km``, by fine sampling."""
    offsets = np.arange(0.0, days * 86400.0 + 0.5 * step_s, step_s)
    error, r, v = Sgp4Propagator().propagate_teme(catalog, start + TimeDelta(offsets, format="sec"))
    r[error != 0] = np.nan
    v[error != 0] = np.nan
    good = error == 0
    radius_km = np.where(good, np.linalg.norm(r, axis=-1), np.inf).min(axis=1)
    accel = 1.05 * GM_EARTH_WGS72_KM3_S2 / radius_km**2
    speed = np.where(good, np.linalg.norm(np.nan_to_num(v), axis=-1), 0.0).max(axis=1)
    top = np.sort(speed)[-2:].sum() + 2 * accel.max() * step_s
    pad = top * step_s / 2 + accel.max() * step_s**2 / 4
    is_asset = np.zeros(len(catalog), dtype=bool)
    if assets is None:
        is_asset[:] = True
    else:
        is_asset[np.asarray(assets)] = True
    pairs = _pairs_ever_within(r, threshold_km + pad, np.flatnonzero(is_asset))
    # Each pair once: an asset with a non-asset, or two assets in index order.
    keep = ~is_asset[pairs[:, 1]] | (pairs[:, 0] < pairs[:, 1])
    pairs = pairs[keep & (pairs[:, 0] != pairs[:, 1])]
    sgp4 = Sgp4Rows(catalog)
    base_jd, base_fr = jd_pair(start, "utc")
    out: list[CloseApproach] = []
    for i, j in pairs:
        d = np.linalg.norm(r[j] - r[i], axis=1)
        if np.nanmax(d) < 1e-9:  # identical trajectories: one approach at the start
            out.append(
                CloseApproach(
                    int(i),
                    int(j),
                    start,
                    0.0,
                    0.0,
                    np.full(6, np.nan),
                    np.full(6, np.nan),
                    True,
                    identical=True,
                )
            )
            continue
        w = np.linalg.norm(v[j] - v[i], axis=1)
        a = accel[i] + accel[j]
        reach = threshold_km + (np.nanmax(w) + a * step_s) * step_s / 2 + a * step_s**2 / 8
        inner = (d[1:-1] <= d[:-2]) & (d[1:-1] <= d[2:])
        local = np.concatenate([[d[0] <= d[1]], inner, [d[-1] <= d[-2]]])
        for k in np.flatnonzero(local & (d < reach)):
            lo, hi = max(offsets[k] - step_s, 0.0), min(offsets[k] + step_s, offsets[-1])

            def distance(t: float, i=i, j=j) -> float:
                jd = np.full(2, base_jd)
                fr = np.full(2, base_fr + t / 86400.0)
                _, rr, _ = sgp4.teme(np.array([i, j]), jd, fr)
                return float(np.linalg.norm(rr[1, 0] - rr[0, 0]))

            best = minimize_scalar(
                distance, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4}
            )
            t_best, miss = float(best.x), float(best.fun)
            for edge in (lo, hi):  # the minimiser keeps inside; ends may be lower
                if edge in (0.0, offsets[-1]) and distance(edge) < miss:
                    t_best, miss = edge, distance(edge)
            if miss < threshold_km:
                out.append(
                    CloseApproach(
                        index1=int(i),
                        index2=int(j),
                        tca=start + TimeDelta(t_best, format="sec"),
                        miss_km=miss,
                        relative_speed_km_s=float(w[k]),
                        state1_teme=np.full(6, np.nan),
                        state2_teme=np.full(6, np.nan),
                        at_window_edge=t_best in (0.0, offsets[-1]),
                    )
                )
    out.sort(key=lambda c: (c.index1, c.index2, float(c.tca.jd2)))
    return out
