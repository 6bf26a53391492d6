"""SGP4 states at coarse nodes, cubic Hermite interpolation in between: catalog ephemerides fast.

Each object gets its own node spacing h from a ladder of steps that divide an hour,
the largest whose bound for a smooth trajectory (below) is within the tolerance. Node
derivatives are 5-point central differences of the SGP4 positions, not SGP4's velocity
output: SGP4's velocity is not the time derivative of its position (they differ by
~8 cm/s at GEO, measured), and a Hermite interpolant fed with it would be off by ~5 m
at 10-min nodes. The cubic Hermite remainder plus the effect of the differenced slopes,

    max|x| h^4 / 384 + 0.0962 h max|x'| h^4 / 30,

with max|x^(k)| <= c n_p^k r_p for a Kepler orbit of eccentricity below 0.95 (n_p:
angular rate at perigee, r_p: perigee radius; c = 1 for a circle and at most 1.13,
found numerically; 1.15 is used), times 2 for what SGP4 adds to Kepler motion, is

    B = 2 x 1.15 x r_p [(n_p h)^4 / 384 + 0.0032 (n_p h)^5].

GEO at 10-min nodes: 0.8 m (not the "below 1 mm" sometimes quoted: that is a quintic,
acceleration-using Hermite). Velocities are the derivative of the same cubic.

SGP4 is not smooth everywhere: near-equatorial deep-space objects have kinks (the
Lyddane form of the lunar-solar periodics; measured: 6 of the 574 real GEO objects
in 7 days, interpolation errors up to 10.6 m at 10-min nodes), resonant orbits small
steps every 720 min (SGP4's resonance integrator), and a few LEO element sets kinks
too. They are found from the nodes themselves, at no SGP4 cost (``_smoothness``): the
8th differences of the node positions, at most S = 2 c8(e) r_p (n_p h)^8 on a smooth
trajectory. One non-smooth point (a jump of the position or of its first or second
derivative; at most one per 9 nodes) whose differences are at most E adds at most
0.17 (E + S) to the interpolation error (computed; edges included). So an object's
bound is

    bound = B + 0.17 (E + S)      (E: its largest 8th difference; smooth: E <= S),

and the tolerance is met by B + 0.34 S. Where a difference exceeds S + 8 B (a real
kink: the largest found are 10^2 - 10^3 B) the intervals whose cubic it overlaps are
flagged, and with ``verify`` SGP4 is evaluated at u = 1/4, 1/2, 3/4 of each of them:
one point's error is at most 1.6 times its largest error at those points (computed
the same way), so for those intervals B + 1.6 (m + B) (m: the largest error measured)
replaces 0.17 (E + S) where smaller. Unflagged intervals get no extra SGP4. States are
TEME (km, km/s), the frame SGP4 computes in; an interval next to a node where SGP4
failed (or whose difference stencil holds such a node) is invalid, and one whose
8th-difference stencils hold such a node is flagged (unchecked without ``verify``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.catalog import Catalog
from beltwatch.constants import GM_EARTH_WGS72_KM3_S2
from beltwatch.errors import InputError
from beltwatch.propagation._sgp4 import Sgp4Propagator, Sgp4Rows
from beltwatch.propagation._smoothness import (
    CHECK_THRESHOLD_FRACTION_OF_BOUND,
    KINK_ERROR_PER_DIFFERENCE,
    difference_norms_km,
    flagged_intervals,
    smooth_difference_bound_km,
)
from beltwatch.timescales import jd_pair

# Node spacings (s): all divide 3600, so blocks of whole hours start on a node of every object.
STEP_LADDER_S = (15, 20, 30, 40, 60, 90, 120, 180, 240, 300, 360, 450, 600, 720, 900, 1200)
KEPLER_FOURTH_DERIVATIVE_FACTOR = 1.15
SGP4_SAFETY_FACTOR = 2.0
DEFAULT_TOLERANCE_KM = 1e-3
# SGP4 checks inside a flagged interval, and the largest interpolation error of one
# non-smooth point over the largest error at those points (1.57 computed; see _smoothness).
CHECK_U = np.array([0.25, 0.5, 0.75])
CHECK_ERROR_FACTOR = 1.6
MIN_NODES = 9
# Grid states per evaluation chunk: small enough that a chunk's intermediates stay in cache.
GRID_CHUNK_STATES = 100_000


def perigee_rate_and_radius(catalog: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """(angular rate at perigee rad/s, perigee radius km) of each element set (mean elements)."""
    e = np.clip(catalog.eccentricity, 0.0, 0.95)
    n_rad_s = catalog.mean_motion_rev_per_day * 2 * np.pi / 86400.0
    a_km = np.cbrt(GM_EARTH_WGS72_KM3_S2 / n_rad_s**2)
    return n_rad_s * (1 + e) ** 2 / (1 - e * e) ** 1.5, a_km * (1 - e)


def hermite_bound_km(step_s: np.ndarray, n_perigee: np.ndarray, r_perigee: np.ndarray):
    """Position error bound (km) of the interpolation at node spacing ``step_s`` (s)."""
    x = n_perigee * step_s
    factor = SGP4_SAFETY_FACTOR * KEPLER_FOURTH_DERIVATIVE_FACTOR
    return factor * r_perigee * (x**4 / 384.0 + 0.0962 / 30.0 * x**5)


def smooth_bounds_km(step_s: np.ndarray, catalog: Catalog) -> tuple[np.ndarray, ...]:
    """(hermite bound B, 8th-difference bound S, bound of a smooth object B + 0.34 S) in km
    at node spacing ``step_s`` (per object, or (objects, steps) when 2-d)."""
    n_p, r_p = perigee_rate_and_radius(catalog)
    e = catalog.eccentricity
    if np.ndim(step_s) == 2:
        n_p, r_p, e = n_p[:, None], r_p[:, None], e[:, None]
    hermite = hermite_bound_km(step_s, n_p, r_p)
    smooth = smooth_difference_bound_km(step_s, n_p, r_p, e)
    return hermite, smooth, hermite + KINK_ERROR_PER_DIFFERENCE * 2.0 * smooth


def node_steps_s(
    catalog: Catalog, tolerance_km: float, ladder_s: tuple[float, ...] = STEP_LADDER_S
) -> np.ndarray:
    """Per object: the largest step of ``ladder_s`` (ascending) whose bound for a smooth
    trajectory is within ``tolerance_km``, else the smallest."""
    ladder = np.array(ladder_s, dtype=float)
    bounds = smooth_bounds_km(np.broadcast_to(ladder, (len(catalog), ladder.size)), catalog)[2]
    fits = bounds <= tolerance_km
    best = np.where(fits.any(axis=1), fits.shape[1] - 1 - np.argmax(fits[:, ::-1], axis=1), 0)
    return ladder[best]


DEEP_SPACE_MIN_PERIOD_MIN = 225.0


def _rows_to_verify(catalog: Catalog, verify: bool | str) -> np.ndarray:
    """Which objects get the midpoint check."""
    if verify == "deep-space":
        return 1440.0 / catalog.mean_motion_rev_per_day >= DEEP_SPACE_MIN_PERIOD_MIN
    if verify is True:
        return np.ones(len(catalog), dtype=bool)
    if verify is False:
        return np.zeros(len(catalog), dtype=bool)
    raise InputError(f"verify must be True, False or 'deep-space', got {verify!r}", field="verify")


def _largest_checked_error_km(
    catalog: Catalog, start: Time, step_s: float, coefficients: np.ndarray, flags: np.ndarray
) -> np.ndarray:
    """Per object, the largest |interpolant - SGP4| at u = 1/4, 1/2, 3/4 of its flagged
    intervals (0 where SGP4 fails there)."""
    obj, interval = np.nonzero(flags)
    offsets = (interval[:, None] + CHECK_U[None, :]) * step_s  # (f, 3) s
    jd, fr = jd_pair(start + TimeDelta(offsets, format="sec"), "utc")
    error, r_sgp4, _ = Sgp4Rows(catalog).teme(obj, jd, fr)
    power = np.stack([np.ones_like(CHECK_U), CHECK_U, CHECK_U**2, CHECK_U**3], axis=1)
    r_cubic = np.einsum("fpc,up->fuc", coefficients[obj, interval], power)
    miss = np.where(error == 0, np.linalg.norm(r_cubic - r_sgp4, axis=-1), 0.0).max(axis=1)
    out = np.zeros(coefficients.shape[0])
    np.maximum.at(out, obj, miss)
    return out


def _cubic_coefficients(r: np.ndarray, ok: np.ndarray, step_s: float):
    """Per node interval, the cubic r(u) = c0 + c1 u + c2 u^2 + c3 u^3 (u in [0, 1]), from
    positions (g, m + 4, 3) on nodes -2h .. (m + 1) h with differenced slopes; (g, m - 1, 4, 3)
    coefficients and (g, m - 1) validity for the m - 1 intervals of nodes 0 .. m - 1."""
    # Slopes (per unit u, i.e. times h) at nodes 0 .. m - 1 by the 5-point central difference,
    # and the coefficients written in place (no stacked temporaries: this is memory-bound).
    slope = r[:, 4:] - r[:, :-4]
    slope -= 8.0 * (r[:, 3:-1] - r[:, 1:-3])
    slope *= -1.0 / 12.0
    good = ok[:, :-4] & ok[:, 1:-3] & ok[:, 2:-2] & ok[:, 3:-1] & ok[:, 4:]
    p0, p1 = r[:, 2:-3], r[:, 3:-2]
    s0, s1 = slope[:, :-1], slope[:, 1:]
    coefficients = np.empty((r.shape[0], r.shape[1] - 5, 4, 3))
    coefficients[:, :, 0] = p0
    coefficients[:, :, 1] = s0
    chord = p1 - p0
    both = s0 + s1
    np.subtract(3.0 * chord, both, out=coefficients[:, :, 2])  # 3 (p1 - p0) - 2 s0 - s1
    coefficients[:, :, 2] -= s0
    np.subtract(both, 2.0 * chord, out=coefficients[:, :, 3])  # 2 (p0 - p1) + s0 + s1
    return coefficients, good[:, :-1] & good[:, 1:]


def _horner(c: np.ndarray, u: np.ndarray, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (per second) of cubics c (..., 4, 3) at u (...)."""
    u = u[..., None]
    r = c[..., 0, :] + u * (c[..., 1, :] + u * (c[..., 2, :] + u * c[..., 3, :]))
    v = (c[..., 1, :] + u * (2 * c[..., 2, :] + 3 * u * c[..., 3, :])) / step_s
    return r, v


