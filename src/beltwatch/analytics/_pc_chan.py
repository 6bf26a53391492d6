"""Chan's series for the 2D collision probability (Chan 1997; Chan 2008, ch. 5).

Chan replaces the elliptical Gaussian by an isotropic one of the same determinant
and the disk by the region of equal probability content, giving with
u = R^2 / (s_a s_b) and v = m_a^2 / s_a^2 + m_b^2 / s_b^2 (principal axes)

    Pc = exp(-v/2) sum_m (v/2)^m / m! [1 - exp(-u/2) sum_{k<=m} (u/2)^k / k!]
       = P(N_u > N_v),  N_u ~ Poisson(u/2), N_v ~ Poisson(v/2) independent,

summed in logarithms (to 1e-300 and below) until the terms vanish. It is exact for
an isotropic covariance and poor for a very elongated one (Alfano case 3: 0.031
against Foster's 0.100); it is reported beside Foster, never instead of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, logsumexp
from scipy.stats import poisson

from beltwatch.analytics._encounter import EncounterPlane
from beltwatch.analytics._pc_base import PcEstimate, PcInputs


def chan_pc_2d(miss_km: np.ndarray, covariance_km2: np.ndarray, hbr_km: float) -> float:
    """Chan's series Pc for a miss vector, 2x2 covariance (km^2) and hard-body radius (km)."""
    values, vectors = np.linalg.eigh(np.asarray(covariance_km2, float))
    sigma = np.sqrt(values)
    miss = vectors.T @ np.asarray(miss_km, float)
    half_u = 0.5 * hbr_km**2 / (sigma[0] * sigma[1])
    half_v = 0.5 * float(np.sum((miss / sigma) ** 2))
    # Terms beyond m >> u/2 have a vanishing Poisson(u/2) tail; beyond m >> v/2 a vanishing
    # Poisson(v/2) weight: stop where both are far out.
    top = int(max(half_u, half_v) + 40.0 * np.sqrt(max(half_u, half_v) + 1.0) + 60)
    m = np.arange(top)
    log_weight = (
        m * np.log(half_v) - half_v - gammaln(m + 1)
        if half_v > 0
        else np.where(m == 0, 0.0, -np.inf)
    )
    log_tail = poisson.logsf(m, half_u)
    return float(np.exp(logsumexp(log_weight + log_tail)))


def chan_pc(plane: EncounterPlane, hbr_km: float) -> float:
    """Chan's series Pc of an encounter plane."""
    return chan_pc_2d(plane.miss_km, plane.covariance_km2, hbr_km)


@dataclass(frozen=True)
class ChanSeries:
    """Chan's series; needs at least one covariance."""

    name: str = "chan"

    def estimate(self, inputs: PcInputs) -> PcEstimate:
        if not inputs.has_covariance:
            return PcEstimate(self.name, None, flags=("no covariance: chan not computed",))
        return PcEstimate(self.name, chan_pc(inputs.plane, inputs.hbr_km))
