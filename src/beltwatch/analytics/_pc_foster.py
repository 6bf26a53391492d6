"""Foster's 2D collision probability: the encounter-plane Gaussian integrated over the HBR disk.

In the covariance's principal axes (sigmas s_a <= s_b, miss (m_a, m_b)) the double
integral is one-dimensional: with b = R sin t along the wider axis,

    Pc = int_{-pi/2}^{pi/2} phi((m_b + R sin t) / s_b) / s_b
             * [Phi((m_a + R cos t) / s_a) - Phi((m_a - R cos t) / s_a)] R cos t dt

(the inner integral over the disk's chord is exact; the substitution removes the
square-root end points). Adaptive Gauss-Kronrod quadrature, with break points where
the chord meets a narrow inner Gaussian and at the outer Gaussian's peak, to 1e-10
relative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad
from scipy.special import ndtr

from beltwatch.analytics._encounter import EncounterPlane
from beltwatch.analytics._pc_base import PcEstimate, PcInputs

RELATIVE_TOLERANCE = 1e-10


def _interval_probability(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """P(lo < N(0, 1) < hi), without cancellation in either tail."""
    return np.where(lo > 0, ndtr(-lo) - ndtr(-hi), ndtr(hi) - ndtr(lo))


def _break_points(radius: float, m_a: float, s_a: float, m_b: float) -> list[float]:
    points = []
    if abs(m_b) < radius:
        points.append(float(np.arcsin(-m_b / radius)))
    for k in (-3.0, 0.0, 3.0):
        edge = abs(m_a) + k * s_a
        if 0 < edge < radius:
            angle = float(np.arccos(edge / radius))
            points += [angle, -angle]
    return sorted(set(points))


def foster_pc_2d(miss_km: np.ndarray, covariance_km2: np.ndarray, hbr_km: float) -> float:
    """Probability that the miss falls within ``hbr_km`` of the origin (2x2 covariance, km)."""
    values, vectors = np.linalg.eigh(np.asarray(covariance_km2, float))
    s_a, s_b = np.sqrt(values)
    m_a, m_b = vectors.T @ np.asarray(miss_km, float)
    radius = float(hbr_km)

    def integrand(t: float) -> float:
        chord = radius * np.cos(t)
        outer = np.exp(-0.5 * ((m_b + radius * np.sin(t)) / s_b) ** 2) / (np.sqrt(2 * np.pi) * s_b)
        inner = _interval_probability((m_a - chord) / s_a, (m_a + chord) / s_a)
        return float(outer * inner * chord)

    value, _ = quad(
        integrand,
        -np.pi / 2,
        np.pi / 2,
        points=_break_points(radius, m_a, s_a, m_b) or None,
        epsabs=0.0,
        epsrel=RELATIVE_TOLERANCE,
        limit=400,
    )
    return float(min(max(value, 0.0), 1.0))


def foster_pc(plane: EncounterPlane, hbr_km: float) -> float:
    """Foster 2D Pc of an encounter plane (CARA convention, circular hard body)."""
    return foster_pc_2d(plane.miss_km, plane.covariance_km2, hbr_km)


@dataclass(frozen=True)
class Foster2D:
    """Foster's method (CARA Pc2D_Foster convention); needs at least one covariance."""

    name: str = "foster_2d"

    def estimate(self, inputs: PcInputs) -> PcEstimate:
        if not inputs.has_covariance:
            return PcEstimate(self.name, None, flags=("no covariance: foster_2d not computed",))
        plane = inputs.plane
        flags = ("encounter-plane covariance remediated (eigenvalue clipping)",) * plane.remediated
        return PcEstimate(self.name, foster_pc(plane, inputs.hbr_km), flags=flags)
