"""The fast frame reader agrees with astropy's FITS reading, pixel for pixel."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from beltwatch.errors import InputError
from beltwatch.processing import frame_paths, read_frame

pytestmark = pytest.mark.shared_data


def test_uint16_frame_matches_astropy(sidereal_dir):
    path = frame_paths(sidereal_dir)[0]
    frame = read_frame(path)
    with fits.open(path) as hdul:
        data = hdul[0].data.astype(np.float64)
        header = hdul[0].header
    expected = data - header["BIASLVL"]
    assert frame.pixels.dtype == np.float32 and frame.pixels.flags.c_contiguous
    assert np.array_equal(frame.pixels, expected.astype(np.float32))
    assert frame.bad is None
    assert frame.saturated_index.size > 0  # bright stars saturate in the test frames
    assert np.array_equal(frame.saturated_index, np.flatnonzero(data >= header["SATURATE"]))


def test_float_frame_with_nan_and_forced_saturation(sidereal_dir, tmp_path):
    path = frame_paths(sidereal_dir)[0]
    with fits.open(path) as hdul:
        data = hdul[0].data.astype(np.float32)
        header = hdul[0].header.copy()
    data[10, 20:25] = np.nan
    data[100, 200] = 70000.0
    header["SATURATE"] = 60000.0
    fits.PrimaryHDU(data, header=header).writeto(tmp_path / "f.fits")
    frame = read_frame(tmp_path / "f.fits")
    assert frame.bad is not None and np.array_equal(
        np.flatnonzero(frame.bad), 10 * 1024 + np.arange(20, 25)
    )
    assert np.all(frame.pixels[10, 20:25] == 0.0)
    assert 100 * 1024 + 200 in set(frame.saturated_index.tolist())
    good = ~frame.bad
    assert np.allclose(frame.pixels[good], (data - header["BIASLVL"])[good])


def test_truncated_file_is_an_input_error(sidereal_dir, tmp_path):
    raw = frame_paths(sidereal_dir)[0].read_bytes()
    (tmp_path / "cut.fits").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(InputError, match="truncated"):
        read_frame(tmp_path / "cut.fits")
    (tmp_path / "empty.fits").write_bytes(b"")
    with pytest.raises(InputError, match="FITS"):
        read_frame(tmp_path / "empty.fits")
