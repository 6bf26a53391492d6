"""An object its filter could not settle (:mod:`beltwatch.pipeline._orbits`): one orbit
over all its rows (a diverged filter, no maneuver), else a maneuver, else a failure with
the reasons.

Two maneuver hypotheses, tried in this order:

* **split**: at the first run of ``MANEUVER_MIN_TRACKLETS`` tracklets with rows the filter
  refused (and up to ``SPLIT_BACK_TRACKLETS`` tracklets earlier): the EKF before it and a
  batch fit after it, both consistent; the burn epoch is where the two trajectories meet.
  Epoch and delta-v are then decided as in the solve-for, over ``REFINE_POINTS`` epochs
  within 2 sigma of that one and the gap candidates up to the split or the first refused
  tracklet (a split before the burn can pass: a short post-burn arc absorbs pre-burn
  rows).
* **solve-for**: when the filter absorbed the burn (it refused fewer tracklets than a run,
  e.g. faint objects with few, noisy rows) or no split fits: one batch fit of all rows
  with an impulsive delta-v solved for (``BatchOptions.maneuver_time``) at
  ``SOLVE_POINTS_PER_GAP`` times in each gap between tracklets up to the first refused
  one. Among the fits that pass the gate with a delta-v of at least ``SOLVE_MIN_SIGMA``
  standard deviations, those within ``SOLVE_CHI2_BAND`` of the least chi-square fit the
  data equally well (a few sparse tracklets place a burn only between two of them); the
  burn is the one of them with the smallest delta-v (a later burn needs a larger one to
  reach the same post-burn tracklets), and its epoch sigma is half their span (at least
  one grid step).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from astropy.time import Time, TimeDelta
from scipy.stats import chi2

from beltwatch.orbit_determination import (
    MeasurementSet,
    OrbitPrior,
    ekf_update,
    od_propagator,
    position_sigma_km,
    tracklet_index,
)
from beltwatch.pipeline._fits import FIT_OPTIONS, gated_fit, states_at
from beltwatch.timescales import format_utc, seconds_between, tai_seconds_since_j2000
from beltwatch.values import OrbitEstimate, OrbitState

MANEUVER_MIN_TRACKLETS = 2  # consecutive refused tracklets that open a post-burn arc
SPLIT_BACK_TRACKLETS = 2  # the burn is also sought this many tracklets before that run
BURN_SEARCH_S = 12 * 3600.0  # the burn is sought this far before the first refused row
BURN_STEP_S = 60.0
SOLVE_POINTS_PER_GAP = 3  # candidate burn times per gap between tracklets
SOLVE_MIN_SIGMA = 5.0  # a solved-for delta-v below this many sigmas is no maneuver
SOLVE_CHI2_BAND = float(chi2.ppf(0.99, 1))  # epochs the data cannot tell apart (6.6)
REFINE_POINTS = 9  # candidate epochs within 2 sigma of a split's burn epoch


@dataclass(frozen=True)
class ManeuverFit:
    """A maneuver confirmed by orbit determination (module docstring: ``method`` "split"
    or "solve-for"). ``time``: the burn epoch +- ``time_sigma_s``; ``delta_v_m_s`` (3,)
    GCRS, the velocity change there (+- ``delta_v_sigma_m_s`` along it, solve-for only);
    ``closest_km``: where the split's two trajectories are closest (0 for solve-for)."""

    norad_id: int
    time: Time
    time_sigma_s: float
    delta_v_m_s: np.ndarray
    closest_km: float
    first_refused: Time
    refused_tracklets: int
    post_rms_arcsec: float
    method: str = "split"
    delta_v_sigma_m_s: float = float("nan")


@dataclass(frozen=True, eq=False)
class Recheck:
    """What :func:`recheck_task` made of one object the EKF could not settle."""

    norad_id: int
    orbit: OrbitState | None
    how: str  # the method, or why there is no orbit
    rms_arcsec: float = float("nan")
    maneuver: ManeuverFit | None = None


