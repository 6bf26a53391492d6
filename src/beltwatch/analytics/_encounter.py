"""The conjunction (encounter) plane of two states at TCA, as NASA CARA builds it.

Relative state r = r1 - r2, v = v1 - v2 (inertial, km, km/s). Encounter frame:
y along v, z along r x v, x = y x z; the combined position covariance
C1[:3, :3] + C2[:3, :3] is rotated into it and its x-z block is the 2x2 covariance
of the miss in the plane. The hard-body circle is centred at (|r|, 0): at TCA r is
perpendicular to v, so r lies along x (CARA's convention, kept even when a message's
states are a little off TCA). A 2x2 covariance with an eigenvalue below
(1e-4 HBR)^2 is remediated by clipping that eigenvalue (Hall et al. 2017, CARA's
``CovRemEigValClip``) and flagged; one with a NaN is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltwatch.errors import InputError

# CARA: eigenvalues of the 2x2 plane covariance are clipped at (CLIP_FRACTION x HBR)^2.
CLIP_FRACTION_OF_HBR = 1e-4


@dataclass(frozen=True)
class EncounterPlane:
    """Miss vector (km, in the plane's x-z axes) and its 2x2 covariance (km^2).

    ``remediated``: an eigenvalue was clipped; ``raw_eigenvalues_km2``: before clipping.
    ``axes``: rows x, y, z of the encounter frame in the input (inertial) axes.
    """

    miss_km: np.ndarray
    covariance_km2: np.ndarray
    relative_speed_km_s: float
    remediated: bool
    raw_eigenvalues_km2: np.ndarray
    axes: np.ndarray

    @property
    def miss_distance_km(self) -> float:
        return float(np.hypot(*self.miss_km))

    def principal(self) -> tuple[np.ndarray, np.ndarray]:
        """(sigmas km, ascending; the miss vector in the covariance's principal axes, km)."""
        values, vectors = np.linalg.eigh(self.covariance_km2)
        return np.sqrt(values), vectors.T @ self.miss_km


def encounter_axes(relative_position_km: np.ndarray, relative_velocity_km_s: np.ndarray):
    """Rows x, y, z of the encounter frame (y along v, z along r x v)."""
    r = np.asarray(relative_position_km, dtype=float)
    v = np.asarray(relative_velocity_km_s, dtype=float)
    h = np.cross(r, v)
    if not np.linalg.norm(v) > 0:
        raise InputError("relative velocity is zero: no encounter plane", field="velocity")
    if not np.linalg.norm(h) > 0:
        raise InputError(
            "relative position is parallel to the relative velocity: no encounter plane",
            field="position",
        )
    y = v / np.linalg.norm(v)
    z = h / np.linalg.norm(h)
    return np.vstack([np.cross(y, z), y, z])


def clip_eigenvalues(matrix: np.ndarray, floor: float) -> tuple[np.ndarray, bool, np.ndarray]:
    """(matrix with eigenvalues below ``floor`` raised to it, clipped?, raw eigenvalues)."""
    sym = 0.5 * (matrix + matrix.T)
    if not np.all(np.isfinite(sym)):
        raise InputError("covariance holds NaN or infinity: unusable", field="covariance")
    values, vectors = np.linalg.eigh(sym)
    clipped = bool(np.any(values < floor))
    if not clipped:
        return sym, False, values
    return (vectors * np.maximum(values, floor)) @ vectors.T, True, values


def encounter_plane(
    r1_km: np.ndarray,
    v1_km_s: np.ndarray,
    cov1: np.ndarray,
    r2_km: np.ndarray,
    v2_km_s: np.ndarray,
    cov2: np.ndarray,
    hbr_km: float,
) -> EncounterPlane:
    """The encounter plane of two states at TCA with their covariances (3x3 or 6x6, km)."""
    r = np.asarray(r1_km, float) - np.asarray(r2_km, float)
    v = np.asarray(v1_km_s, float) - np.asarray(v2_km_s, float)
    axes = encounter_axes(r, v)
    combined = np.asarray(cov1, float)[:3, :3] + np.asarray(cov2, float)[:3, :3]
    in_frame = axes @ combined @ axes.T
    plane = in_frame[np.ix_([0, 2], [0, 2])]
    plane, remediated, raw = clip_eigenvalues(plane, (CLIP_FRACTION_OF_HBR * hbr_km) ** 2)
    if not np.all(np.linalg.eigvalsh(plane) > 0):
        raise InputError(
            "combined position covariance is not positive definite in the encounter plane "
            "even after eigenvalue clipping",
            field="covariance",
        )
    return EncounterPlane(
        miss_km=np.array([np.linalg.norm(r), 0.0]),
        covariance_km2=plane,
        relative_speed_km_s=float(np.linalg.norm(v)),
        remediated=remediated,
        raw_eigenvalues_km2=raw,
        axes=axes,
    )
