"""Blind plate-solving fallback: triangle matching of the brightest sources against Hipparcos.

Used when the attitude prior is too far off for prior matching and the roll search.
Only the pixel scale and parity of the prior's WCS are trusted (they are properties
of the optics); the pointing may be anywhere within ``radius_rad`` of the prior
(default 30 deg, several fields of any camera here).

* Catalog: the sky within the search cone is sampled by field centres (a Fibonacci
  lattice, spacing half the field's short side); around each, the brightest
  ``CATALOG_STARS`` stars within 0.6 field widths form all their triangles.
* Image: the brightest ``IMAGE_SOURCES`` point-like sources form all theirs.
* A triangle is keyed by its three side lengths in pixels (angle / pixel scale), with
  its vertices ordered by the length of the opposite side. Source triangles are looked
  up among catalog triangles within ``SIDE_TOLERANCE_PX`` (k-d tree).
* Each matching pair gives an exact affine map pixel -> gnomonic plane; pairs whose
  map is not a rotation at the known scale with the known parity are dropped. The
  others vote for a boresight (direction of the reference pixel) and roll; the best
  supported hypotheses become priors for the ordinary solution, which verifies them
  (at least ``MIN_BLIND_STARS`` stars matched at <= 1 px with a sub-pixel fit).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS
from scipy.spatial import cKDTree

from beltwatch.constants import DEG_RAD
from beltwatch.frames import (
    gnomonic_project,
    radec_from_unit_vector,
    tangent_plane_basis,
    unit_vector_from_radec,
)
from beltwatch.processing._extract import Sources

IMAGE_SOURCES = 20
CATALOG_STARS = 20
SIDE_TOLERANCE_PX = 3.0
SCALE_TOLERANCE = 0.03
MIN_VOTES = 3
MIN_BLIND_STARS = 10
DEFAULT_RADIUS_RAD = np.radians(30.0)


@dataclass(frozen=True)
class _Triangles:
    vertex: np.ndarray  # (n, 3) point indices, ordered by opposite side, longest first
    sides: np.ndarray  # (n, 3) side lengths (px), longest first


def _triangles(points: np.ndarray, groups: np.ndarray, metric) -> _Triangles:
    """All triangles within each row of ``groups`` (point indices, -1 = none), unique.
    ``metric(i, j)`` gives distances (px) between points i and j (index arrays)."""
    size = groups.shape[1]
    combos = np.array(list(itertools.combinations(range(size), 3)), dtype=np.int64)
    if not combos.size:
        return _Triangles(np.zeros((0, 3), np.int64), np.zeros((0, 3)))
    tri = groups[:, combos].reshape(-1, 3)
    tri = np.sort(tri[(tri >= 0).all(axis=1)], axis=1)
    n = max(len(points), 1)
    _, first = np.unique((tri[:, 0] * n + tri[:, 1]) * n + tri[:, 2], return_index=True)
    tri = tri[first]
    opposite = np.stack(
        [metric(tri[:, 1], tri[:, 2]), metric(tri[:, 0], tri[:, 2]), metric(tri[:, 0], tri[:, 1])],
        axis=1,
    )
    order = np.argsort(-opposite, axis=1)
    return _Triangles(
        np.take_along_axis(tri, order, axis=1), np.take_along_axis(opposite, order, axis=1)
    )


def _fibonacci_centres(center: np.ndarray, radius: float, spacing: float) -> np.ndarray:
    """Nearly uniform directions with the given spacing (rad) within ``radius`` of center."""
    n = int(np.ceil(4.0 * np.pi / spacing**2))
    k = np.arange(n) + 0.5
    z = 1.0 - 2.0 * k / n
    phi = np.pi * (1.0 + 5.0**0.5) * k
    r = np.sqrt(1.0 - z * z)
    points = np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)
    return points[points @ center >= np.cos(radius)]


@dataclass(frozen=True)
class _Optics:
    """What the prior WCS says that the optics fix: pixel scale (rad), parity, frame size."""

    scale_rad: float
    parity: float
    rows: int
    cols: int

    @classmethod
    def of(cls, prior: WCS, shape: tuple[int, int]) -> _Optics:
        cd = prior.pixel_scale_matrix  # deg per px, (east, north) rows
        scale = float(np.radians(np.sqrt(abs(np.linalg.det(cd)))))
        return cls(scale, float(np.sign(np.linalg.det(cd))), shape[0], shape[1])

    @property
    def width_px(self) -> float:
        return float(min(self.rows, self.cols))

    def keep(self, t: _Triangles) -> _Triangles:
        """Triangles neither wider than the frame nor degenerate."""
        ok = (t.sides[:, 0] < 0.95 * self.width_px) & (t.sides[:, 2] > 0.03 * self.width_px)
        return _Triangles(t.vertex[ok], t.sides[ok])


@dataclass(frozen=True)
class _Hypotheses:
    """Affine maps pixel -> gnomonic plane (``lin`` (m, 2, 2), ``offset`` (m, 2)) about
    tangent directions (m, 3) with their east/north axes."""

    lin: np.ndarray
    offset: np.ndarray
    tangent: np.ndarray
    east: np.ndarray
    north: np.ndarray


def blind_priors(
    sources: Sources,
    usable: np.ndarray,
    stars: tuple[np.ndarray, np.ndarray],
    prior: WCS,
    shape: tuple[int, int],
    radius_rad: float = DEFAULT_RADIUS_RAD,
    max_hypotheses: int = 3,
) -> list[WCS]:
    """Candidate pointing WCSs, best supported first. ``stars``: (apparent unit vectors,
    magnitudes) of catalog stars covering the search cone (plus a field); the prior
    gives scale and parity; ``usable`` marks point-like sources."""
    optics = _Optics.of(prior, shape)
    image = _image_triangles(sources, usable, optics)
    if image is None:
        return []
    xy, image_triangles = image
    units = stars[0][np.argsort(stars[1])]  # brightest first
    centre = unit_vector_from_radec(*np.radians(prior.wcs.crval))
    sky = _sky_triangles(units, centre, radius_rad, optics)
    if not len(image_triangles.sides) or not len(sky.sides):
        return []
    hypotheses = _pair_hypotheses(xy, image_triangles, units, sky, optics)
    if hypotheses is None:
        return []
    return _voted_priors(hypotheses, prior, optics, max_hypotheses)


def _image_triangles(
    sources: Sources, usable: np.ndarray, optics: _Optics
) -> tuple[np.ndarray, _Triangles] | None:
    """Pixel positions of the brightest usable sources and all their triangles."""
    cand = np.flatnonzero(usable & (sources.flux > 0))
    bright = cand[np.argsort(-sources.flux[cand])][:IMAGE_SOURCES]
    if bright.size < 4:
        return None
    xy = np.stack([sources.x[bright], sources.y[bright]], axis=1)
    triangles = _triangles(
        xy, np.arange(bright.size)[None, :], lambda i, j: np.hypot(*(xy[i] - xy[j]).T)
    )
    return xy, optics.keep(triangles)


def _sky_triangles(
    units: np.ndarray, centre: np.ndarray, radius_rad: float, optics: _Optics
) -> _Triangles:
    """Triangles of the brightest stars around lattice field centres in the search cone,
    sides in pixels."""
    scale, width_px = optics.scale_rad, optics.width_px
    centres = _fibonacci_centres(centre, radius_rad, 0.5 * width_px * scale)
    if not len(units) or not len(centres):
        return _Triangles(np.zeros((0, 3), np.int64), np.zeros((0, 3)))
    near = centres @ units.T >= np.cos(0.6 * width_px * scale)
    rank = np.cumsum(near, axis=1)
    groups = np.full((len(centres), CATALOG_STARS), -1, np.int64)
    rows_i, cols_i = np.nonzero(near & (rank <= CATALOG_STARS))
    groups[rows_i, rank[rows_i, cols_i] - 1] = cols_i

    def angle_px(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return 2.0 * np.arcsin(np.linalg.norm(units[i] - units[j], axis=1) / 2.0) / scale

    return optics.keep(_triangles(units, groups, angle_px))


def _pair_hypotheses(
    xy: np.ndarray, image: _Triangles, units: np.ndarray, sky: _Triangles, optics: _Optics
) -> _Hypotheses | None:
    """Matching triangle pairs -> exact affine maps; only rotations at the known scale with
    the known parity are kept (None when fewer than ``MIN_VOTES`` remain)."""
    pairs = cKDTree(sky.sides).query_ball_point(image.sides, SIDE_TOLERANCE_PX)
    img_i = np.repeat(np.arange(len(pairs)), [len(p) for p in pairs])
    sky_i = np.fromiter(itertools.chain.from_iterable(pairs), np.int64, img_i.size)
    if not img_i.size:
        return None
    pix = xy[image.vertex[img_i]]  # (m, 3, 2)
    tri_units = units[sky.vertex[sky_i]]  # (m, 3, 3)
    tangent = tri_units.sum(axis=1)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    plane = gnomonic_project(tri_units, tangent)
    design = np.concatenate([pix, np.ones((*pix.shape[:2], 1))], axis=2)
    ok = np.abs(np.linalg.det(design)) > 1e-6
    m = np.zeros((img_i.size, 3, 2))
    m[ok] = np.linalg.solve(design[ok], plane[ok])
    lin = np.transpose(m[:, :2, :], (0, 2, 1))  # plane = lin @ (x, y) + m[:, 2]
    scale = optics.scale_rad
    det = np.linalg.det(lin)
    gram = np.einsum("nki,nkj->nij", lin, lin) / scale**2
    ok &= np.sign(det) == optics.parity
    ok &= np.abs(np.sqrt(np.abs(det)) / scale - 1.0) < SCALE_TOLERANCE
    ok &= np.abs(gram - np.eye(2)).max(axis=(1, 2)) < 2.0 * SCALE_TOLERANCE
    if ok.sum() < MIN_VOTES:
        return None
    east, north = tangent_plane_basis(tangent[ok])
    return _Hypotheses(lin[ok], m[ok, 2, :], tangent[ok], east, north)


def _voted_priors(h: _Hypotheses, prior: WCS, optics: _Optics, max_hypotheses: int) -> list[WCS]:
    """Hypotheses agreeing in boresight (5 px) and roll (1 deg) vote; the best supported
    become WCSs (boresight at the prior's reference pixel)."""
    ref = np.array([prior.wcs.crpix[0] - 1.0, prior.wcs.crpix[1] - 1.0])
    xi = h.lin @ ref + h.offset
    boresight = h.tangent + xi[:, :1] * h.east + xi[:, 1:] * h.north
    boresight /= np.linalg.norm(boresight, axis=1, keepdims=True)
    roll = np.arctan2(h.lin[:, 1, 0], h.lin[:, 0, 0])
    neighbours = cKDTree(boresight).query_ball_point(boresight, 5.0 * optics.scale_rad)
    votes = np.array(
        [np.sum(np.abs(np.angle(np.exp(1j * (roll[n] - roll[k])))) < np.radians(1.0))
         for k, n in enumerate(neighbours)]
    )  # fmt: skip
    priors: list[WCS] = []
    taken = np.zeros(len(votes), bool)
    for k in np.argsort(-votes, kind="stable"):
        if len(priors) >= max_hypotheses or votes[k] < MIN_VOTES:
            break
        if not taken[k]:
            taken[neighbours[k]] = True
            priors.append(_tan_wcs(boresight[k], h.east[k], h.north[k], h.lin[k], prior, optics))
    return priors


def _tan_wcs(
    boresight: np.ndarray,
    east: np.ndarray,
    north: np.ndarray,
    lin: np.ndarray,
    prior: WCS,
    optics: _Optics,
) -> WCS:
    """A TAN WCS at ``boresight`` whose linear part is ``lin`` re-expressed in the
    boresight's own (east, north) axes."""
    e_b, n_b = tangent_plane_basis(boresight)
    basis = np.array([[e_b @ east, e_b @ north], [n_b @ east, n_b @ north]])
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crpix = list(prior.wcs.crpix)
    ra, dec = radec_from_unit_vector(boresight)
    w.wcs.crval = [float(ra) / DEG_RAD, float(dec) / DEG_RAD]
    w.wcs.cd = basis @ lin / DEG_RAD
    w.wcs.radesys = "ICRS"
    w.pixel_shape = (optics.cols, optics.rows)
    w.wcs.set()
    return w
