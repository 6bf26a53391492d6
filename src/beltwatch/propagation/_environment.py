"""Slowly varying quantities the force models need, as functions of seconds from an epoch.

Sun and Moon positions and the Earth's pole direction are computed once on a
coarse grid over the propagation span (ERFA, through :mod:`beltwatch.frames`)
and interpolated with cubic splines: the integrator calls them thousands of
times per span and a direct ERFA call per call would dominate the run time.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from astropy.time import Time
from scipy.interpolate import CubicSpline

from beltwatch.frames import moon_position_gcrs_km, rotation_matrices, sun_position_gcrs_km

# Grid spacing of the interpolated bodies. Moon: cubic-spline error ~ r (w h)^4 / 384
# ~ 1e-5 km at 1 h; Sun: far smaller. Pole: the ITRS pole circles the CIP once a day
# (polar motion seen from inertial axes, ~1.5e-6 rad): spline error at 2 h ~ 1e-10 rad.
BODY_NODE_SPACING_S = 3600.0
POLE_NODE_SPACING_S = 2.0 * 3600.0
# The Earth-fixed rotation is split into slow matrices (bias-precession-nutation to TEME,
# polar motion; splined element-wise like the pole) and the GMST82 angle, nearly linear
# in time (splined unwrapped; error far below 1e-12 rad).
ROTATION_NODE_SPACING_S = 2.0 * 3600.0


def epoch_offsets_s(epoch: Time, times: Time) -> np.ndarray:
    """Seconds of TT (= SI seconds) from ``epoch`` to each of ``times``, as a 1-d array."""
    e, t = epoch.tt, times.tt
    days = (np.atleast_1d(t.jd1) - e.jd1) + (np.atleast_1d(t.jd2) - e.jd2)
    return np.asarray(days, dtype=float) * 86400.0


def times_from_offsets(epoch: Time, offsets_s: np.ndarray) -> Time:
    """The Time (TT scale) ``offsets_s`` seconds after ``epoch``."""
    tt = epoch.tt
    return Time(
        np.full(np.size(offsets_s), tt.jd1),
        tt.jd2 + np.atleast_1d(offsets_s) / 86400.0,
        format="jd",
        scale="tt",
    )


def _grid(t_min_s: float, t_max_s: float, spacing_s: float) -> np.ndarray:
    """Nodes covering [t_min, t_max] with one spare node each side, at least 4 nodes."""
    count = max(int(np.ceil((t_max_s - t_min_s) / spacing_s)) + 3, 4)
    return t_min_s - spacing_s + np.arange(count) * spacing_s


class Environment:
    """Sun, Moon (GCRS km) and Earth pole (GCRS unit vector) at seconds of TT from ``epoch``.

    Valid on [t_min_s, t_max_s]; each quantity is tabulated on first use only.
    """

    def __init__(self, epoch: Time, t_min_s: float, t_max_s: float) -> None:
        self.epoch = epoch
        self.t_min_s = float(min(t_min_s, t_max_s))
        self.t_max_s = float(max(t_min_s, t_max_s))

    def _spline(self, spacing_s: float, values_of) -> _Table:
        nodes = _grid(self.t_min_s, self.t_max_s, spacing_s)
        spline = CubicSpline(nodes, values_of(times_from_offsets(self.epoch, nodes)), axis=0)
        return _Table(float(nodes[0]), spacing_s, spline.c)

    @cached_property
    def _sun(self) -> _Table:
        return self._spline(BODY_NODE_SPACING_S, sun_position_gcrs_km)

    @cached_property
    def _moon(self) -> _Table:
        return self._spline(BODY_NODE_SPACING_S, moon_position_gcrs_km)

    @cached_property
    def _pole(self) -> _Table:
        def pole(t: Time) -> np.ndarray:
            m = rotation_matrices(t)
            gcrs_to_itrs = m["polar"] @ m["teme_to_pef"] @ m["gcrs_to_teme"]
            # z_itrs = row 3 . r_gcrs: the third row is the ITRS pole in GCRS axes.
            return gcrs_to_itrs[:, 2, :]

        return self._spline(POLE_NODE_SPACING_S, pole)

    @cached_property
    def _rotation(self) -> tuple[_Table, _Table]:
        nodes = _grid(self.t_min_s, self.t_max_s, ROTATION_NODE_SPACING_S)
        m = rotation_matrices(times_from_offsets(self.epoch, nodes))
        slow = np.concatenate([m["gcrs_to_teme"].reshape(-1, 9), m["polar"].reshape(-1, 9)], axis=1)
        gmst = np.unwrap(np.arctan2(m["teme_to_pef"][:, 0, 1], m["teme_to_pef"][:, 0, 0]))
        tables = []
        for values in (slow, gmst[:, None]):
            spline = CubicSpline(nodes, values, axis=0)
            tables.append(_Table(float(nodes[0]), ROTATION_NODE_SPACING_S, spline.c))
        return tables[0], tables[1]

    def gcrs_to_itrs(self, t_s: float) -> np.ndarray:
        """Rotation matrix (3, 3): r_itrs = M r_gcrs (as :func:`beltwatch.frames`)."""
        slow_table, gmst_table = self._rotation
        slow = slow_table(t_s)
        theta = float(gmst_table(t_s)[0])
        c, s = np.cos(theta), np.sin(theta)
        spin = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
        return slow[9:].reshape(3, 3) @ spin @ slow[:9].reshape(3, 3)

    def sun_km(self, t_s: float) -> np.ndarray:
        """Geocentric Sun position (3,), km."""
        return self._sun(t_s)

    def moon_km(self, t_s: float) -> np.ndarray:
        """Geocentric Moon position (3,), km."""
        return self._moon(t_s)

    def pole(self, t_s: float) -> np.ndarray:
        """Unit vector of the Earth's (ITRS) z-axis in GCRS axes, (3,)."""
        p = self._pole(t_s)
        return p / np.sqrt(p @ p)


class _Table:
    """A cubic spline on a uniform grid, evaluated at one time with little overhead.

    Remembers its last answer: several forces ask for the Sun at the same time.
    """

    def __init__(self, start_s: float, spacing_s: float, coefficients: np.ndarray) -> None:
        self.start_s = start_s
        self.spacing_s = spacing_s
        self.c = coefficients  # (4, n_intervals, 3), scipy PPoly layout
        self._last: tuple[float, np.ndarray] = (np.nan, np.zeros(3))

    def __call__(self, t_s: float) -> np.ndarray:
        t_s = float(t_s)
        if t_s == self._last[0]:
            return self._last[1]
        i = min(max(int((t_s - self.start_s) // self.spacing_s), 0), self.c.shape[1] - 1)
        x = t_s - (self.start_s + i * self.spacing_s)
        c = self.c[:, i]
        value = ((c[0] * x + c[1]) * x + c[2]) * x + c[3]
        self._last = (t_s, value)
        return value
