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


def population_cr_prior(
    cr: np.ndarray, cr_sigma: np.ndarray | float, min_spread: float = 0.1
) -> tuple[float, float]:
    """The C_R a priori of a new object from the cataloged objects' fits: (mean, spread).

    The fitted values scatter by the population's spread *and* by each fit's own error, so
    the spread is the fitted values' variance minus their mean squared ``cr_sigma``
    (method of moments; floored at ``min_spread``): taking the raw scatter would state a
    prior looser than the population is. ``cr`` (k,) fitted C_R, ``cr_sigma`` their
    1-sigma (scalar or (k,))."""
    cr = np.asarray(cr, dtype=float)
    sig = np.broadcast_to(np.asarray(cr_sigma, dtype=float), cr.shape)
    ok = np.isfinite(cr) & np.isfinite(sig)
    if ok.sum() < 2:
        raise ValueError("a population C_R prior needs at least two fitted C_R values")
    var = float(np.var(cr[ok], ddof=1) - np.mean(sig[ok] ** 2))
    return float(np.mean(cr[ok])), max(float(np.sqrt(max(var, 0.0))), min_spread)
