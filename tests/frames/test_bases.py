"""Local bases (RTN, sky tangent plane, gnomonic projection, frame bias) against
independent references: astropy's sky offsets and TAN projection, skyfield's frame bias."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from beltwatch.frames import (
    eme2000_to_gcrs,
    gnomonic_project,
    rtn_basis,
    tangent_plane_basis,
    unit_vector_from_radec,
)

RNG = np.random.default_rng(11)


def test_rtn_basis_of_a_known_orbit():
    # Circular orbit in the x-y plane at (1, 0, 0) moving along +y: R = x, T = y, N = z.
    basis = rtn_basis(np.array([42164.0, 0.0, 0.0]), np.array([0.0, 3.07, 0.0]))
    np.testing.assert_allclose(basis, np.eye(3), atol=1e-15)
    # Inclined, eccentric states: orthonormal, right-handed, R along r, N along r x v.
    r = RNG.normal(size=(50, 3)) * 30000.0
    v = RNG.normal(size=(50, 3)) * 2.0
    basis = rtn_basis(r, v)
    np.testing.assert_allclose(
        basis @ np.swapaxes(basis, -1, -2), np.broadcast_to(np.eye(3), (50, 3, 3)), atol=1e-12
    )
    np.testing.assert_allclose(np.linalg.det(basis), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", basis, r)[:, 1:], 0.0, atol=1e-8)
    assert np.all(np.einsum("nij,nj->ni", basis, v)[:, 2] == pytest.approx(0.0, abs=1e-9))


def test_tangent_plane_basis_matches_astropy_offsets():
    ra = RNG.uniform(0, 360, 40)
    dec = RNG.uniform(-89, 89, 40)
    east, north = tangent_plane_basis(unit_vector_from_radec(np.radians(ra), np.radians(dec)))
    center = SkyCoord(ra * u.deg, dec * u.deg)
    step = 1e-3  # radians
    for basis, position_angle in ((east, 90.0), (north, 0.0)):
        moved = center.directional_offset_by(position_angle * u.deg, step * u.rad)
        target = unit_vector_from_radec(moved.ra.rad, moved.dec.rad)
        origin = unit_vector_from_radec(center.ra.rad, center.dec.rad)
        np.testing.assert_allclose((target - origin) / step, basis, atol=2e-3)


def test_tangent_plane_basis_at_the_pole_is_finite_and_orthonormal():
    east, north = tangent_plane_basis(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]))
    assert np.all(np.isfinite(east)) and np.all(np.isfinite(north))
    np.testing.assert_allclose(np.sum(east * north, axis=-1), 0.0, atol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(east, axis=-1), 1.0)


def test_gnomonic_projection_matches_astropy_tan():
    ra0, dec0 = 123.4, -37.2
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [ra0, dec0]
    wcs.wcs.crpix = [1.0, 1.0]  # 1-based: the reference pixel is 0-based (0, 0)
    wcs.wcs.cd = np.eye(2)  # one degree per "pixel": pixel = plane coordinate in degrees
    ra = ra0 + RNG.uniform(-2, 2, 30)
    dec = dec0 + RNG.uniform(-2, 2, 30)
    x, y = wcs.world_to_pixel_values(ra, dec)
    units = unit_vector_from_radec(np.radians(ra), np.radians(dec))
    plane = gnomonic_project(units, unit_vector_from_radec(np.radians(ra0), np.radians(dec0)))
    np.testing.assert_allclose(np.degrees(plane), np.stack([x, y], axis=-1), atol=1e-9)


def test_frame_bias_matches_skyfield():
    from skyfield.framelib import ICRS_to_J2000

    np.testing.assert_allclose(eme2000_to_gcrs(), np.asarray(ICRS_to_J2000).T, atol=1e-11)
    angle_mas = np.degrees(np.arccos((np.trace(eme2000_to_gcrs()) - 1) / 2)) * 3.6e6
    assert 15.0 < angle_mas < 30.0  # the frame bias is about 23 mas
