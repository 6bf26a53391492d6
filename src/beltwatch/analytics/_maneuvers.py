"""Maneuver detection from element-set histories, against each object's own noise.

A new element set is a re-fit, not a maneuver: the innovations of an object (see
``_history``) scatter with that object's fit noise, which varies a hundredfold
across the real GEO catalog (semi-major axis: 4 m to 140 m, 10th to 90th percentile
over the 7-day history). Noise model, per object and per quantity (a; e vector;
orbit-normal h_xy): a robust centre (median rate x dt for e, which solar radiation
pressure moves and SGP4 does not model; zero otherwise) and a robust scale
(1.4826 x median absolute deviation), shrunk towards the catalog-wide scale with the
weight of :data:`PRIOR_PAIRS` pairs (a short history borrows strength from the
others, a long one speaks for itself; a history of years uses a rolling window of
:data:`NOISE_WINDOW_PAIRS` pairs, so noise that changes over the years is followed).

A pair is a maneuver candidate when a quantity departs from the noise by more than
:data:`Z_SCALAR` sigma (a) or its chi-square exceeds :data:`CHI2_VECTOR` (2-d vectors):
a per-test false-alarm probability of ~1e-6 for Gaussian noise. Consecutive
candidates within :data:`MERGE_DAYS` are one maneuver (the element set fitted across
a burn is a blend; the jump is shared between the pairs on either side of it); its
size is measured directly between the last set before and the first set after.

Size: tangential dv = v da / (2a); at least v |de| / 2 when the eccentricity changed
more than one tangential burn explains (two burns); normal dv = v |dh|.
Epoch: east-west, from the mean-longitude mismatch that the new drift builds up,
t = t_after - dL / dLdot, refined to the time (modulo a sidereal day) the satellite
was at the right ascension the e-vector jump points to; north-south, the time within
the interval (modulo half a sidereal day) at the right ascension the h-vector jump
points to: when the sets leave several such candidates, the minimax time (midway between
the first and the last), with the candidates and their spread reported. Uncertainties
follow from the noise model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from astropy.time import TimeDelta

from beltwatch.analytics._events import event_id
from beltwatch.analytics._geo_elements import SynchronousElements, wrap_rad
from beltwatch.analytics._history import (
    Innovations,
    SetQuantities,
    analyse_history,
    elements_at,
    is_geo,
    median_elements,
)
from beltwatch.catalog import Catalog
from beltwatch.constants import GM_EARTH_WGS72_KM3_S2, J2000_JD
from beltwatch.errors import InputError
from beltwatch.values import Event, EventKind, Markings

Z_SCALAR = 5.5
CHI2_VECTOR = 36.0  # chi-square, 2 dof, P = 1.5e-8 (z = 6): element-set noise has heavy tails
PRIOR_PAIRS = 8.0
NOISE_WINDOW_PAIRS = 30
MERGE_DAYS = 2.0
# Element sets are fitted to about this much tracking (days): the sets within it after a
# burn blend before and after; the first set past it is the settled one.
SETTLE_DAYS = 1.5
# Sets on each side whose median measures a maneuver (within this many days of it).
CONSENSUS_SETS = 3
CONSENSUS_DAYS = 2.0
# A set that has moved this share of the jump (and this many sigma) shows the burn.
ONSET_FRACTION = 0.1
ONSET_SIGMA = 3.0
# A set this share of the way to the later level is past the blend.
PLATEAU_FRACTION = 0.8
# A set fitted mostly before a burn does not show it: the burn may precede the last set
# without the jump by this much.
BRACKET_LEAD_S = 4 * 3600.0
# Precision (s) of a burn time read from the h-vector's direction alone (one candidate).
DIRECTION_SIGMA_S = 1800.0
# A combined maneuver's in-plane timing picks among north-south candidates (12 h apart)
# only when at least this sharp (s, 1 sigma: the next candidate is 4 sigma away).
IN_PLANE_TIMING_MAX_SIGMA_S = 3 * 3600.0
# Drift rates that separate a kept slot from a relocation drift (deg/day).
KEPT_DRIFT_DEG_PER_DAY = 0.05
RELOCATION_DRIFT_CHANGE_DEG_PER_DAY = 0.1
MAD_TO_SIGMA = 1.4826
# Interval bins (days) of the noise's dependence on the time between sets.
SHAPE_BIN_EDGES_DAYS = (
    0.0,
    0.01,
    0.03,
    0.07,
    0.15,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.5,
    5.0,
    10.0,
    30.0,
    np.inf,
)
MIN_BIN_PAIRS = 30
SHAPE_ITERATIONS = 3
MIN_SHAPE_DAYS = 0.05
# Smallest delta-v reported (m/s): below it, a difference of element sets cannot be told
# from one re-fit's noise at the printed precision and a day of unmodelled forces.
MIN_DELTA_V_M_S = 0.005
# Floors of the noise scales: the resolution of a TLE's printed elements
# (mean motion 1e-8 rev/day ~ 0.3 m in a; angles 1e-4 deg ~ 1.7e-6 rad; e 1e-7).
FLOOR_A_KM = 3e-4
FLOOR_H = 1e-6
FLOOR_E = 1e-7


@dataclass(frozen=True)
class NoiseModel:
    """Noise of the innovations: per pair, an object scale (a km, e, h) and the shape
    factor of its interval; the e-vector centre (per pair); ``sigma`` at any interval."""

    dt_days: np.ndarray
    scale: dict[str, np.ndarray]
    shape: dict[str, np.ndarray]
    floor: dict[str, float]
    centre_e: np.ndarray
    centre_rate_e_per_day: np.ndarray

    def sigma(self, name: str, pairs: np.ndarray | slice = slice(None), dt_days=None) -> np.ndarray:
        """Sigma of ``name`` (a, e, h) for ``pairs``, at their own interval or at ``dt_days``."""
        scale = self.scale[name][pairs]
        if dt_days is None:
            shape = self.shape[name][pairs]
        else:
            x, y = self._shape_nodes(name)
            shape = np.exp(np.interp(np.log(np.maximum(dt_days, 1e-3)), x, y))
        return np.maximum(scale * shape, self.floor[name])

    def _shape_nodes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(log interval, log shape) sorted by interval, computed once per quantity."""
        cache = self.__dict__.setdefault("_nodes", {})
        if name not in cache:
            order = np.argsort(self.dt_days)
            cache[name] = (
                np.log(np.maximum(self.dt_days[order], 1e-3)),
                np.log(np.maximum(self.shape[name][order], 1e-9)),
            )
        return cache[name]

    @property
    def sigma_a_km(self) -> np.ndarray:
        return self.sigma("a")

    @property
    def sigma_e(self) -> np.ndarray:
        return self.sigma("e")

    @property
    def sigma_h(self) -> np.ndarray:
        return self.sigma("h")


