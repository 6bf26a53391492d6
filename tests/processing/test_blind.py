"""Blind plate solving: a frame whose attitude prior is off by several fields still solves."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from beltwatch.processing import ReductionError, frame_paths, read_frame, reduce_frame
from beltwatch.simulation import read_truth
from beltwatch.stars import hipparcos

pytestmark = pytest.mark.shared_data


def _mispointed(src, dst, dra_deg, ddec_deg, droll_deg):
    """Copy of a frame whose header WCS (the prior) is shifted and rolled."""
    with fits.open(src) as hdul:
        data, header = hdul[0].data, hdul[0].header.copy()
    wcs = WCS(header, naxis=2)
    wcs.wcs.crval = np.add(wcs.wcs.crval, [dra_deg, ddec_deg])
    c, s = np.cos(np.radians(droll_deg)), np.sin(np.radians(droll_deg))
    wcs.wcs.pc = wcs.wcs.get_pc() @ np.array([[c, -s], [s, c]])
    header.update(wcs.to_header(relax=True))
    fits.PrimaryHDU(data, header=header).writeto(dst)
    return dst


def _pixel_error(wcs: WCS, true: WCS, shape, scale_deg) -> float:
    yy, xx = np.mgrid[0 : shape[0] : 64, 0 : shape[1] : 64]
    a = np.array(wcs.all_pix2world(xx.ravel(), yy.ravel(), 0))
    b = np.array(true.all_pix2world(xx.ravel(), yy.ravel(), 0))
    d_ra = ((a[0] - b[0] + 180.0) % 360.0 - 180.0) * np.cos(np.radians(b[1]))
    return float(np.hypot(d_ra, a[1] - b[1]).max() / scale_deg)


def test_prior_off_by_several_fields_is_solved_blind(sidereal_dir, tmp_path):
    source = frame_paths(sidereal_dir)[0]
    # The 4.4 deg field is moved by ~22 deg (5 fields) and turned upside down.
    path = _mispointed(source, tmp_path / "off.fits", -20.0, 10.0, 180.0)
    catalog = hipparcos()
    with pytest.raises(ReductionError):  # prior matching and the roll search cannot do it
        reduce_frame(read_frame(path), catalog, blind_radius_rad=0.0)
    blind = reduce_frame(read_frame(path), catalog)
    assert blind.solution.method == "blind"
    assert blind.solution.n_stars >= 10
    true = WCS(fits.Header.fromstring(read_truth(source)["true_wcs"]))
    scale_deg = np.sqrt(abs(np.linalg.det(true.pixel_scale_matrix)))
    shape = blind.frame.pixels.shape
    assert _pixel_error(blind.solution.wcs, true, shape, scale_deg) < 0.1
    # the same RSO candidates as with the good prior, at the same places
    normal = reduce_frame(read_frame(source), catalog)
    assert normal.solution.method == "prior"
    assert len(blind.candidates) == len(normal.candidates) > 10
    sep = np.arccos(np.clip(np.sum(blind.candidates.unit * normal.candidates.unit, 1), -1, 1))
    assert sep.max() / np.radians(scale_deg) < 0.05