def first_refused_run(accepted: np.ndarray, tracklet: np.ndarray, min_tracklets: int) -> int | None:
    """First row of the first run of ``min_tracklets`` consecutive tracklets that each have
    a row the filter refused (None: no such run)."""
    refused = np.zeros(int(tracklet.max()) + 1, dtype=bool)
    np.logical_or.at(refused, tracklet, ~np.asarray(accepted, bool))
    run = 0
    for k, bad in enumerate(refused):
        run = run + 1 if bad else 0
        if run >= min_tracklets:
            return int(np.flatnonzero(tracklet == k - run + 1)[0])
    return None


def burn_estimate(
    pre: OrbitState, post: OrbitState, start: Time, first_refused: Time, post_sigma_km: float
) -> tuple[Time, float, np.ndarray, float]:
    """(burn epoch, its sigma s, delta-v m/s (3,) GCRS, closest km): where the pre- and
    post-burn trajectories are closest within ``BURN_SEARCH_S`` before the first refused
    row; the sigma is half the span where they stay within 3 post-fit sigmas of that."""
    span = min(BURN_SEARCH_S, float((first_refused - start).to_value("s")))
    back_s = np.arange(span, -0.5 * BURN_STEP_S, -BURN_STEP_S)
    grid = first_refused - TimeDelta(back_s, format="sec")
    x = states_at([pre, post], grid)
    d = np.linalg.norm(x[0, :, :3] - x[1, :, :3], axis=1)
    k = int(np.argmin(d))
    near = np.flatnonzero(d <= d[k] + 3.0 * post_sigma_km)
    sigma = max(0.5 * (near.max() - near.min()) * BURN_STEP_S, BURN_STEP_S)
    return grid[k], sigma, (x[1, k, 3:] - x[0, k, 3:]) * 1000.0, float(d[k])


def recheck_task(
    norad: int, meas: MeasurementSet, accepted: np.ndarray, prior: OrbitState, start: Time,
    ekf_reason: str, min_obs: int,
) -> Recheck:  # fmt: skip
    """An object whose EKF refused rows or failed its innovation test (module docstring):
    one batch fit of all rows; else the pre/post split at the first refused run (a
    maneuver when both sides are consistent); else a failure with the reasons."""
    est, source, failure = gated_fit(meas, OrbitPrior(prior, "catalog"), FIT_OPTIONS)
    if est is not None:
        return Recheck(norad, est.orbit, f"batch-ls (ekf refit, {source})", float(est.rms_arcsec))
    why = f"{ekf_reason}; one orbit over all rows: {failure}".lstrip("; ")
    tracklets = tracklet_index(meas)
    k = first_refused_run(accepted, tracklets, MANEUVER_MIN_TRACKLETS)
    if k is None:
        return solve_burn(norad, meas, accepted, prior, why)
    # The filter may have absorbed the first post-burn tracklets: the split is tried up to
    # SPLIT_BACK_TRACKLETS earlier, earliest first (a split before the burn leaves
    # pre-burn rows in the post-burn arc, which then fails the gate).
    first = max(int(tracklets[k]) - SPLIT_BACK_TRACKLETS, 1)
    reasons = []
    for t in range(first, int(tracklets[k]) + 1):
        split = int(np.flatnonzero(tracklets == t)[0])
        out = split_at(norad, meas, accepted, prior, start, split, min_obs)
        if isinstance(out, Recheck):
            return out
        reasons.append(out)
    return solve_burn(norad, meas, accepted, prior, f"{reasons[-1]} ({why})")


@dataclass(frozen=True, eq=False)
class SolvedBurn:
    """The burn chosen among solve-for candidates (module docstring): the fit of all rows
    with it, its epoch +- ``time_sigma_s`` and delta-v sigma (km/s) along the delta-v."""

    estimate: OrbitEstimate
    source: str
    time: Time
    time_sigma_s: float
    delta_v_sigma_km_s: float


