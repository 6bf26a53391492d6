"""Monte Carlo collision probability from the states and 6x6 covariances at TCA.

Each trial draws both objects' states at TCA from their Gaussians (position and
velocity), moves them over a window around TCA and counts a hit when their distance
falls below the hard-body radius at any time in the window. Nothing of the 2D
method is assumed (rectilinear motion, no velocity uncertainty, an instantaneous
encounter), so it checks Foster where those hold and replaces it where they fail
(slow, long GEO encounters).

Motion: the nominal trajectories are integrated exactly (two-body, DOP853); each
trial's deviation follows the nominal's state transition matrix. The error of that
linearisation is ~|deviation|^2 / r: 1 km of deviation at GEO gives 2.4 cm.
Window: each trial's rectilinear TCA (-rho.rhodot / |rhodot|^2), their spread plus
margins, capped at half the shorter orbital period either side (``window_capped``);
the distance on a uniform grid of ``grid_points`` times is refined by a parabola through
the smallest sample and its neighbours (exact for rectilinear motion).
Interval: Clopper-Pearson 95 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.time import Time
from scipy.stats import beta

from beltwatch.analytics._pc_base import PcEstimate, PcInputs, orbital_period_s
from beltwatch.propagation import ForceModel, NumericalPropagator

DEFAULT_SAMPLES = 100_000
DEFAULT_SEED = 20_260_530
CHUNK = 4_000
GRID_POINTS = 401


@dataclass(frozen=True)
class MonteCarloPc:
    """Hits over trials with their 95 % interval; the window used (s from TCA)."""

    pc: float
    ci95: tuple[float, float]
    samples: int
    hits: int
    window_s: tuple[float, float]
    window_capped: bool
    covariance_clipped: bool

    def to_dict(self) -> dict:
        return {"pc": self.pc, "ci95": list(self.ci95), "samples": self.samples}


def clopper_pearson(hits: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval of a proportion."""
    alpha = 1.0 - level
    lo = 0.0 if hits == 0 else float(beta.ppf(alpha / 2, hits, trials - hits + 1))
    hi = 1.0 if hits == trials else float(beta.ppf(1 - alpha / 2, hits + 1, trials - hits))
    return lo, hi


def _square_root(cov: np.ndarray) -> tuple[np.ndarray, bool]:
    """A matrix S with S S^T = cov (negative eigenvalues clipped to zero, flagged)."""
    sym = 0.5 * (cov + cov.T)
    values, vectors = np.linalg.eigh(sym)
    clipped = bool(np.any(values < -1e-12 * max(values.max(), 0.0)))
    return vectors * np.sqrt(np.clip(values, 0.0, None)), clipped


def _window(
    rho: np.ndarray, rhodot: np.ndarray, hbr_km: float, half_period_s: float
) -> tuple[float, float, bool]:
    """Window around TCA (s) holding every trial's rectilinear closest approach."""
    speed2 = np.einsum("ij,ij->i", rhodot, rhodot)
    tca = -np.einsum("ij,ij->i", rho, rhodot) / np.where(speed2 > 0, speed2, np.inf)
    margin = 4 * hbr_km / np.sqrt(np.median(speed2)) if np.median(speed2) > 0 else half_period_s
    lo, hi = float(np.min(tca)) - margin, float(np.max(tca)) + margin
    capped = lo < -half_period_s or hi > half_period_s
    return max(lo, -half_period_s), min(hi, half_period_s), capped


def _closest_squared(d2: np.ndarray) -> np.ndarray:
    """Smallest squared distance per row, refined by a parabola on the uniform grid."""
    k = np.argmin(d2, axis=1)
    rows = np.arange(d2.shape[0])
    inner = np.clip(k, 1, d2.shape[1] - 2)
    left, mid, right = d2[rows, inner - 1], d2[rows, inner], d2[rows, inner + 1]
    curvature = left - 2 * mid + right
    vertex = mid - (right - left) ** 2 / (8 * np.where(curvature > 0, curvature, np.inf))
    at_edge = (k == 0) | (k == d2.shape[1] - 1)
    return np.where(at_edge, d2[rows, k], np.minimum(vertex, d2[rows, k]))


def monte_carlo_pc(
    epoch: Time,
    state1: np.ndarray,
    cov1: np.ndarray,
    state2: np.ndarray,
    cov2: np.ndarray,
    hbr_km: float,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    grid_points: int = GRID_POINTS,
) -> MonteCarloPc:
    """Pc by sampling the two 6-d Gaussians (states km, km/s; covariances km, km/s) at TCA."""
    x1, x2 = np.asarray(state1, float), np.asarray(state2, float)
    s1, clip1 = _square_root(np.asarray(cov1, float))
    s2, clip2 = _square_root(np.asarray(cov2, float))
    rng = np.random.default_rng(seed)
    half_period = 0.5 * min(orbital_period_s(x1[:3], x1[3:]), orbital_period_s(x2[:3], x2[3:]))
    probe = rng.standard_normal((min(samples, 20_000), 12))
    rel0 = (x2 - x1) + probe[:, 6:] @ s2.T - probe[:, :6] @ s1.T
    lo, hi, capped = _window(rel0[:, :3], rel0[:, 3:], hbr_km, half_period)
    offsets = np.linspace(lo, hi, grid_points)
    propagator = NumericalPropagator(ForceModel.two_body())
    states, stm = propagator.propagate_offsets(epoch, np.vstack([x1, x2]), offsets, with_stm=True)
    assert stm is not None
    base = (states[1, :, :3] - states[0, :, :3]).reshape(-1)  # (K*3,)
    # Deviation map: [z1, z2] (12 standard normals) -> relative position on the grid.
    map2 = (stm[1, :, :3, :] @ s2).reshape(-1, 6)  # (K*3, 6)
    map1 = (stm[0, :, :3, :] @ s1).reshape(-1, 6)
    linear = np.hstack([-map1, map2]).T  # (12, K*3)
    hits = 0
    for start in range(0, samples, CHUNK):
        z = rng.standard_normal((min(CHUNK, samples - start), 12))
        rho = (z @ linear + base).reshape(len(z), grid_points, 3)
        hits += int(
            np.count_nonzero(_closest_squared(np.einsum("nki,nki->nk", rho, rho)) < hbr_km**2)
        )
    return MonteCarloPc(
        pc=hits / samples,
        ci95=clopper_pearson(hits, samples),
        samples=samples,
        hits=hits,
        window_s=(lo, hi),
        window_capped=capped,
        covariance_clipped=clip1 or clip2,
    )


@dataclass(frozen=True)
class MonteCarlo:
    """Monte Carlo from the 6-d states at TCA; needs at least one covariance."""

    samples: int = DEFAULT_SAMPLES
    seed: int = DEFAULT_SEED
    name: str = "monte_carlo"

    def estimate(self, inputs: PcInputs) -> PcEstimate:
        if not inputs.has_covariance:
            return PcEstimate(self.name, None, flags=("no covariance: monte_carlo not computed",))
        c1, c2 = inputs.covariances()
        result = monte_carlo_pc(
            inputs.tca,
            inputs.state1,
            c1,
            inputs.state2,
            c2,
            inputs.hbr_km,
            samples=self.samples,
            seed=self.seed,
        )
        flags = []
        if result.window_capped:
            flags.append(
                "monte_carlo window capped at half an orbital period: trials' approaches "
                "spread wider than that"
            )
        if result.covariance_clipped:
            flags.append("monte_carlo: a 6x6 covariance had negative eigenvalues (clipped to 0)")
        return PcEstimate(self.name, result.pc, result.ci95, result.samples, tuple(flags))
