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


def blind_priors(
    src_x: np.ndarray,
    src_y: np.ndarray,
    src_flux: np.ndarray,
    usable: np.ndarray,
    star_units: np.ndarray,
    star_mag: np.ndarray,
    prior: WCS,
    shape: tuple[int, int],
    radius_rad: float = DEFAULT_RADIUS_RAD,
    max_hypotheses: int = 3,
) -> list[WCS]:
    """Candidate pointing WCSs, best supported first. ``star_units``: apparent directions of
    catalog stars covering the search cone (plus a field); the prior gives scale and parity."""
    rows, cols = shape
    cd = prior.pixel_scale_matrix  # deg per px, (east, north) rows
    scale = float(np.radians(np.sqrt(abs(np.linalg.det(cd)))))
    parity = np.sign(np.linalg.det(cd))
    width_px = float(min(rows, cols))
    prior_center = unit_vector_from_radec(*np.radians(prior.wcs.crval))

    # Image triangles from the brightest point-like sources.
    cand = np.flatnonzero(usable & (src_flux > 0))
    bright = cand[np.argsort(-src_flux[cand])][:IMAGE_SOURCES]
    if bright.size < 4:
        return []
    xy = np.stack([src_x[bright], src_y[bright]], axis=1)
    image = _triangles(
        xy, np.arange(bright.size)[None, :], lambda i, j: np.hypot(*(xy[i] - xy[j]).T)
    )

    # Catalog triangles from the brightest stars around lattice centres in the cone.
    order = np.argsort(star_mag)
    units = star_units[order]
    centres = _fibonacci_centres(prior_center, radius_rad, 0.5 * width_px * scale)
    if not len(units) or not len(centres):
        return []
    near = centres @ units.T >= np.cos(0.6 * width_px * scale)
    rank = np.cumsum(near, axis=1)
    groups = np.full((len(centres), CATALOG_STARS), -1, np.int64)
    rows_i, cols_i = np.nonzero(near & (rank <= CATALOG_STARS))
    groups[rows_i, rank[rows_i, cols_i] - 1] = cols_i

    def angle_px(i, j):
        return 2.0 * np.arcsin(np.linalg.norm(units[i] - units[j], axis=1) / 2.0) / scale

    sky = _triangles(units, groups, angle_px)
    keep = lambda t: (t.sides[:, 0] < 0.95 * width_px) & (t.sides[:, 2] > 0.03 * width_px)  # noqa: E731
    image = _Triangles(image.vertex[keep(image)], image.sides[keep(image)])
    sky = _Triangles(sky.vertex[keep(sky)], sky.sides[keep(sky)])
    if not len(image.sides) or not len(sky.sides):
        return []

    # Matching triangle pairs -> affine maps pixel -> plane about the catalog triangle.
    pairs = cKDTree(sky.sides).query_ball_point(image.sides, SIDE_TOLERANCE_PX)
    img_i = np.repeat(np.arange(len(pairs)), [len(p) for p in pairs])
    sky_i = np.fromiter(itertools.chain.from_iterable(pairs), np.int64, img_i.size)
    if not img_i.size:
        return []
    pix = xy[image.vertex[img_i]]  # (m, 3, 2)
    tri_units = units[sky.vertex[sky_i]]  # (m, 3, 3)
    tangent = tri_units.sum(axis=1)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    plane = gnomonic_project(tri_units, tangent)
    east, north = tangent_plane_basis(tangent)
    design = np.concatenate([pix, np.ones((*pix.shape[:2], 1))], axis=2)
    ok = np.abs(np.linalg.det(design)) > 1e-6
    m = np.zeros((img_i.size, 3, 2))
    m[ok] = np.linalg.solve(design[ok], plane[ok])
    lin = np.transpose(m[:, :2, :], (0, 2, 1))  # plane = lin @ (x, y) + m[:, 2]
    det = np.linalg.det(lin)
    gram = np.einsum("nki,nkj->nij", lin, lin) / scale**2
    ok &= np.sign(det) == parity
    ok &= np.abs(np.sqrt(np.abs(det)) / scale - 1.0) < SCALE_TOLERANCE
    ok &= np.abs(gram - np.eye(2)).max(axis=(1, 2)) < 2.0 * SCALE_TOLERANCE
    if ok.sum() < MIN_VOTES:
        return []
    lin, m, tangent, east, north = lin[ok], m[ok], tangent[ok], east[ok], north[ok]
    ref = np.array([prior.wcs.crpix[0] - 1.0, prior.wcs.crpix[1] - 1.0])
    xi = lin @ ref + m[:, 2, :]
    boresight = tangent + xi[:, :1] * east + xi[:, 1:] * north
    boresight /= np.linalg.norm(boresight, axis=1, keepdims=True)
    roll = np.arctan2(lin[:, 1, 0], lin[:, 0, 0])

    # Votes: hypotheses agreeing in boresight (5 px) and roll (1 deg).
    tree = cKDTree(boresight)
    neighbours = tree.query_ball_point(boresight, 5.0 * scale)
    votes = np.array(
        [np.sum(np.abs(np.angle(np.exp(1j * (roll[n] - roll[k])))) < np.radians(1.0))
         for k, n in enumerate(neighbours)]
    )  # fmt: skip
    priors: list[WCS] = []
    taken = np.zeros(len(votes), bool)
    for k in np.argsort(-votes, kind="stable"):
        if len(priors) >= max_hypotheses or votes[k] < MIN_VOTES:
            break
        if taken[k]:
            continue
        taken[neighbours[k]] = True
        # Linear part in the boresight's own (east, north) axes.
        b = boresight[k]
        e_b, n_b = tangent_plane_basis(b)
        basis = np.array([[e_b @ east[k], e_b @ north[k]], [n_b @ east[k], n_b @ north[k]]])
        w = WCS(naxis=2)
        w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        w.wcs.crpix = list(prior.wcs.crpix)
        ra, dec = radec_from_unit_vector(b)
        w.wcs.crval = [float(ra) / DEG_RAD, float(dec) / DEG_RAD]
        w.wcs.cd = basis @ lin[k] / DEG_RAD
        w.wcs.radesys = "ICRS"
        w.pixel_shape = (cols, rows)
        w.wcs.set()
        priors.append(w)
    return priors
