"""Prior orbits for catalog maintenance: an element set's state with a modelled
covariance, or an earlier fit read back from orbits.json.

Element-set covariance (a model, not an estimate; calibrated in docs/association.md):
diagonal in radial / in-track / cross-track, 1-sigma ``sigma_km`` at the element-set
epoch growing by ``growth_km_per_day`` with the age; velocity sigmas are the growth per
second plus the mean motion times the position sigma times ``velocity_factor``.
"""

from __future__ import annotations

import numpy as np

from beltwatch.frames import rtn_basis

ELEMENT_SET_SIGMA_KM = (1.0, 2.0, 0.5)
ELEMENT_SET_GROWTH_KM_PER_DAY = (2.0, 7.0, 2.0)


def element_set_sqrt_covariance(
    r: np.ndarray,
    v: np.ndarray,
    age_days: np.ndarray | float,
    sigma_km=ELEMENT_SET_SIGMA_KM,
    growth_km_per_day=ELEMENT_SET_GROWTH_KM_PER_DAY,
    velocity_factor: float = 1.0,
) -> np.ndarray:
    """Square-root covariance S (..., 6, 6), P = S S^T (km, km/s), of the model above."""
    s0 = np.asarray(sigma_km, float)
    g = np.asarray(growth_km_per_day, float)
    sig_pos = s0 + g * np.abs(np.asarray(age_days, float))[..., None]
    n = np.linalg.norm(v, axis=-1) / np.linalg.norm(r, axis=-1)  # mean motion rad/s
    sig_vel = g / 86400.0 + velocity_factor * n[..., None] * sig_pos
    B = np.swapaxes(rtn_basis(r, v), -1, -2)  # columns R, I, C in GCRS
    S = np.zeros((*np.shape(r)[:-1], 6, 6))
    S[..., :3, :3] = B * sig_pos[..., None, :]
    S[..., 3:, 3:] = B * sig_vel[..., None, :]
    return S
