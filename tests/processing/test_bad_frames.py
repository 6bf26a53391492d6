"""Bad frames become per-frame failure records; the batch goes on; the CLI reports them."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from astropy.io import fits

from beltwatch.cli import main
from beltwatch.processing import frame_paths, process_frames
from beltwatch.sharing import load_policy

MARKINGS = load_policy().own_markings

pytestmark = pytest.mark.shared_data


def _copy(src, dst, name, edit):
    with fits.open(src) as hdul:
        data = hdul[0].data.astype(np.float32)
        header = hdul[0].header.copy()
    data, header = edit(data, header)
    fits.PrimaryHDU(data, header=header).writeto(dst / name)


def test_bad_frames_are_reported_and_batch_goes_on(sidereal_dir, tmp_path):
    good = frame_paths(sidereal_dir)
    for p in good[:3]:
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "corrupt.fits").write_bytes(b"SIMPLE  =                    T" + b"\x00" * 100)
    _copy(good[0], tmp_path, "nowcs.fits", lambda d, h: (d, (h.remove("CTYPE1"), h)[1]))
    _copy(good[0], tmp_path, "nan.fits", lambda d, h: (np.full_like(d, np.nan), h))
    _copy(
        good[0],
        tmp_path,
        "blank.fits",
        lambda d, h: (np.random.default_rng(1).normal(200, 8, d.shape), h),
    )
    _copy(good[0], tmp_path, "saturated.fits", lambda d, h: (np.full_like(d, 65535.0), h))
    result = process_frames(frame_paths(tmp_path), markings=MARKINGS)
    reasons = {p.split("/")[-1]: r for p, r in ((f.path, f.reason) for f in result.failures)}
    assert set(reasons) == {
        "corrupt.fits",
        "nowcs.fits",
        "nan.fits",
        "blank.fits",
        "saturated.fits",
    }
    assert "CTYPE1" in reasons["nowcs.fits"]
    assert "NaN" in reasons["nan.fits"]
    assert "saturated" in reasons["saturated.fits"]
    assert "FITS" in reasons["corrupt.fits"]
    assert len(result.reductions) == 3
    assert result.observations

    out = tmp_path / "obs.json"
    main(["process", str(tmp_path), "--out", str(out)])
    records = json.loads(out.read_text())
    assert records and {"ra", "declination", "senx", "senvelx", "obTime"} <= set(records[0])
    assert len(json.loads((tmp_path / "obs.json.failures.json").read_text())) == 5


def test_missing_directory_is_exit_2(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["process", str(tmp_path / "nope"), "--out", str(tmp_path / "o.json")])
    assert exc.value.code == 2
