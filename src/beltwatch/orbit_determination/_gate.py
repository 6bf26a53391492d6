"""The consistency gate: a fit is an orbit only when its own statistics support it.

Chi-square test on the post-fit residuals: the sum of squared normalised residuals of the
used rows, chi2, against ``sigma_scale``^2 x the ``probability`` quantile of a chi-square
with dof = scalar measurements - solve-for parameters. Default: p = 0.999 and a scale of
1.3 (stated measurement sigmas may be up to 30 % optimistic before a fit is refused: a
weighted RMS up to ~1.4 passes for two nights of data, a fit at 2x the noise never does).
A fit that edited out more than ``max_rejected_fraction`` of its rows does not describe
its data either.

Observability: the covariance is the untruncated inverse of the information matrix
(``batch_least_squares``), so an arc that cannot fix the orbit shows a huge position
sigma; above ``max_position_sigma_km`` the result is "arc too short", not an orbit.
C_R is "not separable" when its posterior sigma is above ``cr_separable_ratio`` times
its prior sigma (the prior, not the data, decides it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import chi2

from beltwatch.orbit_determination._measurements import MeasurementSet
from beltwatch.timescales import seconds_between
from beltwatch.values import FitQuality, OrbitEstimate

# Rows of one sensor closer than this (s) belong to one tracklet (arc length counting).
TRACKLET_GAP_S = 900.0


@dataclass(frozen=True)
class ConsistencyGate:
    """Thresholds of the consistency and observability tests (module docstring)."""

    probability: float = 0.999
    sigma_scale: float = 1.3
    max_rejected_fraction: float = 0.34
    max_position_sigma_km: float = 100.0
    cr_separable_ratio: float = 0.5

    def threshold(self, dof: int) -> float:
        """The chi-square gate for ``dof`` degrees of freedom."""
        return float(self.sigma_scale**2 * chi2.ppf(self.probability, max(dof, 1)))

    def assess(
        self, est: OrbitEstimate, meas: MeasurementSet, cr_prior_sigma: float | None = None
    ) -> OrbitEstimate:
        """``est`` with its :class:`~beltwatch.values.FitQuality` set."""
        threshold = self.threshold(est.dof)
        pos_sigma = position_sigma_km(est.covariance)
        reasons = []
        consistent = bool(est.converged and est.dof > 0 and est.chi2 <= threshold)
        if not est.converged:
            reasons.append("least squares did not converge")
        elif est.dof <= 0:
            reasons.append("no redundant observations")
        elif est.chi2 > threshold:
            reasons.append(
                f"residuals inconsistent with the observation sigmas (chi2 {est.chi2:.0f} > "
                f"{threshold:.0f} for {est.dof} dof, weighted rms {est.rms_weighted:.2f})"
            )
        n_rows = est.n_used + est.n_rejected
        if n_rows and est.n_rejected > self.max_rejected_fraction * n_rows:
            consistent = False
            reasons.append(f"{est.n_rejected} of {n_rows} observations do not fit")
        observable = bool(np.isfinite(pos_sigma) and pos_sigma <= self.max_position_sigma_km)
        if not observable:
            reasons.append(
                f"arc too short: the observations do not determine the orbit (position "
                f"1-sigma {pos_sigma:.3g} km)"
            )
        quality = FitQuality(
            chi2=float(est.chi2),
            dof=int(est.dof),
            chi2_threshold=threshold,
            arc_length_s=arc_length_s(meas),
            n_tracklets=count_tracklets(meas),
            cr_observability=self._cr_observability(est, cr_prior_sigma),
            position_sigma_km=pos_sigma,
            consistent=consistent,
            observable=observable,
            reason="; ".join(reasons),
        )
        return replace(est, quality=quality)

    def _cr_observability(self, est: OrbitEstimate, prior_sigma: float | None) -> str:
        if est.cr is None or est.cr_sigma is None:
            return "not estimated"
        if est.cr_at_bound:
            return "at lower bound"
        if prior_sigma is not None and est.cr_sigma > self.cr_separable_ratio * prior_sigma:
            return "not separable"
        return "estimated"


def arc_length_s(meas: MeasurementSet) -> float:
    """Seconds from the first to the last row."""
    if len(meas) < 2:
        return 0.0
    return float(np.ptp(np.atleast_1d(seconds_between(meas.times[0], meas.times))))


def tracklet_index(meas: MeasurementSet) -> np.ndarray:
    """Each row's tracklet number: rows of one sensor with no gap above ``TRACKLET_GAP_S``
    form a tracklet; tracklets are numbered in the order of their first row's time."""
    if len(meas) == 0:
        return np.zeros(0, dtype=np.int64)
    t = np.atleast_1d(seconds_between(meas.times[0], meas.times))
    sensor = meas.sensor_id.astype(str)
    order = np.lexsort((t, sensor))
    gap = np.diff(t[order]) > TRACKLET_GAP_S
    new = np.r_[True, gap | (sensor[order][1:] != sensor[order][:-1])]
    group = np.empty(len(t), dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    first_time = np.full(int(group.max()) + 1, np.inf)
    np.minimum.at(first_time, group, t)
    rank = np.empty_like(first_time, dtype=np.int64)
    rank[np.argsort(first_time, kind="stable")] = np.arange(first_time.size)
    return rank[group]


def count_tracklets(meas: MeasurementSet) -> int:
    """Number of tracklets (:func:`tracklet_index`)."""
    return int(tracklet_index(meas).max()) + 1 if len(meas) else 0


def position_sigma_km(covariance: np.ndarray | None) -> float:
    """The largest position 1-sigma (km) of a state covariance (inf without one)."""
    if covariance is None:
        return float("inf")
    return float(np.sqrt(max(float(np.max(np.linalg.eigvalsh(covariance[:3, :3]))), 0.0)))