def best_burn(
    meas: MeasurementSet, prior: OrbitState, candidates_s: np.ndarray, step_s: np.ndarray
) -> SolvedBurn | None:
    """One batch fit of all rows with a delta-v solved for at each candidate epoch
    (seconds after the first row; ``step_s``: each one's grid step); the burn the data
    support (module docstring), or None."""
    fits = []  # (chi2, delta-v km/s, its sigma km/s, when s, grid step s, estimate, start)
    for when_s, step in zip(candidates_s, step_s, strict=True):
        when = meas.times[0] + TimeDelta(when_s, format="sec")
        options = replace(FIT_OPTIONS, maneuver_time=when)
        est, source, _ = gated_fit(meas, OrbitPrior(prior, "catalog"), options)
        if est is None or est.maneuver_dv_km_s is None or est.maneuver_covariance is None:
            continue
        dv, cov = est.maneuver_dv_km_s, est.maneuver_covariance
        size = float(np.linalg.norm(dv))
        sigma = float(np.sqrt(max(dv @ cov @ dv, 0.0))) / max(size, 1e-12)
        if size >= SOLVE_MIN_SIGMA * sigma:
            fits.append((float(est.chi2), size, sigma, float(when_s), float(step), est, source))
    if not fits:
        return None
    least = min(f[0] for f in fits)
    band = [f for f in fits if f[0] <= least + SOLVE_CHI2_BAND]
    _, _, sigma, when_s, step, est, source = min(band, key=lambda f: f[1])
    span = [f[3] for f in band]
    when = meas.times[0] + TimeDelta(when_s, format="sec")
    return SolvedBurn(est, source, when, max(0.5 * (max(span) - min(span)), step), sigma)


def solve_burn(
    norad: int, meas: MeasurementSet, accepted: np.ndarray, prior: OrbitState, why: str
) -> Recheck:
    """The solve-for hypothesis (module docstring): the post-burn orbit and the maneuver,
    or a failure with ``why`` when the filter refused nothing or no candidate holds."""
    tracklets = tracklet_index(meas)
    refused = np.zeros(int(tracklets.max()) + 1, dtype=bool)
    np.logical_or.at(refused, tracklets, ~np.asarray(accepted, bool))
    if not refused.any():
        return Recheck(norad, None, why)
    last = min(int(np.flatnonzero(refused)[0]), int(tracklets.max()) - 1)  # 2 tracklets after
    burn = best_burn(meas, prior, *gap_candidates(meas, last))
    if burn is None:
        return Recheck(norad, None, f"{why}; no significant burn between its tracklets")
    return _solved(norad, meas, accepted, burn, "solve-for")


def gap_candidates(meas: MeasurementSet, last: int) -> tuple[np.ndarray, np.ndarray]:
    """(epochs s after the first row, grid steps s): ``SOLVE_POINTS_PER_GAP`` evenly spaced
    in each gap between tracklets, up to the gap before tracklet ``last``."""
    tracklets = tracklet_index(meas)
    t_s = np.atleast_1d(seconds_between(meas.times[0], meas.times))
    when_s, step_s = [], []
    for k in range(1, last + 1):
        gap_start, gap_end = t_s[tracklets == k - 1].max(), t_s[tracklets == k].min()
        step = (gap_end - gap_start) / SOLVE_POINTS_PER_GAP
        when_s += [gap_start + (i + 0.5) * step for i in range(SOLVE_POINTS_PER_GAP)]
        step_s += [step] * SOLVE_POINTS_PER_GAP
    return np.array(when_s), np.array(step_s)


