"""Plate solving: match extracted sources to catalog stars and fit a TAN-SIP WCS.

Catalog stars are made apparent for the observer (proper motion, parallax,
aberration by the observer's barycentric velocity) so that the fitted WCS maps
pixels to apparent directions, exactly as the simulator's camera does.

Matching starts from the attitude prior (header WCS): the offset between
projected catalog stars and sources is found by voting over all pairs, then
nearest neighbours are matched and the fit is iterated. When the prior fails
(too few matches), a roll search (every 2 degrees) with the same offset vote is
the first fallback: it needs the prior's field centre only to within about a field.
The blind fallback (``_blind``: triangle matching against the catalog within 30 deg
of the prior) supplies new priors for this same procedure.
The fit is linear least squares of the gnomonic plane coordinates as a
polynomial of pixel offsets (order 1-3: the one with the smallest leave-one-out
residual among those the star count allows), re-centred on the tangent point,
with robust 3-sigma clipping; orders above 1 become the SIP terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS, Sip
from scipy.spatial import cKDTree

from beltwatch.constants import DEG_RAD
from beltwatch.frames import (
    gnomonic_project,
    radec_from_unit_vector,
    tangent_plane_basis,
    unit_vector_from_radec,
)
from beltwatch.sensors import pixels_from_units

MIN_MATCHED_STARS = 6
MAX_FIT_RMS_PX = 0.7
# Cubic terms (10 per axis) are tried from 20 stars on: a camera's radial distortion is
# cubic, and order 2 leaves ~0.5 px at the corners of the 2048^2 camera. The order is
# chosen by leave-one-out residuals (_best_order).
SIP3_MIN_STARS = 20


@dataclass(frozen=True, eq=False)
class PlateSolution:
    """A fitted WCS (apparent directions) and the matched pairs (source index, star index)."""

    wcs: WCS
    source_index: np.ndarray
    star_index: np.ndarray
    rms_px: float
    sip_order: int
    method: str

    @property
    def n_stars(self) -> int:
        return int(self.source_index.size)


def _offset_vote(src_xy: np.ndarray, cat_xy: np.ndarray, bin_px: float) -> np.ndarray | None:
    """Most common offset (source - catalog) over all pairs, refined by the mean in its bin."""
    d = (src_xy[:, None, :] - cat_xy[None, :, :]).reshape(-1, 2)
    keys = np.floor(d / bin_px).astype(np.int64)
    combined = keys[:, 0] * 1_000_003 + keys[:, 1]
    _values, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
    # Sum counts over each bin and its neighbours would be better; a 2x2 shifted vote suffices.
    best = int(np.argmax(counts))
    if counts[best] < 3:
        return None
    return d[inverse.ravel() == best].mean(axis=0)


def _match(src_xy, cat_xy, tolerance_px):
    """Unique nearest-neighbour pairs within tolerance: (source index, catalog index)."""
    if not len(cat_xy) or not len(src_xy):
        return np.zeros(0, int), np.zeros(0, int)
    dist, idx = cKDTree(src_xy).query(cat_xy, distance_upper_bound=tolerance_px)
    ok = np.isfinite(dist)
    cat_i, src_i = np.flatnonzero(ok), idx[ok]
    # keep the closest catalog star per source
    order = np.argsort(dist[ok])
    _, first = np.unique(src_i[order], return_index=True)
    keep = order[first]
    return src_i[keep], cat_i[keep]


def _terms(u: np.ndarray, v: np.ndarray, order: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    powers = [(p, q) for total in range(order + 1) for p in range(total + 1) for q in [total - p]]
    return np.stack([u**p * v**q for p, q in powers], axis=-1), powers


@dataclass(frozen=True, eq=False)
class _Fit:
    """A TAN-SIP fit: gnomonic plane (rad, about ``center``) = design(u, v) @ ``coef``."""

    coef: np.ndarray
    powers: list[tuple[int, int]]
    center: np.ndarray
    crpix: tuple[float, float]
    order: int

    @property
    def cd(self) -> np.ndarray:
        lin = {p: i for i, p in enumerate(self.powers)}
        return np.array([self.coef[lin[(1, 0)]], self.coef[lin[(0, 1)]]]).T  # rad per px

    def linear_px(self, plane: np.ndarray) -> np.ndarray:
        """Plane coordinates (rad) in pixel units of the linear part (for matching)."""
        return plane @ np.linalg.inv(self.cd).T

    def source_px(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Sources in the same units: their plane coordinates, distortion included."""
        design, _ = _terms(x - (self.crpix[0] - 1.0), y - (self.crpix[1] - 1.0), self.order)
        return self.linear_px(design @ self.coef)

    def star_px(self, units: np.ndarray) -> np.ndarray:
        """Stars in the same units; NaN for stars more than ~50 deg off the tangent point."""
        plane = gnomonic_project(units, self.center)
        plane[units @ self.center < 0.64] = np.nan
        return self.linear_px(plane)

    def wcs(self) -> WCS:
        cd = self.cd
        w = WCS(naxis=2)
        w.wcs.crpix = list(self.crpix)
        ra0, dec0 = radec_from_unit_vector(self.center)
        w.wcs.crval = [float(ra0) / DEG_RAD, float(dec0) / DEG_RAD]
        w.wcs.cd = cd / DEG_RAD
        w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        w.wcs.radesys = "ICRS"
        if self.order >= 2:
            inv_cd = np.linalg.inv(cd)
            a = np.zeros((self.order + 1, self.order + 1))
            b = np.zeros((self.order + 1, self.order + 1))
            for i, (p, q) in enumerate(self.powers):
                if p + q >= 2:
                    a[p, q], b[p, q] = inv_cd @ self.coef[i]
            w.sip = Sip(a, b, None, None, w.wcs.crpix)
            w.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
        w.wcs.set()
        return w


