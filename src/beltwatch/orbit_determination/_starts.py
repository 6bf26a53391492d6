"""Starting orbits for batch least squares: IOD on several windows across the arc.

A GEO object near the observing host is seen over a short baseline: Gooding's method on
the first hours alone can land thousands of km off (several roots fit three tracklets),
and least squares from there can settle in a wrong minimum. Windows of up to 20 h (single
revolution for Lambert) at the end, the start and the middle of the arc fix the range far
better; every distinct solution of every window is a start, moved to the epoch on its
two-body orbit. Starts closer than ``DUPLICATE_KM`` to an earlier one are dropped.
"""

from __future__ import annotations

import numpy as np

from beltwatch.errors import NoSolutionError
from beltwatch.orbit_determination._iod import gooding_solutions
from beltwatch.orbit_determination._kepler import kepler_propagate, semi_major_axis_km
from beltwatch.orbit_determination._measurements import MeasurementSet
from beltwatch.timescales import seconds_between
from beltwatch.values import OrbitState

# Window lengths (h), longest first: the long ones fix the range, the short one is the
# classical start (and all there is for short arcs).
WINDOWS_H = (20.0, 8.0)
DUPLICATE_KM = 20.0
MAX_STARTS = 8


def _window_rows(t: np.ndarray, length_s: float) -> list[np.ndarray]:
    """Row indices of windows of ``length_s`` at the end, the start and the middle."""
    span = t[-1] - t[0]
    if span <= length_s:
        return [np.arange(t.size)]
    mid = t[0] + 0.5 * (span - length_s)
    out = []
    for lo in (t[-1] - length_s, t[0], mid):
        rows = np.flatnonzero((t >= lo - 1e-6) & (t <= lo + length_s + 1e-6))
        if rows.size >= 3:
            out.append(rows)
    return out


def iod_starts(meas: MeasurementSet) -> list[OrbitState]:
    """Distinct IOD orbits (GCRS, no covariance) at the last row's time, best-founded
    first."""
    if len(meas) < 3:
        return []
    t = np.atleast_1d(seconds_between(meas.times[0], meas.times))
    ra, dec = meas.values[:, 0], meas.values[:, 1]
    los = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    starts: list[np.ndarray] = []
    for hours in WINDOWS_H:
        for rows in _window_rows(t, hours * 3600.0):
            noise_rad = float(np.median(meas.sigmas[rows, :2]))
            with np.errstate(all="ignore"):
                try:
                    sols = gooding_solutions(
                        t[rows], los[rows], meas.observer_position_km[rows], noise_rad=noise_rad
                    )
                except NoSolutionError:
                    continue
            for sol in sols:
                a_km = float(semi_major_axis_km(sol.position_km, sol.velocity_km_s))
                if not (np.isfinite(sol.residual_rad) and 6600.0 < a_km < 1.0e6):
                    continue
                r, v = kepler_propagate(sol.position_km, sol.velocity_km_s, t[-1] - sol.time_s)
                x = np.concatenate([r, v])
                if np.all(np.isfinite(x)) and all(
                    np.linalg.norm(x[:3] - s[:3]) > DUPLICATE_KM for s in starts
                ):
                    starts.append(x)
    epoch = meas.times[-1]
    return [OrbitState(epoch, x[:3], x[3:]) for x in starts[:MAX_STARTS]]
