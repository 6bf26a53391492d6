"""Conjunction screening of a catalog: all against all, or protected assets against everything.

What is found: every local minimum of the SGP4 distance between two element sets
below the threshold D within the window (and a minimum at either end of the window).

Filters, and the bounds they rely on (nothing else is assumed):

1. **Radial bands** (assets only): a pair whose radial ranges are more than D apart
   never comes within D (|r1 - r2| >= ||r1| - |r2||). An object's range is its mean
   perigee and apogee widened by 2 % of a + 50 km + the decay its ``ndot`` implies over
   the window, down to the Earth's surface for perigees below 2,000 km (a fresh launch
   decays faster than its ``ndot`` says); ``tests/analytics`` checks that SGP4 stays
   inside the band for every object of the real catalogs over 7 days.
2. **Interval bound**: trajectories are the cubic interpolants of
   :class:`~beltwatch.propagation.InterpolatedEphemeris` (within ``eps_i`` of SGP4, the
   stated and tested bound), whose second derivatives are known exactly (``A_i``).
   On a sample interval [t_k, t_k + h] every point is within h/2 of an end, and by
   Taylor with |d''| <= A_i + A_j,
       |d(t_k + tau)| >= |d_k + d'_k tau| - (A_i + A_j) h^2 / 8,  0 <= tau <= h/2,
   so the interval's minimum distance is at least
       LB = min(seg(d_k, d'_k), seg(d_k+1, -d'_k+1)) - (A_i + A_j) h^2 / 8,
   seg(d, w) = min over tau in [0, h/2] of |d + w tau| (closed form). An interval with
   LB >= D + eps_i + eps_j cannot hold an approach below D and is dropped.
3. **Neighbour search**: an interval with LB < D' has an end where |d| < D' + V h/2 +
   A h^2 / 8 (V, A: the largest relative speed and acceleration bounds), so a k-d tree
   query of that radius at every sample finds every pair that survives filter 2.

Surviving intervals are searched on 16 sub-steps for sign changes of d . d' (every
minimum lies in such a bracket), the brackets solved by bisection on the interpolant,
and each minimum below D + eps refined on SGP4 itself: Newton on d . d' with
derivatives by central differences of SGP4 positions (SGP4's velocity is not the
derivative of its position), to 0.1 ms, the miss distance then being SGP4's.
Two minima of one pair closer than a sub-step (h/16) are reported as one.
Identical element sets (a docked pair such as MEV-2 on Intelsat 10-02, or a duplicate)
are one approach at the window start, distance 0 throughout, flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time, TimeDelta
from scipy.spatial import cKDTree

from beltwatch.catalog import Catalog
from beltwatch.constants import EARTH_RADIUS_WGS72_KM, GM_EARTH_WGS72_KM3_S2, J2000_JD
from beltwatch.errors import InputError
from beltwatch.propagation import (
    STEP_LADDER_S,
    InterpolatedEphemeris,
    Sgp4Propagator,
    Sgp4Rows,
    node_steps_s,
)
from beltwatch.timescales import jd_pair

RADIAL_MARGIN_FRACTION = 0.02
RADIAL_MARGIN_KM = 50.0
DRAG_REGION_KM = 2000.0
SUB_STEPS = 16
BISECTIONS = 40
NEWTON_ITERATIONS = 10
NEWTON_TOLERANCE_S = 1e-4
DIFFERENCE_STEP_S = 0.5
SAMPLE_STEPS_S = (30, 60, 120, 180, 240, 300, 360, 450, 600, 720, 900, 1200)
BLOCK_BUDGET = 2.5e7  # coefficient doubles held per block (~200 MB)


@dataclass(frozen=True)
class ScreeningOptions:
    """Threshold (km), window (days), interpolation tolerance (km: the filters pad by twice
    each object's bound, 0.1 km at the default, nothing against a 5 km threshold) and,
    optionally, the sample step (s, one dividing 3600; default from the node spacings)."""

    threshold_km: float = 5.0
    days: float = 7.0
    tolerance_km: float = 0.05
    sample_step_s: float | None = None

    def check(self) -> None:
        for name in ("threshold_km", "days", "tolerance_km"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise InputError(f"{name} must be positive, got {value}", field=name)
        step = self.sample_step_s
        if step is not None and (not step > 0 or 3600 % step):
            raise InputError(f"sample step must divide 3600 s, got {step}", field="sample_step_s")


@dataclass(frozen=True, eq=False)
class CloseApproach:
    """A local minimum of the distance between catalog rows ``index1`` < ``index2`` (or
    asset first): TCA, miss (km), relative speed (km/s) and SGP4 TEME states at TCA."""

    index1: int
    index2: int
    tca: Time
    miss_km: float
    relative_speed_km_s: float
    state1_teme: np.ndarray
    state2_teme: np.ndarray
    at_window_edge: bool = False
    identical: bool = False


@dataclass(frozen=True, eq=False)
class ScreeningResult:
    """Approaches sorted by TCA, and what the screening did (counts per stage)."""

    approaches: list[CloseApproach]
    start: Time
    options: ScreeningOptions
    stats: dict = field(default_factory=dict)


def radial_bands_km(catalog: Catalog, days: float) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) geocentric distance each object can reach over ``days`` (km)."""
    n_rad_s = catalog.mean_motion_rev_per_day * 2 * np.pi / 86400.0
    a = np.cbrt(GM_EARTH_WGS72_KM3_S2 / n_rad_s**2)
    e = catalog.eccentricity
    # Decay: n grows by 2 ndot/2 per day; a shrinks by 2/3 a dn/n.
    dn_rev_per_day = 2 * np.abs(catalog.ndot_over_2) * (abs(days) + 1)
    decay = 2.0 / 3.0 * a * dn_rev_per_day / catalog.mean_motion_rev_per_day
    margin = RADIAL_MARGIN_FRACTION * a + RADIAL_MARGIN_KM + decay
    low = a * (1 - e) - margin
    # Low objects can decay to the ground within the window (SGP4's drag outruns what
    # ndot says for a fresh launch): their band reaches down to the Earth's surface.
    low = np.where(low < EARTH_RADIUS_WGS72_KM + DRAG_REGION_KM, EARTH_RADIUS_WGS72_KM, low)
    return low, a * (1 + e) + margin


def _assets_filter(catalog: Catalog, assets: np.ndarray, options: ScreeningOptions) -> np.ndarray:
    """Rows whose radial band comes within the threshold of some asset's band."""
    lo, hi = radial_bands_km(catalog, options.days)
    reach = options.threshold_km
    near = np.zeros(len(catalog), dtype=bool)
    for a in assets:
        near |= (lo <= hi[a] + reach) & (hi >= lo[a] - reach)
    near[assets] = True
    return near


def identical_pairs(catalog: Catalog) -> np.ndarray:
    """(i, j) rows, i < j, whose element sets are identical (same epoch and elements)."""
    epoch = catalog.epoch.utc
    key = np.stack(
        [
            (epoch.jd1 - J2000_JD) + epoch.jd2,
            catalog.mean_motion_rev_per_day,
            catalog.eccentricity,
            catalog.inclination_rad,
            catalog.raan_rad,
            catalog.arg_perigee_rad,
            catalog.mean_anomaly_rad,
            catalog.bstar,
        ],
        axis=1,
    )
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    out = []
    for group in np.flatnonzero(counts > 1):
        members = np.flatnonzero(inverse.ravel() == group)
        out += [(a, b) for n, a in enumerate(members) for b in members[n + 1 :]]
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def _segment_min(d: np.ndarray, w: np.ndarray, length: float) -> np.ndarray:
    """min over tau in [0, length] of |d + w tau|, rows of (k, 3) arrays."""
    ww = np.einsum("ij,ij->i", w, w)
    tau = np.clip(-np.einsum("ij,ij->i", d, w) / np.where(ww > 0, ww, np.inf), 0.0, length)
    return np.linalg.norm(d + w * tau[:, None], axis=1)


_NEIGHBOUR_OFFSETS = np.array(
    [(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)], dtype=np.int64
)
_HASH = np.array([73856093, 19349663, 83492791, 2654435761], dtype=np.int64)


def _cell_keys(cell: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """One int64 per (cell, sample): a multiplicative hash (collisions only add work)."""
    return (
        cell[:, 0] * _HASH[0]
        ^ cell[:, 1] * _HASH[1]
        ^ cell[:, 2] * _HASH[2]
        ^ (sample.astype(np.int64) * _HASH[3])
    )


@dataclass
class _Block:
    """One stretch of the window: its interpolants and states at the sample times."""

    start_s: float
    eph: InterpolatedEphemeris
    offsets: np.ndarray
    r: np.ndarray
    v: np.ndarray
    ok: np.ndarray
    accel: np.ndarray


def _sample_step(eph_steps: np.ndarray, options: ScreeningOptions) -> float:
    if options.sample_step_s is not None:
        return float(options.sample_step_s)
    finest = float(np.min(eph_steps))
    fitting = [s for s in SAMPLE_STEPS_S if s <= max(finest, SAMPLE_STEPS_S[0])]
    return float(fitting[-1])


def aligned_ladder(step_s: float) -> tuple[float, ...]:
    """Node spacings that are whole multiples of the sample step (so sampling the
    interpolants is a reshape, not a gather), the step itself first."""
    ladder = [s for s in STEP_LADDER_S if s >= step_s and s % step_s == 0]
    return tuple(float(s) for s in ([step_s] if step_s not in ladder else []) + ladder)


def _block_hours(steps: np.ndarray) -> int:
    per_hour = float(np.sum(24.0 * 3600.0 / steps))  # 12 coefficients x 2 (verify)
    return int(np.clip(BLOCK_BUDGET // max(per_hour, 1.0), 1, 24))


class _Screen:
    """The state of one screening run (catalog subset, options, assets)."""

    def __init__(
        self,
        catalog: Catalog,
        start: Time,
        assets: np.ndarray | None,
        options: ScreeningOptions,
        propagator: Sgp4Propagator,
    ) -> None:
        self.catalog, self.start, self.assets, self.options = catalog, start, assets, options
        self.propagator = propagator
        self.sgp4 = Sgp4Rows(catalog)
        self.window_s = options.days * 86400.0
        self.is_asset = np.zeros(len(catalog), dtype=bool)
        if assets is not None:
            self.is_asset[assets] = True
        same = identical_pairs(catalog)
        self.identical = {(int(a), int(b)) for a, b in same} | {(int(b), int(a)) for a, b in same}
        self.stats: dict[str, float] = {
            "objects": len(catalog),
            "sample_pairs": 0,
            "intervals_checked": 0,
            "intervals_kept": 0,
            "minima_refined": 0,
            "invalid_intervals": 0,
        }

    # -- stage 1: samples and neighbours ---------------------------------------------------
    def block(self, start_s: float, span_s: float, step_s: float) -> _Block:
        eph = InterpolatedEphemeris.build(
            self.catalog,
            self.start + TimeDelta(start_s, format="sec"),
            span_s,
            self.options.tolerance_km,
            self.propagator,
            verify="deep-space",
            ladder_s=aligned_ladder(step_s),
        )
        offsets = np.arange(0.0, span_s + 0.5 * step_s, step_s)
        r, v, ok = eph.grid(offsets)
        return _Block(start_s, eph, offsets, r, v, ok, eph.acceleration_bound_km_s2())

    def neighbours(self, block: _Block, step_s: float) -> np.ndarray:
        """(i, j, k) rows: pairs closer than the search radius at sample k."""
        norms = np.linalg.norm(block.v, axis=-1)
        speed = np.where(np.isfinite(norms), norms, 0.0).max(axis=1)
        eps = block.eph.bound_km
        if self.assets is None:
            top_v, top_a, top_e = (np.sort(x)[-2:].sum() for x in (speed, block.accel, eps))
        else:
            asset = self.is_asset
            top_v = speed[asset].max() + speed.max()
            top_a = block.accel[asset].max() + block.accel.max()
            top_e = eps[asset].max() + eps.max()
        radius = (
            self.options.threshold_km + top_e + top_v * step_s / 2 + top_a * step_s**2 / 8
        ) * (1 + 1e-9)
        if self.assets is None:
            found = [self._pairs_at(block, k, radius) for k in range(block.offsets.size)]
            out = np.concatenate(found) if found else np.zeros((0, 3), dtype=np.int64)
        else:
            out = self._asset_pairs(block, radius)
        self.stats["sample_pairs"] += len(out)
        return out

    def _asset_pairs(self, block: _Block, radius: float) -> np.ndarray:
        """(asset, object, sample) closer than ``radius``, every sample of the block at once:
        cells of side ``radius`` hashed with the sample index; each asset looks in the 27
        cells around its own (hash collisions only add candidates, the distance decides)."""
        obj, k = np.nonzero(block.ok)
        cell = np.floor(block.r[obj, k] / radius).astype(np.int64)
        keys = _cell_keys(cell, k)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        mine = self.is_asset[obj]
        a_obj, a_k, a_cell = obj[mine], k[mine], cell[mine]
        found_a, found_b = [], []
        for offset in _NEIGHBOUR_OFFSETS:
            query = _cell_keys(a_cell + offset, a_k)
            lo = np.searchsorted(keys, query, side="left")
            hi = np.searchsorted(keys, query, side="right")
            counts = hi - lo
            if not counts.any():
                continue
            owner = np.repeat(np.arange(query.size), counts)
            members = order[
                np.repeat(lo - np.cumsum(np.r_[0, counts[:-1]]), counts) + np.arange(counts.sum())
            ]
            found_a.append(owner)
            found_b.append(members)
        if not found_a:
            return np.zeros((0, 3), dtype=np.int64)
        owner, members = np.concatenate(found_a), np.concatenate(found_b)
        i, j, kk = a_obj[owner], obj[members], a_k[owner]
        close = (i != j) & (kk == k[members])
        i, j, kk = i[close], j[close], kk[close]
        near = np.linalg.norm(block.r[j, kk] - block.r[i, kk], axis=1) < radius
        i, j, kk = i[near], j[near], kk[near]
        both = self.is_asset[j]
        keep = ~both | (i < j)  # two assets: once
        return np.stack([i[keep], j[keep], kk[keep]], axis=1)

    def _pairs_at(self, block: _Block, k: int, radius: float) -> np.ndarray:
        valid = np.flatnonzero(block.ok[:, k])
        positions = block.r[valid, k]
        if valid.size < 2:
            return np.zeros((0, 3), dtype=np.int64)
        tree = cKDTree(positions)
        if self.assets is None:
            pairs = tree.query_pairs(radius, output_type="ndarray")
        else:
            mine = np.flatnonzero(self.is_asset[valid])
            hits = tree.query_ball_point(positions[mine], radius)
            counts = np.array([len(h) for h in hits])
            left = np.repeat(mine, counts)
            right = (
                np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]) if len(hits) else left
            )
            pairs = np.stack([left, right], axis=1) if left.size else np.zeros((0, 2), np.int64)
            pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        if not len(pairs):
            return np.zeros((0, 3), dtype=np.int64)
        i, j = valid[pairs[:, 0]], valid[pairs[:, 1]]
        # One orientation per pair: an asset first, else the lower index.
        swap = (self.is_asset[j] & ~self.is_asset[i]) | (
            (self.is_asset[j] == self.is_asset[i]) & (j < i)
        )
        i, j = np.where(swap, j, i), np.where(swap, i, j)
        return np.stack([i, j, np.full(i.size, k)], axis=1)

    # -- stage 2: the interval bound --------------------------------------------------------
    def intervals(self, block: _Block, hits: np.ndarray, step_s: float) -> np.ndarray:
        """Unique (i, j, k) intervals [t_k, t_k+1] next to a hit whose bound is below D'."""
        last = block.offsets.size - 1
        cand = np.concatenate([hits, hits - np.array([0, 0, 1])])
        cand = cand[(cand[:, 2] >= 0) & (cand[:, 2] < last)]
        n, m = len(self.catalog), block.offsets.size
        key = (cand[:, 0] * n + cand[:, 1]) * m + cand[:, 2]  # one int64 per (i, j, k)
        _, first = np.unique(key, return_index=True)
        cand = cand[first]
        self.stats["intervals_checked"] += len(cand)
        if self.identical:
            pairs = np.array(sorted(self.identical), dtype=np.int64)
            twin = np.isin(cand[:, 0] * n + cand[:, 1], pairs[:, 0] * n + pairs[:, 1])
            cand = cand[~twin]
        i, j, k = cand.T
        ok = block.ok[i, k] & block.ok[j, k] & block.ok[i, k + 1] & block.ok[j, k + 1]
        self.stats["invalid_intervals"] += int(np.count_nonzero(~ok))
        i, j, k = i[ok], j[ok], k[ok]
        d0, w0 = block.r[j, k] - block.r[i, k], block.v[j, k] - block.v[i, k]
        d1, w1 = block.r[j, k + 1] - block.r[i, k + 1], block.v[j, k + 1] - block.v[i, k + 1]
        half = 0.5 * step_s
        bound = np.minimum(_segment_min(d0, w0, half), _segment_min(d1, -w1, half))
        bound -= (block.accel[i] + block.accel[j]) * step_s**2 / 8
        reach = self.options.threshold_km + block.eph.bound_km[i] + block.eph.bound_km[j]
        keep = bound < reach
        self.stats["intervals_kept"] += int(np.count_nonzero(keep))
        return np.stack([i[keep], j[keep], k[keep]], axis=1)

    # -- stage 3: minima in the surviving intervals -----------------------------------------
    def minima(self, block: _Block, kept: np.ndarray, step_s: float, first: bool, last: bool):
        """(i, j, offset s from the block start, at_edge) of interpolant minima below D'."""
        if not len(kept):
            return np.zeros((0, 2), np.int64), np.zeros(0), np.zeros(0, bool)
        i, j, k = kept.T
        sub = block.offsets[k][:, None] + np.linspace(0.0, step_s, SUB_STEPS + 1)[None, :]
        slope = self._range_slope(block, i[:, None], j[:, None], sub)
        lo_side, hi_side = slope[:, :-1] < 0, slope[:, 1:] >= 0
        rows, cols = np.nonzero(lo_side & hi_side)
        a, b = sub[rows, cols], sub[rows, cols + 1]
        t = self._bisect(block, i[rows], j[rows], a, b)
        edge = np.zeros(t.size, dtype=bool)
        extra_rows, extra_t = [], []
        end = block.offsets[-1]
        if first:  # the window starts while the pair still closes in: minimum at the start
            at0 = np.flatnonzero((k == 0) & (slope[:, 0] > 0))
            extra_rows.append(at0)
            extra_t.append(np.zeros(at0.size))
        if last:  # the window ends while the pair still closes in: minimum at the end
            at1 = np.flatnonzero((sub[:, -1] >= end - 1e-6) & (slope[:, -1] < 0))
            extra_rows.append(at1)
            extra_t.append(np.full(at1.size, end))
        if extra_rows:
            more = np.concatenate(extra_rows)
            rows = np.concatenate([rows, more])
            t = np.concatenate([t, *extra_t])
            edge = np.concatenate([edge, np.ones(more.size, dtype=bool)])
        ii, jj = i[rows], j[rows]
        r, _, ok = block.eph.states(np.concatenate([ii, jj]), np.concatenate([t, t]))
        n = ii.size
        dist = np.linalg.norm(r[n:] - r[:n], axis=1)
        reach = self.options.threshold_km + block.eph.bound_km[ii] + block.eph.bound_km[jj]
        keep = ok[:n] & ok[n:] & (dist < reach)
        return np.stack([ii[keep], jj[keep]], axis=1), t[keep], edge[keep]

    def _range_slope(self, block: _Block, i, j, t):
        """d . d' of the interpolants of pairs (i, j) at offsets t (broadcast shapes)."""
        shape = np.broadcast_shapes(np.shape(i), np.shape(t))
        ii, jj, tt = (np.broadcast_to(x, shape).ravel() for x in (i, j, t))
        r, v, _ = block.eph.states(np.concatenate([ii, jj]), np.concatenate([tt, tt]))
        n = ii.size
        return np.einsum("ij,ij->i", r[n:] - r[:n], v[n:] - v[:n]).reshape(shape)

    def _bisect(self, block: _Block, i, j, a, b) -> np.ndarray:
        for _ in range(BISECTIONS):
            mid = 0.5 * (a + b)
            negative = self._range_slope(block, i, j, mid) < 0
            a, b = np.where(negative, mid, a), np.where(negative, b, mid)
        return 0.5 * (a + b)

    # -- stage 4: SGP4 itself ---------------------------------------------------------------------
    def refine(self, i: np.ndarray, j: np.ndarray, t_s: np.ndarray, edge: np.ndarray):
        """Newton on SGP4's d . d' from offsets t_s (s from the window start)."""
        self.stats["minima_refined"] += int(i.size)
        if i.size == 0:
            empty = np.zeros((0, 6))
            return np.zeros(0), empty, empty, np.zeros(0, dtype=bool)
        base_jd, base_fr = jd_pair(self.start, "utc")
        window = self.window_s
        t = t_s.astype(float).copy()
        active = ~edge
        h = DIFFERENCE_STEP_S
        stencil = np.array([-h, 0.0, h])
        for _ in range(NEWTON_ITERATIONS):
            if not active.any():
                break
            idx = np.flatnonzero(active)
            d = self._relative(i[idx], j[idx], t[idx][:, None] + stencil, base_jd, base_fr)
            rate = (d[:, 2] - d[:, 0]) / (2 * h)
            accel = (d[:, 2] - 2 * d[:, 1] + d[:, 0]) / h**2
            slope = np.einsum("ij,ij->i", d[:, 1], rate)
            curve = np.einsum("ij,ij->i", rate, rate) + np.einsum("ij,ij->i", d[:, 1], accel)
            step = np.where(curve > 0, -slope / np.where(curve > 0, curve, 1.0), 0.0)
            step = np.clip(step, -300.0, 300.0)
            t[idx] = np.clip(t[idx] + step, 0.0, window)
            active[idx] = np.abs(step) > NEWTON_TOLERANCE_S
        rows = np.concatenate([i, j])
        times = np.concatenate([t, t])
        jd = np.full(rows.size, base_jd)
        error, r, _ = self.sgp4.teme(rows, jd, base_fr + times / 86400.0)
        plus = self.sgp4.teme(rows, jd, base_fr + (times + h) / 86400.0)[1]
        minus = self.sgp4.teme(rows, jd, base_fr + (times - h) / 86400.0)[1]
        velocity = (plus - minus)[:, 0] / (2 * h)
        n = i.size
        good = (error[:n, 0] == 0) & (error[n:, 0] == 0)
        states = np.concatenate([r[:, 0], velocity], axis=1)
        return t, states[:n], states[n:], good

    def _relative(self, i, j, t_s, base_jd, base_fr) -> np.ndarray:
        rows = np.concatenate([i, j])
        times = np.concatenate([t_s, t_s])
        _, r, _ = self.sgp4.teme(rows, np.full(times.shape, base_jd), base_fr + times / 86400.0)
        n = i.size
        return r[n:] - r[:n]


def _identical_approaches(screen: _Screen, rows: np.ndarray, t0: Time) -> list[CloseApproach]:
    """One approach per pair of identical element sets, at the window start."""
    out = []
    for a, b in sorted(p for p in screen.identical if p[0] < p[1]):
        if screen.assets is not None and not (screen.is_asset[a] or screen.is_asset[b]):
            continue
        if screen.is_asset[b] and not screen.is_asset[a]:
            a, b = b, a
        _, s1, s2, good = screen.refine(
            np.array([a]), np.array([b]), np.zeros(1), np.ones(1, dtype=bool)
        )
        if good[0]:
            out.append(
                CloseApproach(
                    int(rows[a]), int(rows[b]), t0, 0.0, 0.0, s1[0], s2[0], True, identical=True
                )
            )
    return out


def _dedupe(approaches: list[CloseApproach]) -> list[CloseApproach]:
    """One approach per pair and second (the same minimum found from two intervals)."""
    approaches.sort(key=lambda a: (a.index1, a.index2, float(a.tca.jd1), float(a.tca.jd2)))
    out: list[CloseApproach] = []
    for a in approaches:
        prev = out[-1] if out else None
        if (
            prev is not None
            and (prev.index1, prev.index2) == (a.index1, a.index2)
            and abs((a.tca - prev.tca).to_value("sec")) < 1.0
        ):
            if a.miss_km < prev.miss_km:
                out[-1] = a
            continue
        out.append(a)
    out.sort(key=lambda a: (float(a.tca.jd1), float(a.tca.jd2)))
    return out


def screen_catalog(
    catalog: Catalog,
    *,
    start: Time | None = None,
    assets: np.ndarray | None = None,
    options: ScreeningOptions | None = None,
    propagator: Sgp4Propagator | None = None,
    progress=None,
) -> ScreeningResult:
    """Close approaches within ``options.days`` from ``start`` (default: the newest epoch).

    ``assets``: catalog row indices of protected objects screened against everything
    (None: all against all). ``progress(done, total)`` is called after each block.
    Indices in the result refer to ``catalog``.
    """
    options = options or ScreeningOptions()
    options.check()
    if len(catalog) < 2:
        raise InputError("screening needs at least two objects", field="catalog")
    t0 = start if start is not None else catalog.epoch[int(np.argmax(catalog.epoch.jd))]
    rows = np.arange(len(catalog))
    sub_assets = None
    if assets is not None:
        assets = np.unique(np.asarray(assets, dtype=np.int64))
        if not assets.size:
            raise InputError("no protected assets given", field="assets")
        rows = np.flatnonzero(_assets_filter(catalog, assets, options))
        sub_assets = np.searchsorted(rows, assets)
    sub = catalog[rows]
    screen = _Screen(sub, t0, sub_assets, options, propagator or Sgp4Propagator())
    step = _sample_step(node_steps_s(sub, options.tolerance_km), options)
    node_steps = node_steps_s(sub, options.tolerance_km, aligned_ladder(step))
    hours = _block_hours(node_steps)
    # The window in whole sample steps (blocks of whole hours are whole steps too).
    window = float(np.ceil(options.days * 86400.0 / step - 1e-9) * step)
    edges = np.arange(0.0, window, hours * 3600.0)
    screen.window_s = window
    found: list[CloseApproach] = []
    for b, begin in enumerate(edges):
        block = screen.block(begin, min(hours * 3600.0, window - begin), step)
        hits = screen.neighbours(block, step)
        kept = screen.intervals(block, hits, step)
        pairs, t_local, edge = screen.minima(
            block, kept, step, first=b == 0, last=b == len(edges) - 1
        )
        t, s1, s2, good = screen.refine(pairs[:, 0], pairs[:, 1], begin + t_local, edge)
        miss = np.linalg.norm(s2[:, :3] - s1[:, :3], axis=1)
        for n in np.flatnonzero(good & (miss < options.threshold_km)):
            found.append(
                CloseApproach(
                    index1=int(rows[pairs[n, 0]]),
                    index2=int(rows[pairs[n, 1]]),
                    tca=t0 + TimeDelta(t[n], format="sec"),
                    miss_km=float(miss[n]),
                    relative_speed_km_s=float(np.linalg.norm(s2[n, 3:] - s1[n, 3:])),
                    state1_teme=s1[n],
                    state2_teme=s2[n],
                    at_window_edge=bool(edge[n]),
                )
            )
        if progress is not None:
            progress(b + 1, len(edges))
    found += _identical_approaches(screen, rows, t0)
    stats = {**screen.stats, "sample_step_s": step, "block_hours": hours, "blocks": len(edges)}
    stats["window_s"] = window
    stats["objects_after_radial_filter"] = len(sub)
    return ScreeningResult(_dedupe(found), t0, options, stats)