def _fit(x, y, units, crpix, order, center) -> tuple[_Fit, np.ndarray]:
    """Least-squares TAN-SIP fit, tangent point moved to the reference pixel's direction;
    returns (fit, residuals (n, 2) in px)."""
    u, v = x - (crpix[0] - 1.0), y - (crpix[1] - 1.0)
    design, powers = _terms(u, v, order)
    for _ in range(3):
        plane = gnomonic_project(units, center)
        coef, *_ = np.linalg.lstsq(design, plane, rcond=None)
        # Move the tangent point to the world position of the reference pixel.
        xi0, eta0 = coef[0]
        east, north = tangent_plane_basis(center)
        moved = center + xi0 * east + eta0 * north
        center = moved / np.linalg.norm(moved)
    plane = gnomonic_project(units, center)
    coef, *_ = np.linalg.lstsq(design, plane, rcond=None)
    fit = _Fit(coef, powers, center, crpix, order)
    return fit, fit.linear_px(plane - design @ coef)


def fit_tan_sip(
    x: np.ndarray, y: np.ndarray, units: np.ndarray, crpix: tuple[float, float], order: int,
    center: np.ndarray,
) -> tuple[WCS, np.ndarray]:  # fmt: skip
    """TAN-SIP WCS from 0-based pixels (x, y) to ``units``; returns (wcs, residuals px (n, 2))."""
    fit, residual = _fit(x, y, units, crpix, order, center)
    return fit.wcs(), residual


def _sip_order(n: int) -> int:
    """The highest polynomial order ``n`` stars may support (>= 2 stars per term)."""
    return 3 if n >= SIP3_MIN_STARS else 2 if n >= 12 else 1


def _best_order(xy: np.ndarray, units: np.ndarray, crpix, center) -> int:
    """Order (1..3, as the star count allows) with the smallest leave-one-out residual:
    enough terms for the optics' distortion, no more than the stars can pin down."""
    best, best_press = 1, np.inf
    for order in range(1, _sip_order(len(xy)) + 1):
        _, res = _fit(xy[:, 0], xy[:, 1], units, crpix, order, center)
        design, _ = _terms(xy[:, 0] - (crpix[0] - 1.0), xy[:, 1] - (crpix[1] - 1.0), order)
        q, _r = np.linalg.qr(design)
        leverage = np.sum(q * q, axis=1)
        loo = res / np.maximum(1.0 - leverage, 1e-6)[:, None]
        press = float(np.mean(np.sum(loo**2, axis=1)))
        if press < best_press:
            best, best_press = order, press
    return best


