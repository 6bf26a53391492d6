"""Maximum collision probability over the unknown size of the uncertainty.

* With a covariance: the largest Foster Pc over a scaling k of the combined
  encounter-plane covariance (k C, k in [1e-8, 1e8]), a bound against covariance
  realism errors (the "dilution region" maximum).
* Without one (a CDM with zero covariances, a screening of element sets): the largest
  Pc over an isotropic covariance s^2 I (Alfriend and Akella 2000),
  exactly: Pc(s) = P(noncentral chi^2_2(d^2 / s^2) <= R^2 / s^2), maximised over s;
  for d >> R it tends to R^2 / (e d^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import ncx2

from beltwatch.analytics._pc_base import PcEstimate, PcInputs
from beltwatch.analytics._pc_foster import foster_pc_2d

LOG10_SCALE_BOUNDS = (-8.0, 8.0)


def _maximise(pc_of_log_scale, bounds: tuple[float, float]) -> tuple[float, float]:
    """(max Pc, log10 scale at the max) by a coarse scan then a bounded Brent refinement."""
    grid = np.linspace(*bounds, 65)
    values = np.array([pc_of_log_scale(g) for g in grid])
    k = int(np.argmax(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    best = minimize_scalar(
        lambda g: -pc_of_log_scale(g), bounds=(lo, hi), method="bounded", options={"xatol": 1e-6}
    )
    if -best.fun > values[k]:
        return float(-best.fun), float(best.x)
    return float(values[k]), float(grid[k])


def max_pc_scaled(miss_km: np.ndarray, covariance_km2: np.ndarray, hbr_km: float) -> float:
    """Largest Foster Pc over scalings of the 2x2 covariance."""
    cov = np.asarray(covariance_km2, float)
    pc, _ = _maximise(lambda g: foster_pc_2d(miss_km, cov * 10.0**g, hbr_km), LOG10_SCALE_BOUNDS)
    return pc


def max_pc_isotropic(miss_distance_km: float, hbr_km: float) -> float:
    """Largest Pc over isotropic encounter-plane covariances (no covariance known)."""
    d, radius = float(miss_distance_km), float(hbr_km)
    if d <= radius:
        return 1.0  # a vanishing isotropic uncertainty puts the miss inside the disk
    scale = np.log10(d)

    def pc(g: float) -> float:
        sigma2 = 10.0 ** (2 * (scale + g))
        return float(ncx2.cdf(radius**2 / sigma2, 2, d**2 / sigma2))

    value, _ = _maximise(pc, (-3.0, 3.0))
    return value


@dataclass(frozen=True)
class MaximumPc:
    """The largest Pc over the covariance's unknown size (scaled, or isotropic without one)."""

    name: str = "max_pc"

    def estimate(self, inputs: PcInputs) -> PcEstimate:
        if not inputs.has_covariance:
            pc = max_pc_isotropic(inputs.miss_distance_km, inputs.hbr_km)
            return PcEstimate(self.name, pc, flags=("max_pc over isotropic covariances",))
        plane = inputs.plane
        return PcEstimate(
            self.name, max_pc_scaled(plane.miss_km, plane.covariance_km2, inputs.hbr_km)
        )