def _solved(
    norad: int, meas: MeasurementSet, accepted: np.ndarray, burn: SolvedBurn, method: str
) -> Recheck:
    """The :class:`Recheck` of a solved-for burn: the fit's orbit (post-burn side) and the
    maneuver, with the refused tracklets after the burn as evidence."""
    est = burn.estimate
    assert est.maneuver_dv_km_s is not None
    tracklets = tracklet_index(meas)
    after = np.flatnonzero(
        tai_seconds_since_j2000(meas.times) >= tai_seconds_since_j2000(burn.time)
    )
    n_refused = len(np.unique(tracklets[after][~np.asarray(accepted, bool)[after]]))
    first_after = meas.times[int(after[0])] if after.size else meas.times[-1]
    fit = ManeuverFit(
        norad, burn.time, burn.time_sigma_s, est.maneuver_dv_km_s * 1000.0, 0.0, first_after,
        n_refused, float(est.rms_arcsec), method, burn.delta_v_sigma_km_s * 1000.0,
    )  # fmt: skip
    orbit = replace(est.orbit, norad_id=norad)
    how = f"batch-ls (maneuver solved for, {burn.source})"
    return Recheck(norad, orbit, how, fit.post_rms_arcsec, fit)


def split_at(
    norad: int, meas: MeasurementSet, accepted: np.ndarray, prior: OrbitState, start: Time,
    k: int, min_obs: int,
) -> Recheck | str:  # fmt: skip
    """The maneuver hypothesis with the burn before row ``k``: a :class:`Recheck` with the
    post-burn orbit and the maneuver when the EKF before and a batch fit after ``k`` are
    both consistent, else why not."""
    t_first = meas.times[k]
    post = meas[np.arange(k, len(meas))]
    after = f"after {format_utc(t_first)}"
    if len(post) < min_obs or int(tracklet_index(post).max()) + 1 < 2:
        return f"maneuvered? post-burn arc too short: {len(post)} rows {after}"
    x0 = np.concatenate([prior.position_km, prior.velocity_km_s])[None]
    p0 = np.asarray(prior.covariance)[None]
    before = ekf_update(start, x0, p0, meas[np.arange(k)], od_propagator())
    if before.consistent is not None and not bool(before.consistent[0]):
        return f"ekf diverged before {format_utc(t_first)}: {before.reason[0]}"
    pre = replace(before.orbit_states()[0], norad_id=norad)
    pre_fit, _, _ = gated_fit(meas[np.arange(k)], OrbitPrior(prior, "catalog"))
    if pre_fit is not None:  # a batch orbit of the pre-burn arc: better velocity
        pre = replace(pre_fit.orbit, norad_id=norad)
    start_state = replace(pre, covariance=None)  # a start, not information
    est, source, failure = gated_fit(post, OrbitPrior(start_state, "pre-maneuver"))
    if est is None:
        return f"refused rows {after} and no consistent orbit of them ({failure})"
    orbit = replace(est.orbit, norad_id=norad)
    when, sigma, dv, closest = burn_estimate(
        pre, orbit, start, t_first, position_sigma_km(orbit.covariance)
    )
    # The split's epoch and delta-v come from two separate arcs (and a split before the
    # burn can pass when a short post-burn arc absorbs pre-burn rows): one fit of all rows
    # with the delta-v solved for near that epoch and in every gap up to the split or the
    # first refused tracklet, whichever is later, decides both.
    t0_s = seconds_between(meas.times[0], when)
    last_s = seconds_between(meas.times[0], t_first)
    grid = np.linspace(t0_s - 2.0 * sigma, min(t0_s + 2.0 * sigma, last_s), REFINE_POINTS)
    grid = grid[(grid > 0.0) & (grid < last_s)]
    step = np.full(grid.size, float(np.diff(grid).min()) if grid.size > 1 else sigma)
    every = tracklet_index(meas)
    refused = every[~np.asarray(accepted, bool)]
    last = min(max(int(every[k]), int(refused.min()) if refused.size else 0), int(every.max()))
    gaps, gap_steps = gap_candidates(meas, last)
    burn = best_burn(meas, prior, np.r_[gaps, grid], np.r_[gap_steps, step])
    if burn is not None:
        return _solved(norad, meas, accepted, burn, "split, solved for")
    post_refused = len(np.unique(tracklet_index(post)[~np.asarray(accepted, bool)[k:]]))
    fit = ManeuverFit(norad, when, sigma, dv, closest, t_first, post_refused, float(est.rms_arcsec))
    return Recheck(norad, orbit, f"batch-ls (post-maneuver, {source})", fit.post_rms_arcsec, fit)
