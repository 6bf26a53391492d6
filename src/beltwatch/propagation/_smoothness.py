"""Where SGP4 node positions are not smooth: 8th differences against a smooth-orbit bound.

For a smooth trajectory the 8th difference of positions at spacing h is about
h^8 x^(8), at most ``2 x c8(e) x r_p (n_p h)^8`` (c8: the largest 8th difference of a
Kepler orbit over r_p (n_p h)^8, computed for e = 0 .. 0.95 at n_p h = 0.02, where it is
largest of 0.02, 0.07 and 0.15, and tabulated below; 2 for what SGP4 adds to Kepler,
as in the interpolation bound). A non-smooth point (a jump of the position, of its
derivative or of its second derivative) adds the difference of a step, ramp or
half-parabola, so the stencils around it stand out.

Detectability, computed for one such point anywhere in a node array (edges included)
interpolated as in ``_interpolated``: the interpolation error it causes is at most
``KINK_ERROR_PER_DIFFERENCE`` (0.17) times the largest |8th difference| of the point's
own contribution over the stencils that hold it (0.163 for a derivative jump, 0.048 for
a position jump, 0.042 for a second-derivative jump). The measured differences hold the
point's contribution plus the smooth part, so a point on an object whose differences are
at most E causes at most 0.17 (E + S) (S: the smooth bound). Assumed: one such point
per 9 consecutive nodes (two close kinks of opposite sign could partly cancel).
"""

from __future__ import annotations

import numpy as np

DIFFERENCE_ORDER = 8
BINOMIAL_8 = np.array([1.0, -8.0, 28.0, -56.0, 70.0, -56.0, 28.0, -8.0, 1.0])
# max |8th difference| / (r_p (n_p h)^8) of a Kepler orbit by eccentricity (n_p h = 0.02).
KEPLER_E = np.array([0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
KEPLER_C8 = np.array(
    [1.47, 2.63, 8.42, 17.7, 39.8, 63.0, 85.1, 105.4, 123.8, 139.9, 153.8, 167.4, 175.2]
)
SGP4_SAFETY_FACTOR = 2.0
KINK_ERROR_PER_DIFFERENCE = 0.17
# Intervals worth an SGP4 check: a stencil over the smooth bound plus this many times the
# interpolation bound B (below it, 0.17 (E + S) <= 1.4 B + 0.34 S: less than a check can give,
# B + 1.6 (m + B) >= 2.6 B).
CHECK_THRESHOLD_FRACTION_OF_BOUND = 8.0


def smooth_difference_bound_km(
    step_s: np.ndarray, n_perigee: np.ndarray, r_perigee: np.ndarray, eccentricity: np.ndarray
) -> np.ndarray:
    """Bound (km) on |8th difference| of a smooth SGP4 trajectory at node spacing ``step_s``."""
    c8 = np.interp(np.clip(eccentricity, 0.0, 0.95), KEPLER_E, KEPLER_C8)
    return SGP4_SAFETY_FACTOR * c8 * r_perigee * (n_perigee * step_s) ** DIFFERENCE_ORDER


def difference_norms_km(r: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|8th difference| (km) of positions r (k, M, 3) per stencil of 9 nodes (k, M - 8),
    and whether the stencil's nodes are all valid."""
    count = r.shape[1] - DIFFERENCE_ORDER
    if count <= 0:
        return np.zeros((r.shape[0], 0)), np.zeros((r.shape[0], 0), dtype=bool)
    d = r[:, :count] + r[:, DIFFERENCE_ORDER:]
    term = np.empty_like(d)
    valid = ok[:, :count] & ok[:, DIFFERENCE_ORDER:]
    for j in range(1, DIFFERENCE_ORDER):
        np.multiply(r[:, j : j + count], BINOMIAL_8[j], out=term)
        d += term
        valid &= ok[:, j : j + count]
    norms = np.sqrt(np.einsum("kcx,kcx->kc", d, d))
    return np.where(valid, norms, 0.0), valid


def flagged_intervals(
    norms: np.ndarray, valid: np.ndarray, threshold_km: np.ndarray, intervals: int
) -> np.ndarray:
    """(k, intervals): intervals whose cubic may see a non-smooth point, i.e. one of the
    stencils overlapping the cubic's nodes is over ``threshold_km`` (k,) or invalid.

    Interval i's cubic uses array nodes i .. i + 5 (nodes -2 .. m + 1, array index = node
    + 2), so gaps i .. i + 4; stencil s covers gaps s .. s + 7: stencils i - 7 .. i + 4.
    Without any stencil (fewer than 9 nodes) every interval is flagged."""
    k, stencils = norms.shape
    if stencils == 0:
        return np.ones((k, intervals), dtype=bool)
    bad = (norms > threshold_km[:, None]) | ~valid
    cumulative = np.zeros((k, stencils + 1), dtype=np.int64)
    np.cumsum(bad, axis=1, out=cumulative[:, 1:])
    i = np.arange(intervals)
    lo = np.clip(i - (DIFFERENCE_ORDER - 1), 0, stencils)
    hi = np.clip(i + 5, 0, stencils)
    return (cumulative[:, hi] - cumulative[:, lo]) > 0