def solve_plate(
    src_x: np.ndarray,
    src_y: np.ndarray,
    src_flux: np.ndarray,
    star_units: np.ndarray,
    star_mag: np.ndarray,
    prior: WCS,
    shape: tuple[int, int],
    usable: np.ndarray | None = None,
    roll_search: bool = True,
    method: str = "prior",
    min_stars: int = MIN_MATCHED_STARS,
) -> PlateSolution | None:
    """Solve one frame. ``star_units``: apparent catalog directions (n, 3); ``usable``: sources
    allowed as star candidates (point-like, unsaturated). None when no solution is found
    (or it matches fewer than ``min_stars`` stars). ``method`` labels a prior-based solution."""
    rows, cols = shape
    usable = np.ones(src_x.size, bool) if usable is None else usable
    cand = np.flatnonzero(usable)
    bright = cand[np.argsort(-src_flux[cand])][:80]
    src_xy = np.stack([src_x, src_y], axis=-1)
    cx, cy = pixels_from_units(prior, star_units)
    margin = 0.15 * max(rows, cols)
    on = (
        np.isfinite(cx)
        & (cx > -margin)
        & (cx < cols + margin)
        & (cy > -margin)
        & (cy < rows + margin)
    )
    stars_on = np.flatnonzero(on)
    stars_on = stars_on[np.argsort(star_mag[stars_on])][:80]
    if stars_on.size < MIN_MATCHED_STARS or bright.size < MIN_MATCHED_STARS:
        return None
    cat_xy = np.stack([cx[stars_on], cy[stars_on]], axis=-1)
    center = np.array([(cols - 1) / 2.0, (rows - 1) / 2.0])
    attempts = [(method, 0.0)]
    if roll_search:
        attempts += [("roll-search", np.radians(a)) for a in range(2, 360, 2)]
    for method, roll in attempts:
        c, s = np.cos(roll), np.sin(roll)
        rotated = (cat_xy - center) @ np.array([[c, s], [-s, c]]) + center
        offset = _offset_vote(src_xy[bright], rotated, 4.0)
        if offset is None:
            continue
        si, ci = _match(src_xy[bright], rotated + offset, 4.0)
        if si.size < MIN_MATCHED_STARS:
            continue
        solution = _refine(src_xy, cand, bright[si], stars_on[ci], star_units, prior, method)
        if solution is not None and solution.n_stars >= min_stars:
            return solution
    return None


def _refine(src_xy, cand, src_idx, star_idx, star_units, prior, method) -> PlateSolution | None:
    """Fit, rematch all candidates to all stars (tolerance 3, 1.5, 1 px), clip, fit again.
    Matching is done in the fit's linear pixel units (no WCS inversion needed)."""
    crpix = (float(prior.wcs.crpix[0]), float(prior.wcs.crpix[1]))
    center = unit_vector_from_radec(*np.radians(prior.wcs.crval))
    fitted = False
    for tolerance in (3.0, 1.5, 1.0):
        if src_idx.size < MIN_MATCHED_STARS:
            return None
        order = _sip_order(src_idx.size) if fitted else 1
        fit, _res = _fit(
            src_xy[src_idx, 0], src_xy[src_idx, 1], star_units[star_idx], crpix, order, center
        )
        fitted = True
        star_p = fit.star_px(star_units)
        ok = np.isfinite(star_p[:, 0])
        si, ci = _match(fit.source_px(src_xy[cand, 0], src_xy[cand, 1]), star_p[ok], tolerance)
        src_idx, star_idx = cand[si], np.flatnonzero(ok)[ci]
    if src_idx.size < MIN_MATCHED_STARS:
        return None
    order = _best_order(src_xy[src_idx], star_units[star_idx], crpix, center)
    for _ in range(4):
        fit, res = _fit(
            src_xy[src_idx, 0], src_xy[src_idx, 1], star_units[star_idx], crpix, order, center
        )
        r = np.hypot(res[:, 0], res[:, 1])
        # Robust scale (median of the 2-D residual norms ~ 1.18 sigma for Gaussian errors).
        limit = max(3.0 * np.median(r) / 1.18, 0.1)
        keep = r <= limit
        if keep.all() or keep.sum() < MIN_MATCHED_STARS:
            break
        src_idx, star_idx = src_idx[keep], star_idx[keep]
    final = _best_order(src_xy[src_idx], star_units[star_idx], crpix, center)
    if final != order:
        order = final
        fit, res = _fit(
            src_xy[src_idx, 0], src_xy[src_idx, 1], star_units[star_idx], crpix, order, center
        )
    rms = float(np.sqrt(np.mean(np.sum(res**2, axis=1))))
    if rms > MAX_FIT_RMS_PX:
        return None
    return PlateSolution(fit.wcs(), src_idx, star_idx, rms, order, method)