def _robust_scale(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return np.nan
    return float(MAD_TO_SIGMA * np.median(np.abs(finite - np.median(finite))))


def _row_medians(values: np.ndarray) -> np.ndarray:
    """Median of the finite entries of each row (NaN for a row without any)."""
    ordered = np.sort(values, axis=1)  # NaN last
    count = np.sum(np.isfinite(values), axis=1)
    lo = np.clip((count - 1) // 2, 0, None)
    hi = np.clip(count // 2, 0, None)
    rows = np.arange(values.shape[0])
    low = ordered[rows, np.minimum(lo, values.shape[1] - 1)]
    high = ordered[rows, np.minimum(hi, values.shape[1] - 1)]
    return np.where(count > 0, 0.5 * (low + high), np.nan)


def _rolling(groups: np.ndarray, values: np.ndarray, statistic: str) -> np.ndarray:
    """Per pair, ``statistic`` ("scale": robust scale about the median, "median", "count"
    of finite values) of the rows of ``values`` (p,) or (p, k) in a window of
    NOISE_WINDOW_PAIRS pairs of the same object around it (all pairs of a shorter history).
    Vectorised over windows: a history of years is a few thousand windows."""
    data = values.reshape(values.shape[0], -1)
    out = np.full(data.shape[0], np.nan)
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(groups[order]) != 0, True])
    for lo, hi in itertools.pairwise(bounds):
        idx = order[lo:hi]
        width = min(NOISE_WINDOW_PAIRS, idx.size)
        windows = np.lib.stride_tricks.sliding_window_view(data[idx], width, axis=0)
        flat = windows.reshape(windows.shape[0], -1)  # (windows, width * k)
        if statistic == "count":
            stat = np.sum(np.isfinite(flat), axis=1).astype(float)
        elif statistic == "median":
            stat = _row_medians(flat)
        else:
            centre = _row_medians(flat)
            stat = MAD_TO_SIGMA * _row_medians(np.abs(flat - centre[:, None]))
            stat[np.sum(np.isfinite(flat), axis=1) < 2] = np.nan
        position = np.clip(np.arange(idx.size) - width // 2, 0, windows.shape[0] - 1)
        out[idx] = stat[position]
    return out


def _interval_shape(dt_days: np.ndarray, normalised: np.ndarray) -> np.ndarray:
    """Robust scale of ``normalised`` innovations as a function of the interval between
    the sets (log-log interpolation between bins of at least MIN_BIN_PAIRS pairs)."""
    edges = np.array(SHAPE_BIN_EDGES_DAYS)
    centres, scales = [], []
    for lo, hi in itertools.pairwise(edges):
        m = (dt_days >= lo) & (dt_days < hi)
        values = normalised[m].ravel()
        values = values[np.isfinite(values)]
        if values.size >= MIN_BIN_PAIRS:
            centres.append(np.sqrt(max(lo, 1e-3) * hi) if np.isfinite(hi) else 2 * lo)
            scales.append(MAD_TO_SIGMA * np.median(np.abs(values)))
    if len(centres) < 2:
        # Too few pairs to measure it: the real catalog's shape, about linear in the interval.
        grown = np.maximum(dt_days, MIN_SHAPE_DAYS)
        return grown / np.median(grown)
    logs = np.interp(
        np.log(np.maximum(dt_days, 1e-3)), np.log(centres), np.log(np.maximum(scales, 1e-6))
    )
    return np.exp(logs)


def _scales(ids: np.ndarray, values: np.ndarray, dt_days: np.ndarray, ok: np.ndarray, floor: float):
    """Per pair (object scale, interval shape), sigma being their product (values: (p, k)
    innovations, k components sharing one scale), estimated robustly and alternately."""
    shape = np.ones(values.shape[0])
    counts = _rolling(ids, np.where(ok, 1.0, np.nan), "count")
    masked = np.where(ok[:, None], values, np.nan)
    for _ in range(SHAPE_ITERATIONS):
        scaled = masked / shape[:, None]
        own = _rolling(ids, scaled, "scale")
        pooled = _robust_scale(scaled.ravel())
        pooled = pooled if np.isfinite(pooled) and pooled > 0 else floor
        own = np.where(np.isfinite(own), own, pooled)
        obj = np.sqrt((counts * own**2 + PRIOR_PAIRS * pooled**2) / (counts + PRIOR_PAIRS))
        shape = shape * _interval_shape(dt_days, masked / (obj * shape)[:, None])
    return obj, shape


def noise_model(inn: Innovations) -> NoiseModel:
    """Robust per-object noise of the innovations (an object scale times a catalog-wide
    function of the interval between the sets), shrunk to the catalog-wide scale."""
    ok = inn.valid
    ids = inn.norad_id
    long_enough = (inn.dt_days > 0.05)[:, None]
    rate = np.where(
        long_enough & ok[:, None], inn.de / np.maximum(inn.dt_days, 0.05)[:, None], np.nan
    )
    centre_rate = np.stack([_rolling(ids, rate[:, c], "median") for c in range(2)], axis=1)
    centre_rate = np.nan_to_num(centre_rate)
    centre = centre_rate * inn.dt_days[:, None]
    floors = {"a": FLOOR_A_KM, "e": FLOOR_E, "h": FLOOR_H}
    values = {"a": inn.da_km[:, None], "e": inn.de - centre, "h": inn.dh}
    fitted = {k: _scales(ids, values[k], inn.dt_days, ok, floors[k]) for k in floors}
    return NoiseModel(
        dt_days=inn.dt_days,
        scale={k: v[0] for k, v in fitted.items()},
        shape={k: v[1] for k, v in fitted.items()},
        floor=floors,
        centre_e=centre,
        centre_rate_e_per_day=centre_rate,
    )


@dataclass(frozen=True)
class Significance:
    """Per pair: z of a, chi-square of e and h, and whether any is a candidate."""

    z_a: np.ndarray
    chi2_e: np.ndarray
    chi2_h: np.ndarray

    @property
    def candidate(self) -> np.ndarray:
        return (
            (np.abs(self.z_a) > Z_SCALAR)
            | (self.chi2_e > CHI2_VECTOR)
            | (self.chi2_h > CHI2_VECTOR)
        )


def significance(inn: Innovations, noise: NoiseModel) -> Significance:
    z_a = inn.da_km / noise.sigma_a_km
    chi2_e = np.sum(((inn.de - noise.centre_e) / noise.sigma_e[:, None]) ** 2, axis=1)
    chi2_h = np.sum((inn.dh / noise.sigma_h[:, None]) ** 2, axis=1)
    bad = ~inn.valid
    return Significance(np.where(bad, 0, z_a), np.where(bad, 0, chi2_e), np.where(bad, 0, chi2_h))


@dataclass(frozen=True, eq=False)
class Maneuver:
    """One detected maneuver: the sets around it, epoch, size and the evidence."""

    norad_id: int
    row_before: int
    row_after: int
    epoch_offset_s: float  # from set ``row_before``'s epoch
    epoch_sigma_s: float
    kind: str
    delta_v_m_s: float
    delta_v_sigma_m_s: float
    tangential_m_s: float
    normal_m_s: float
    evidence: dict


@dataclass(frozen=True)
class _Group:
    """Flagged pairs of one maneuver and the sets around it (rows of the history)."""

    pairs: np.ndarray
    first_row: int  # the set before the first flagged pair
    earliest: int  # first row the sets before may come from
    after: int  # the first settled set after
    stop: int  # last row the sets after may come from


def _groups(sets: SetQuantities, inn: Innovations, flagged: np.ndarray) -> list[_Group]:
    """Flagged pairs of one object starting within MERGE_DAYS of the first are one maneuver
    (sets fitted across a burn change over several pairs). The settled set is the last
    one within SETTLE_DAYS after the last flagged pair, and before the next maneuver."""
    day = _days(sets)
    runs: list[list[int]] = []
    for p in np.flatnonzero(flagged):
        if runs:
            head = runs[-1][0]
            same = inn.norad_id[p] == inn.norad_id[head]
            if same and day[inn.before[p]] <= day[inn.before[head]] + MERGE_DAYS:
                runs[-1].append(int(p))
                continue
        runs.append([int(p)])
    out = []
    previous_end = -1
    for k, run in enumerate(runs):
        norad = inn.norad_id[run[0]]
        following = k + 1 < len(runs) and inn.norad_id[runs[k + 1][0]] == norad
        rows = np.flatnonzero(sets.norad_id == norad)
        stop = int(inn.before[runs[k + 1][0]]) if following else int(rows[-1])
        after = int(inn.after[run[-1]])
        limit = day[after] + SETTLE_DAYS
        while after + 1 <= stop and day[after + 1] <= limit:
            after += 1
        earliest = max(previous_end + 1, int(rows[0]))
        first_row = int(inn.before[run[0]])
        out.append(_Group(np.array(run), first_row, min(earliest, first_row), after, stop))
        previous_end = after if following else -1
    return out


def _days(sets: SetQuantities) -> np.ndarray:
    epoch = sets.epoch.utc
    return (epoch.jd1 - J2000_JD) + epoch.jd2


def _normalised(el: SynchronousElements, sigma: tuple[float, float, float]) -> np.ndarray:
    """(k, 5) vector of a, e, h in units of their noise (L left out: it drifts)."""
    s_a, s_e, s_h = sigma
    return np.stack([el.a_km / s_a, el.ex / s_e, el.ey / s_e, el.hx / s_h, el.hy / s_h], axis=1)


def _onset(
    sets: SetQuantities, noise: NoiseModel, group: _Group
) -> tuple[int, np.ndarray, np.ndarray, float | None] | None:
    """(first row that shows the maneuver, rows before it, rows after, burn day from the
    blended sets or None) or None.

    The sets just before the first flagged pair, those up to the settled set and a few
    after it are propagated to the settled set's epoch; each set's progress from the
    median of the sets before towards the median of the settled ones is its share of
    the jump (sets further away are left out: SGP4's own prediction error grows with the
    span and would pass for a jump). The first set past ONSET_FRACTION of it (and
    ONSET_SIGMA) is the first fitted with data after the burn. Sets part way (a fit
    blending before and after) progress about linearly with the share of their tracking
    after the burn: two or more of them, extrapolated to no progress, date the burn.
    """
    day = _days(sets)
    first = group.first_row
    head = np.arange(max(group.earliest, first - CONSENSUS_SETS + 1), first + 1)
    head = head[day[head] >= day[first] - CONSENSUS_DAYS]
    tail = np.arange(group.after, min(group.after + CONSENSUS_SETS, group.stop + 1))
    tail = tail[day[tail] <= day[group.after] + CONSENSUS_DAYS]
    rows = np.arange(head[0], tail[-1] + 1)
    el, ok = elements_at(sets, rows, sets.epoch[group.after])
    span = float(day[tail[0]] - day[head[-1]])
    sigma = tuple(float(noise.sigma(k, group.pairs[:1], span)[0]) for k in ("a", "e", "h"))
    # What SGP4 leaves out (solar radiation pressure on e) moves e between the sets' epochs.
    drift = noise.centre_rate_e_per_day[int(group.pairs[0])]
    lag = day[group.after] - day[rows]
    el = replace(el, ex=el.ex + drift[0] * lag, ey=el.ey + drift[1] * lag)
    x = _normalised(el, sigma)  # type: ignore[arg-type]
    in_head, in_tail = np.isin(rows, head) & ok, np.isin(rows, tail) & ok
    if not in_head.any() or not in_tail.any():
        return None
    start, end = np.median(x[in_head], axis=0), np.median(x[in_tail], axis=0)
    jump = end - start
    size = float(np.linalg.norm(jump))
    if size == 0:
        return None
    progress = (x - start) @ jump / size**2
    between = ok & (rows > head[-1]) & (rows <= group.after)
    moving = between & (progress > ONSET_FRACTION) & (progress * size > ONSET_SIGMA)
    onset = int(rows[moving][0]) if moving.any() else int(group.after)
    partial = between & (progress > ONSET_FRACTION) & (progress < 1 - ONSET_FRACTION)
    burn_day = None
    if np.count_nonzero(partial) >= 2:
        slope, offset = np.polyfit(day[rows[partial]], progress[partial], 1)
        if slope > 0:
            burn_day = float(np.clip(-offset / slope, day[head[-1]] - 1.0, day[onset]))
    before = head[ok[np.isin(rows, head)]]
    # The first sets at the new level: SGP4's prediction error keeps growing with the
    # span, so the sets nearest the burn measure it best.
    level = ok & (rows >= onset) & (progress >= PLATEAU_FRACTION)
    first_level = int(rows[level][0]) if level.any() else int(group.after)
    settled = rows[level & (rows >= first_level)][:CONSENSUS_SETS]
    settled = settled[day[settled] <= day[first_level] + CONSENSUS_DAYS]
    if not settled.size:
        settled = tail[ok[np.isin(rows, tail)]]
    return onset, before, settled, burn_day


def _speed_km_s(a_km: np.ndarray) -> np.ndarray:
    return np.sqrt(GM_EARTH_WGS72_KM3_S2 / a_km)


def _epoch_east_west(
    dl: float, da: float, a: float, span_s: float, sigma_l: float, sigma_a: float
) -> tuple[float, float]:
    """(offset from the set before, sigma) of a drift-changing burn from the longitude lag."""
    n = np.sqrt(GM_EARTH_WGS72_KM3_S2 / a**3)
    rate = -1.5 * n * da / a  # change of the mean-longitude rate, rad/s
    uniform = span_s / np.sqrt(12.0)
    if abs(rate) * span_s < 3 * sigma_l:
        return 0.5 * span_s, uniform
    lag = float(np.clip(dl / rate, 0.0, span_s))  # time since the burn at the later epoch
    sigma = np.hypot(sigma_l, lag * 1.5 * n * sigma_a / a) / abs(rate)
    return span_s - lag, float(min(sigma, uniform))


def _direction_times(angle: float, l0: float, n_rad_s: float, span_s: float, fraction: float):
    """Times in [0, span] when the mean longitude equals ``angle`` modulo ``fraction`` of
    a revolution (``l0``: the mean longitude at 0, ``n_rad_s`` its rate)."""
    cycle = 2 * np.pi * fraction
    first = np.mod(angle - l0, cycle) / n_rad_s
    times = first + cycle / n_rad_s * np.arange(int(span_s * n_rad_s / cycle) + 2)
    return times[times <= span_s]


def _jump_at(
    sets: SetQuantities, noise: NoiseModel, pair: int, before_rows, after_rows, when
) -> tuple[SynchronousElements, SynchronousElements] | None:
    """Median elements of the sets before and of the sets after, all propagated to ``when``
    (e corrected for the drift SGP4 leaves out)."""
    both = np.concatenate([before_rows, after_rows])
    el, ok = elements_at(sets, both, when)
    when_day = float((when.utc.jd1 - J2000_JD) + when.utc.jd2)
    lag = when_day - _days(sets)[both]
    drift = noise.centre_rate_e_per_day[pair]
    el = replace(el, ex=el.ex + drift[0] * lag, ey=el.ey + drift[1] * lag)
    k = before_rows.size
    index = np.arange(ok.size)
    if not (ok[:k].any() and ok[k:].any()):
        return None
    return median_elements(el, ok & (index < k)), median_elements(el, ok & (index >= k))


@dataclass(frozen=True)
class _Sizes:
    """A jump in synchronous elements as delta-v (m/s) and significances."""

    tangential: float
    from_e: float
    normal: float
    z_t: float
    z_e: float
    z_n: float
    da_km: float
    de: np.ndarray
    dh: np.ndarray
    speed_m_s: float

    @property
    def in_plane_significant(self) -> bool:
        return self.z_t > Z_SCALAR or self.z_e > np.sqrt(CHI2_VECTOR)

    @property
    def normal_significant(self) -> bool:
        return self.z_n > np.sqrt(CHI2_VECTOR)

    @property
    def in_plane(self) -> float:
        """At least one tangential burn's worth; two when e changed more than one explains."""
        return max(abs(self.tangential), self.from_e if self.z_e > np.sqrt(CHI2_VECTOR) else 0.0)


def _sizes(pred: SynchronousElements, actual: SynchronousElements, sigma) -> _Sizes:
    s_a, s_e, s_h = sigma
    a = float(actual.a_km[0])
    v = float(np.sqrt(GM_EARTH_WGS72_KM3_S2 / a)) * 1000.0
    da = float(actual.a_km[0] - pred.a_km[0])
    de = np.array([actual.ex[0] - pred.ex[0], actual.ey[0] - pred.ey[0]])
    dh = np.array([actual.hx[0] - pred.hx[0], actual.hy[0] - pred.hy[0]])
    return _Sizes(
        tangential=v * da / (2 * a),
        from_e=v * float(np.hypot(*de)) / 2,
        normal=v * float(np.hypot(*dh)),
        z_t=abs(da) / s_a,
        z_e=float(np.hypot(*de)) / s_e,
        z_n=float(np.hypot(*dh)) / s_h,
        da_km=da,
        de=de,
        dh=dh,
        speed_m_s=v,
    )


def _epoch_ns(
    size: _Sizes, l0: float, n_rad_s: float, bracket_s: float, guess: float
) -> tuple[float, float, np.ndarray]:
    """(offset, sigma, candidate offsets) of a normal burn. Candidates: the times the
    satellite was at the right ascension the h-vector jump points to (modulo half a
    revolution: the sign of dv is unknown), from BRACKET_LEAD_S before the last set
    without the jump (a set fitted mostly before the burn does not show it yet) to the
    first set with it; ``guess`` (with the bracket's uniform sigma) when there is none.

    Nothing else in the sets tells the candidates apart (a normal burn leaves a, e and
    the drift alone; the blended sets' extrapolated start scatters by a day), so each is
    equally likely: the offset is the minimax one, midway between the first and the last
    (error at most 6 h for two candidates, 12 h for three), the sigma the RMS error
    about it over the candidates."""
    times = (
        _direction_times(
            angle=float(np.arctan2(size.dh[0], -size.dh[1])),
            l0=l0 - n_rad_s * BRACKET_LEAD_S,
            n_rad_s=n_rad_s,
            span_s=bracket_s + BRACKET_LEAD_S,
            fraction=0.5,
        )
        - BRACKET_LEAD_S
    )
    if times.size == 0:
        return guess, max(bracket_s / np.sqrt(12.0), 600.0), times
    offset = 0.5 * float(times[0] + times[-1])
    spread = float(np.sqrt(np.mean((times - offset) ** 2)))
    return offset, float(np.hypot(spread, DIRECTION_SIGMA_S)), times


def _agreeing_candidate(candidates: np.ndarray, offset: float, sigma: float) -> float | None:
    """The candidate a combined maneuver's in-plane part dates (longitude lag, e-vector
    direction: ``offset`` +- ``sigma``), when that timing is sharp enough to tell
    candidates half a day apart and agrees with one of them; else None (the in-plane part
    may be a separate burn, hours from the normal one)."""
    if sigma > IN_PLANE_TIMING_MAX_SIGMA_S:
        return None
    nearest = int(np.argmin(np.abs(candidates - offset)))
    if abs(candidates[nearest] - offset) > max(2.0 * sigma, DIRECTION_SIGMA_S):
        return None
    return float(candidates[nearest])


def _epoch_ew(size, dl, l0, n_rad_s, span_s, bracket_s, sigma_l, s_a, burn_offset):
    """(offset, sigma) of an in-plane burn: from the longitude lag the new drift built up,
    refined by the e-vector jump's direction when one tangential burn explains it."""
    a = float(np.cbrt(GM_EARTH_WGS72_KM3_S2 / n_rad_s**2))
    offset, sigma = _epoch_east_west(dl, size.da_km, a, span_s, sigma_l, s_a)
    offset = float(np.clip(offset, 0.0, bracket_s))
    if burn_offset is not None and sigma > 6 * 3600.0:  # the longitude lag says little
        offset = burn_offset
    single = abs(size.from_e - abs(size.tangential)) < 0.3 * max(size.from_e, 1e-9)
    if size.z_e > np.sqrt(CHI2_VECTOR) and single:
        # e jumps towards the burn's right ascension (+ for a prograde burn).
        angle = float(np.arctan2(size.de[1], size.de[0])) + (0.0 if size.da_km > 0 else np.pi)
        times = _direction_times(angle, l0, n_rad_s, span_s, 1.0)
        if times.size:
            best = float(times[np.argmin(np.abs(times - offset))])
            if abs(best - offset) < 2 * sigma + 3 * 3600:
                offset, sigma = best, min(sigma, 1800.0)
    return offset, sigma


def _measure(
    sets: SetQuantities, inn: Innovations, noise: NoiseModel, group: _Group
) -> Maneuver | None:
    """Size, epoch and type of the maneuver a group of flagged pairs shows; None when the
    sets before and after it do not differ significantly (one bad set between good ones
    flags the pairs on both sides, with opposite jumps)."""
    found = _onset(sets, noise, group)
    if found is None:
        return None
    onset, before_rows, after_rows, burn_day = found
    before, after = int(before_rows[-1]), int(after_rows[0])
    pair = int(group.pairs[0])
    day = _days(sets)
    span_s = float((day[after] - day[before]) * 86400.0)
    sigma = tuple(float(noise.sigma(q, group.pairs[:1], span_s / 86400.0)[0]) for q in "aeh")
    jump = _jump_at(sets, noise, pair, before_rows, after_rows, sets.epoch[after])
    if jump is None:
        return None
    size = _sizes(*jump, sigma)
    if not (size.in_plane_significant or size.normal_significant):
        return None
    if max(size.in_plane, size.normal) < MIN_DELTA_V_M_S:
        return None
    pred = jump[0]
    a = float(pred.a_km[0])
    n_rad_s = float(np.sqrt(GM_EARTH_WGS72_KM3_S2 / a**3))
    l0 = float(pred.mean_longitude_rad[0]) - n_rad_s * span_s  # at the set before's epoch
    dl = float(wrap_rad(jump[1].mean_longitude_rad[0] - pred.mean_longitude_rad[0]))
    bracket_s = float((day[onset] - day[before]) * 86400.0)  # the burn precedes the onset set
    burn_offset = None if burn_day is None else (burn_day - day[before]) * 86400.0
    in_plane = size.in_plane_significant and (
        not size.normal_significant or size.in_plane >= size.normal
    )
    sigma_l = sigma[0] * 1.5 * n_rad_s / a * span_s + 1e-5
    candidates, chosen_by = np.empty(0), ""
    if in_plane:
        offset, epoch_sigma = _epoch_ew(
            size, dl, l0, n_rad_s, span_s, bracket_s, sigma_l, sigma[0], burn_offset
        )
    else:
        offset, epoch_sigma, candidates = _epoch_ns(size, l0, n_rad_s, bracket_s, 0.5 * bracket_s)
        chosen_by = "minimax"
        if size.in_plane_significant and candidates.size > 1:
            along = _epoch_ew(
                size, dl, l0, n_rad_s, span_s, bracket_s, sigma_l, sigma[0], burn_offset
            )
            agreeing = _agreeing_candidate(candidates, *along)
            if agreeing is not None:
                offset, epoch_sigma, chosen_by = agreeing, DIRECTION_SIGMA_S, "in-plane timing"
    # The size where the burn was: both sides propagated to it, not across days.
    at_burn = _jump_at(
        sets,
        noise,
        pair,
        before_rows,
        after_rows,
        sets.epoch[before] + TimeDelta(offset, format="sec"),
    )
    if at_burn is not None:  # the size there, the significance as decided above
        size = replace(_sizes(*at_burn, sigma), z_t=size.z_t, z_e=size.z_e, z_n=size.z_n)
    timing = _epoch_evidence(sets, before, candidates) if candidates.size else {}
    if timing:
        timing["epoch_chosen_by"] = chosen_by
    return _maneuver(
        sets, group, before_rows, after_rows, size, sigma, in_plane, (offset, epoch_sigma, timing)
    )


def _epoch_evidence(sets: SetQuantities, before: int, candidates_s: np.ndarray) -> dict:
    """The burn times the sets allow (UTC, to the second) and the interval they span."""
    times = [sets.epoch[before] + TimeDelta(float(t), format="sec") for t in candidates_s]
    labels = [_utc_label(t) for t in times]
    return {
        "epoch_candidates_utc": labels,
        "epoch_interval_utc": [labels[0], labels[-1]],
    }


def _maneuver(sets, group, before_rows, after_rows, size, sigma, in_plane, epoch):
    """The Maneuver: type, size and evidence; ``epoch`` is (offset from the set before,
    sigma, evidence about the epoch)."""
    offset, epoch_sigma, timing = epoch
    before, after = int(before_rows[-1]), int(after_rows[0])
    s_a, s_e, s_h = sigma
    v = size.speed_m_s
    both = size.in_plane_significant and size.normal_significant
    kind = (
        ("combined" if both else "east-west")
        if in_plane
        else ("combined" if both else "north-south")
    )
    drift_before = float(sets.drift_deg_per_day[before])
    drift_after = float(sets.drift_deg_per_day[after])
    relocation = _relocation(drift_before, drift_after)
    if relocation and kind in ("east-west", "combined"):
        kind = relocation
    in_plane_sigma = v * max(s_a / (2 * float(np.mean(sets.a_km[[before, after]]))), s_e / 2)
    if kind == "north-south":
        delta_v, sigma_dv = size.normal, v * s_h
    elif both:
        delta_v = float(np.hypot(size.in_plane, size.normal))
        sigma_dv = float(np.hypot(in_plane_sigma, v * s_h))
    else:
        delta_v, sigma_dv = size.in_plane, in_plane_sigma
    later = after_rows[-1] + 1 < len(sets.catalog) and (
        sets.norad_id[after_rows[-1] + 1] == sets.norad_id[after]
    )
    evidence = {
        "sets": [_set_label(sets, before), _set_label(sets, after)],
        "confirmed_by_later_set": bool(later or after_rows.size > 1),
        "pairs_merged": int(group.pairs.size),
        "sets_compared": [int(before_rows.size), int(after_rows.size)],
        "semi_major_axis_jump_km": size.da_km,
        "semi_major_axis_sigma": round(size.z_t, 1),
        "eccentricity_jump": float(np.hypot(*size.de)),
        "eccentricity_sigma": round(size.z_e, 1),
        "inclination_vector_jump_deg": float(np.degrees(np.hypot(*size.dh))),
        "inclination_sigma": round(size.z_n, 1),
        "drift_before_deg_per_day": drift_before,
        "drift_after_deg_per_day": drift_after,
        "noise_sigma_a_km": s_a,
        "noise_sigma_e": s_e,
        "noise_sigma_inclination_deg": float(np.degrees(s_h)),
        **timing,
    }
    return Maneuver(
        norad_id=int(sets.norad_id[before]),
        row_before=before,
        row_after=after,
        epoch_offset_s=float(offset),
        epoch_sigma_s=float(epoch_sigma),
        kind=kind,
        delta_v_m_s=float(delta_v),
        delta_v_sigma_m_s=float(sigma_dv),
        tangential_m_s=float(size.tangential),
        normal_m_s=float(size.normal),
        evidence=evidence,
    )


def _relocation(before: float, after: float) -> str | None:
    kept_before, kept_after = (
        abs(before) < KEPT_DRIFT_DEG_PER_DAY,
        abs(after) < KEPT_DRIFT_DEG_PER_DAY,
    )
    if abs(after - before) < RELOCATION_DRIFT_CHANGE_DEG_PER_DAY:
        return None
    if kept_before and not kept_after:
        return "relocation-start"
    if kept_after and not kept_before:
        return "relocation-stop"
    return "relocation"


def _set_label(sets: SetQuantities, row: int) -> str:
    return _utc_label(sets.epoch[row])


def _utc_label(when) -> str:
    utc = when.utc
    utc.precision = 0
    return f"{utc.isot}Z"


@dataclass(frozen=True, eq=False)
class ManeuverAnalysis:
    """Maneuvers of a history, with the per-set quantities and the noise they were judged by."""

    maneuvers: list[Maneuver]
    sets: SetQuantities
    innovations: Innovations
    noise: NoiseModel
    significance: Significance

    def maneuver_epochs(self):
        return [
            self.sets.epoch[m.row_before] + TimeDelta(m.epoch_offset_s, format="sec")
            for m in self.maneuvers
        ]


def detect_maneuvers(history: Catalog) -> ManeuverAnalysis:
    """Maneuvers in an element-set history (one or many objects, any order).

    Raises :class:`InputError` for a history without two element sets of one object.
    Objects outside the GEO regime are analysed the same way, typed by which
    quantity jumped (their drift-based relocation types do not apply).
    """
    sets, inn = analyse_history(history)
    if inn.before.size == 0:
        raise InputError(
            "a maneuver history needs at least two element sets of one object", field="history"
        )
    noise = noise_model(inn)
    sig = significance(inn, noise)
    measured = (_measure(sets, inn, noise, g) for g in _groups(sets, inn, sig.candidate))
    maneuvers = [m for m in measured if m is not None]
    geo = is_geo(sets.catalog)
    for m in maneuvers:
        if not geo[m.row_before] and m.kind.startswith("relocation"):
            object.__setattr__(m, "kind", "in-plane")
    return ManeuverAnalysis(maneuvers, sets, inn, noise, sig)


def maneuver_events(analysis: ManeuverAnalysis, markings: Markings) -> list[Event]:
    """One MANEUVER event per detected maneuver."""
    events = []
    for m, when in zip(analysis.maneuvers, analysis.maneuver_epochs(), strict=True):
        name = str(analysis.sets.catalog.name[m.row_before]).strip()
        events.append(
            Event(
                event_id=event_id(EventKind.MANEUVER, [m.norad_id], when),
                kind=EventKind.MANEUVER,
                norad_ids=(m.norad_id,),
                time=when,
                markings=markings,
                figures={
                    "delta_v_m_s": m.delta_v_m_s,
                    "delta_v_sigma_m_s": m.delta_v_sigma_m_s,
                    "tangential_delta_v_m_s": m.tangential_m_s,
                    "normal_delta_v_m_s": m.normal_m_s,
                },
                evidence={"type": m.kind, **m.evidence},
                summary=(
                    f"{name or m.norad_id}: {m.kind} maneuver of {m.delta_v_m_s:.3f} "
                    f"+- {m.delta_v_sigma_m_s:.3f} m/s"
                ),
                time_sigma_s=m.epoch_sigma_s,
            )
        )
    return events
