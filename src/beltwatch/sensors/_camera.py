"""The camera model: a TAN (gnomonic) projection with optional radial distortion as SIP terms.

Pixel coordinates are 0-based (numpy/sep convention: the centre of the first pixel
is (0, 0)); FITS headers carry 1-based CRPIX as the standard says. The world
coordinates of a frame's WCS are *apparent* directions in GCRS (ICRS-aligned) axes:
what the detector sees, aberrated by the observer's velocity (docs/conventions.md).
"""

from __future__ import annotations

import numpy as np
from astropy.wcs import WCS, Sip

from beltwatch.constants import DEG_RAD
from beltwatch.frames import radec_from_unit_vector, unit_vector_from_radec


def camera_wcs(
    cols: int,
    rows: int,
    pixel_scale_rad: float,
    ra_rad: float,
    dec_rad: float,
    roll_rad: float = 0.0,
    distortion_k_per_px2: float = 0.0,
) -> WCS:
    """WCS of a camera whose boresight (detector centre) points at (ra, dec).

    ``roll_rad``: rotation of the detector axes from north-up/east-left, counter-
    clockwise on the sky. ``distortion_k_per_px2``: radial distortion: a point at
    distance r (px) from the centre is imaged at r (1 + k r^2); written as the
    SIP A/B terms (order 3) of the pixel -> intermediate mapping, so that the WCS
    describes the distorted optics exactly to first order in k.
    """
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crpix = [(cols + 1) / 2.0, (rows + 1) / 2.0]
    w.wcs.crval = [ra_rad / DEG_RAD, dec_rad / DEG_RAD]
    scale_deg = pixel_scale_rad / DEG_RAD
    c, s = np.cos(roll_rad), np.sin(roll_rad)
    w.wcs.cd = scale_deg * np.array([[-c, s], [s, c]])
    w.wcs.radesys = "ICRS"
    w.pixel_shape = (cols, rows)
    w.wcs.set()
    if distortion_k_per_px2:
        # pixel -> undistorted: u' = u (1 - k r^2) to first order in k.
        k = -distortion_k_per_px2
        a = np.zeros((4, 4))
        b = np.zeros((4, 4))
        a[3, 0] = a[1, 2] = k
        b[0, 3] = b[2, 1] = k
        w.sip = Sip(a, b, None, None, w.wcs.crpix)
        w.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
        w.wcs.set()
    return w


def pixels_from_units(wcs: WCS, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """0-based pixel (x, y) of unit vectors (..., 3); NaN for directions well outside
    the field (more than 1.5 field half-diagonals from the reference point)."""
    u = np.asarray(unit, dtype=float)
    ra, dec = radec_from_unit_vector(u)
    boresight = unit_vector_from_radec(*np.radians(wcs.wcs.crval))
    scale_rad = np.radians(np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))))
    half_diagonal = 0.5 * scale_rad * np.hypot(*(wcs.pixel_shape or (4096, 4096)))
    with np.errstate(invalid="ignore"):
        front = u @ boresight > np.cos(min(1.5 * half_diagonal, 1.2))
    ra0, dec0 = np.radians(wcs.wcs.crval)
    x, y = wcs.all_world2pix(
        np.where(front, ra, ra0) / DEG_RAD, np.where(front, dec, dec0) / DEG_RAD, 0
    )
    return np.where(front, x, np.nan), np.where(front, y, np.nan)


def units_from_pixels(wcs: WCS, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Unit vectors (..., 3) of 0-based pixel positions."""
    ra_deg, dec_deg = wcs.all_pix2world(np.asarray(x, float), np.asarray(y, float), 0)
    return unit_vector_from_radec(np.radians(ra_deg), np.radians(dec_deg))


def rotation_about_z(angle_rad: float) -> np.ndarray:
    """Active rotation matrix about the z axis."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