def _aligned_ratio(offsets: np.ndarray, step_s: float) -> int | None:
    """q when ``offsets`` is a uniform grid with q points per node interval, on the nodes."""
    if offsets.size < 2:
        return None
    spacing = offsets[1] - offsets[0]
    q = step_s / spacing if spacing > 0 else 0.0
    tol = 1e-9 * step_s
    if q < 1 or abs(q - round(q)) > 1e-9 or np.ptp(np.diff(offsets)) > tol:
        return None
    if abs(offsets[0] / spacing - round(offsets[0] / spacing)) > 1e-9:
        return None
    return round(q)


def _power_basis(u: np.ndarray, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(1, u, u^2, u^3) and its time derivative, per u: two (m, 4) arrays."""
    ones, zeros = np.ones_like(u), np.zeros_like(u)
    power = np.stack([ones, u, u * u, u * u * u], axis=1)
    slope = np.stack([zeros, ones, 2 * u, 3 * u * u], axis=1) / step_s
    return power, slope


@dataclass(frozen=True, eq=False)
class _NodeGroup:
    """Objects sharing one node spacing: their rows and interval cubics (TEME)."""

    rows: np.ndarray
    step_s: float
    coefficients: np.ndarray  # (g, intervals, 4, 3)
    ok: np.ndarray  # (g, intervals)


@dataclass(frozen=True, eq=False)
class InterpolatedEphemeris:
    """TEME states of a catalog over [start, start + span_s], interpolated between SGP4 nodes.

    Times are seconds from ``start``. ``step_s`` and ``bound_km`` are each object's node
    spacing and position error bound (see the module docstring).
    """

    norad_id: np.ndarray
    start: Time
    span_s: float
    step_s: np.ndarray
    bound_km: np.ndarray
    groups: tuple[_NodeGroup, ...]
    group_of: np.ndarray
    row_in_group: np.ndarray
    flagged_intervals: int = 0  # intervals flagged by the 8th-difference test
    checked_states: int = 0  # SGP4 evaluations inside flagged intervals (verify)

    @classmethod
    def build(
        cls,
        catalog: Catalog,
        start: Time,
        span_s: float,
        tolerance_km: float = DEFAULT_TOLERANCE_KM,
        propagator: Sgp4Propagator | None = None,
        verify: bool | str = True,
        ladder_s: tuple[float, ...] = STEP_LADDER_S,
    ) -> InterpolatedEphemeris:
        """SGP4 at each object's nodes over the span (nodes cover it, first at ``start``);
        intervals flagged by the 8th-difference test are checked against SGP4 at three
        points each when ``verify`` (see the module docstring); ``verify="deep-space"``:
        only objects of period 225 min and more, where SGP4's largest kinks were found (a
        few LEO sets were off by up to 2.3 m, within a bound from the differences anyway).
        ``ladder_s``: the node spacings to choose from (each dividing an hour)."""
        if not (np.isfinite(span_s) and span_s > 0 and tolerance_km > 0):
            raise InputError("span and tolerance must be positive", field="span_s")
        prop = propagator or Sgp4Propagator()
        steps = node_steps_s(catalog, tolerance_km, ladder_s)
        hermite, smooth, _ = smooth_bounds_km(steps, catalog)
        threshold = smooth + CHECK_THRESHOLD_FRACTION_OF_BOUND * hermite
        bound = np.zeros(len(catalog))
        group_of = np.zeros(len(catalog), dtype=np.int64)
        row_in_group = np.zeros(len(catalog), dtype=np.int64)
        groups = []
        check = _rows_to_verify(catalog, verify)
        flagged_count = checked_count = 0
        for g, step in enumerate(np.unique(steps)):
            rows = np.flatnonzero(steps == step)
            count = int(np.ceil(span_s / step)) + 1
            # At least one 8th-difference stencil (9 nodes), extra nodes past the span if short.
            offsets = (np.arange(max(count + 4, MIN_NODES)) - 2) * step
            error, r, _ = prop.propagate_teme(
                catalog[rows], start + TimeDelta(offsets, format="sec")
            )
            coefficients, ok = _cubic_coefficients(r, error == 0, float(step))
            coefficients, ok = coefficients[:, : count - 1], ok[:, : count - 1]
            norms, valid = difference_norms_km(r, error == 0)
            b_h, s_8, limit = hermite[rows], smooth[rows], threshold[rows]
            flags = flagged_intervals(norms, valid, limit, count - 1) & ok
            flagged_count += int(np.count_nonzero(flags))
            # Unflagged intervals: their non-smooth points have all stencils <= the threshold.
            below = np.where(norms <= limit[:, None], norms, 0.0).max(axis=1, initial=0.0)
            bound[rows] = b_h + KINK_ERROR_PER_DIFFERENCE * (below + s_8)
            # Flagged ones: from the largest difference, or from SGP4 checks inside them.
            covered = valid.all(axis=1) & (valid.shape[1] > 0)
            largest = norms.max(axis=1, initial=0.0)
            from_differences = np.where(
                covered, b_h + KINK_ERROR_PER_DIFFERENCE * (largest + s_8), np.inf
            )
            from_checks = np.full(rows.size, np.inf)
            mine = np.flatnonzero(check[rows] & flags.any(axis=1))
            if mine.size:
                measured = _largest_checked_error_km(
                    catalog[rows[mine]], start, float(step), coefficients[mine], flags[mine]
                )
                from_checks[mine] = b_h[mine] + CHECK_ERROR_FACTOR * (measured + b_h[mine])
                checked_count += int(np.count_nonzero(flags[mine])) * CHECK_U.size
            flagged = np.minimum(from_differences, from_checks)
            flagged = np.where(flags.any(axis=1) & np.isfinite(flagged), flagged, 0.0)
            bound[rows] = np.maximum(bound[rows], flagged)  # uncovered, unchecked: unverified
            groups.append(_NodeGroup(rows, float(step), coefficients, ok))
            group_of[rows] = g
            row_in_group[rows] = np.arange(rows.size)
        return cls(
            norad_id=catalog.norad_id.copy(),
            start=start,
            span_s=float(span_s),
            step_s=steps,
            bound_km=bound,
            groups=tuple(groups),
            group_of=group_of,
            row_in_group=row_in_group,
            flagged_intervals=flagged_count,
            checked_states=checked_count,
        )

    def __len__(self) -> int:
        return int(self.norad_id.size)

    def acceleration_bound_km_s2(self) -> np.ndarray:
        """Per object, the largest |second derivative| of its interpolant over the span
        (exact: a cubic's second derivative is linear, so its norm peaks at an end)."""
        out = np.zeros(len(self))
        for group in self.groups:
            c2, c3 = group.coefficients[..., 2, :], group.coefficients[..., 3, :]
            ends = np.maximum(np.linalg.norm(c2, axis=-1), np.linalg.norm(c2 + 3 * c3, axis=-1))
            peak = np.where(group.ok, 2 * ends / group.step_s**2, 0.0).max(axis=1)
            out[group.rows] = peak
        return out

    def states(
        self, objects: np.ndarray, offsets_s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(r (k, 3), v (k, 3), ok (k,)) of objects[i] at offsets_s[i] (arrays broadcast)."""
        objects, offsets = np.broadcast_arrays(np.asarray(objects), np.asarray(offsets_s, float))
        objects, offsets = objects.ravel(), offsets.ravel()
        r = np.full((objects.size, 3), np.nan)
        v = np.full((objects.size, 3), np.nan)
        ok = np.zeros(objects.size, dtype=bool)
        for g, group in enumerate(self.groups):
            sel = np.flatnonzero(self.group_of[objects] == g)
            if sel.size:
                rows = self.row_in_group[objects[sel]]
                j, u = self._locate(group, offsets[sel])
                r[sel], v[sel] = _horner(group.coefficients[rows, j], u, group.step_s)
                ok[sel] = group.ok[rows, j]
        return r, v, ok

    def grid(
        self, offsets_s: np.ndarray, objects: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(r (k, m, 3), v (k, m, 3), ok (k, m)) of the objects (default all) at every offset.

        A uniform grid whose step divides an object's node spacing is evaluated by
        reshaping (no gathers); any other grid point by point.
        """
        objects = np.arange(len(self)) if objects is None else np.asarray(objects)
        offsets = np.atleast_1d(np.asarray(offsets_s, float))
        k, m = objects.size, offsets.size
        # Every object belongs to one group, so every element is written below.
        r, v = np.empty((k, m, 3)), np.empty((k, m, 3))
        ok = np.zeros((k, m), dtype=bool)
        chunk = max(1, GRID_CHUNK_STATES // max(m, 1))
        for g, group in enumerate(self.groups):
            sel = np.flatnonzero(self.group_of[objects] == g)
            for lo in range(0, sel.size, chunk):
                part = sel[lo : lo + chunk]
                rows = self.row_in_group[objects[part]]
                r[part], v[part], ok[part] = self._group_grid(group, rows, offsets)
        return r, v, ok

    def _group_grid(self, group: _NodeGroup, rows: np.ndarray, offsets: np.ndarray):
        j, u = self._locate(group, offsets)
        q = _aligned_ratio(offsets, group.step_s)
        if q is None:
            power, slope = _power_basis(u, group.step_s)
            c = group.coefficients[rows][:, j]  # (k, m, 4, 3)
            return (
                np.einsum("kmpc,mp->kmc", c, power),
                np.einsum("kmpc,mp->kmc", c, slope),
                group.ok[rows][:, j],
            )
        # Uniform grid, q points per node interval: every interval's q points by one batched
        # matrix product written in place (intervals x points x xyz is the output layout, so
        # nothing is transposed), then the window of the grid.
        first, last = int(j[0]), int(j[-1])
        skip = round(u[0] * q)
        power, slope = _power_basis(np.arange(q) / q, group.step_s)
        c = group.coefficients[rows, first : last + 1]  # (k, J, 4, 3)
        k, span = c.shape[0], c.shape[1]
        end = _power_basis(np.ones(1), group.step_s)  # u = 1: the last interval's end point
        out = []
        for basis, at_end in zip((power, slope), end, strict=True):  # positions, velocities
            points = np.empty((k, span + 1, q, 3))
            np.matmul(basis, c, out=points[:, :span])
            points[:, span, 0] = (at_end @ c[:, -1])[:, 0]
            out.append(points.reshape(k, (span + 1) * q, 3)[:, skip : skip + offsets.size])
        ok_flat = np.repeat(group.ok[rows, first : last + 1], q, axis=1)
        ok = np.concatenate([ok_flat, group.ok[rows, last : last + 1]], axis=1)
        return out[0], out[1], ok[:, skip : skip + offsets.size]

    def _locate(self, group: _NodeGroup, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if np.any(offsets < -1e-6) or np.any(offsets > self.span_s + 1e-6):
            raise InputError(
                f"times outside the interpolated span [0, {self.span_s:g}] s", field="offsets_s"
            )
        last = group.coefficients.shape[1] - 1
        j = np.clip(np.floor(offsets / group.step_s).astype(np.int64), 0, last)
        return j, offsets / group.step_s - j
