"""Reading a frame: FITS pixels, the attitude-prior WCS and the metadata reduction needs.

Anything unusable raises :class:`~beltwatch.errors.InputError` naming the file and
keyword; the batch turns it into a per-frame failure record.

The header is parsed by astropy (non-compliant headers are rejected); the primary
image is read through a memory map and converted to bias-subtracted float32 in one
pass (astropy's scaled read of a 4096^2 uint16 frame costs ~6x more), with saturation
found in the integer domain. Only the primary HDU is read.
"""

from __future__ import annotations

import contextlib
import mmap
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS, FITSFixedWarning

from beltwatch.errors import InputError

REQUIRED_KEYWORDS = (
    "CTYPE1", "CTYPE2", "CRVAL1", "CRVAL2", "CRPIX1", "CRPIX2", "EXPTIME", "INSTRUME",
    "OBSGCRX", "OBSGCRY", "OBSGCRZ", "OBSGCVX", "OBSGCVY", "OBSGCVZ",
)  # fmt: skip
# A frame is "saturated" (unusable) when more than this fraction of its pixels is.
MAX_SATURATED_FRACTION = 0.5
FITS_DTYPES: dict[int, np.dtype] = {
    8: np.dtype("u1"), 16: np.dtype(">i2"), 32: np.dtype(">i4"), 64: np.dtype(">i8"),
    -32: np.dtype(">f4"), -64: np.dtype(">f8"),
}  # fmt: skip
BLOCK_ROWS = 64


@dataclass(frozen=True, eq=False)
class FrameData:
    """A frame ready for reduction.

    ``pixels``: bias-subtracted ADU, float32, C-contiguous; saturated pixels keep their
    clipped value and are listed in ``saturated_index`` (flat indices, sorted);
    ``bad``: mask of unusable (non-finite or BLANK) pixels, which hold 0 in ``pixels``,
    or None when every pixel is good (always so for integer frames without BLANK).
    """

    path: Path
    frame_id: str
    sensor_id: str
    time_mid: Time
    exposure_s: float
    pixels: np.ndarray
    wcs_prior: WCS
    observer_position_km: np.ndarray
    observer_velocity_km_s: np.ndarray
    gain_e_per_adu: float
    saturation_adu: float
    psf_sigma_px: float
    tracking: str
    saturated_index: np.ndarray
    bad: np.ndarray | None


def _number(header: fits.Header, key: str, path: Path, default: float | None = None) -> float:
    value = header.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"keyword {key} must be a number, got {value!r}", source=path, field=key
        ) from None


def _header_and_raw(buffer: mmap.mmap) -> tuple[fits.Header, np.ndarray | None]:
    """The primary header (astropy, warnings are errors) and a view of the raw image data."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a non-compliant file is rejected, not half-read
        header = fits.Header.fromfile(buffer)
    if header.get("SIMPLE") is not True:
        raise ValueError("SIMPLE = T missing")
    naxis = int(header["NAXIS"])
    if naxis == 0:
        return header, None
    dtype = FITS_DTYPES.get(int(header["BITPIX"]))
    if dtype is None:
        raise ValueError(f"BITPIX = {header['BITPIX']} is not a FITS data type")
    shape = tuple(int(header[f"NAXIS{k}"]) for k in range(naxis, 0, -1))
    count = int(np.prod(shape))
    offset = buffer.tell()
    if offset + count * dtype.itemsize > len(buffer):
        raise ValueError(
            f"data truncated ({len(buffer) - offset} of {count * dtype.itemsize} bytes)"
        )
    return header, np.frombuffer(buffer, dtype=dtype, count=count, offset=offset).reshape(shape)


def _pixels(
    raw: np.ndarray, header: fits.Header, bias: float, saturation: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(bias-subtracted float32 pixels, sorted flat indices of saturated pixels, bad mask or
    None). Converted in blocks of rows so that each block is checked while in cache."""
    bscale, bzero = float(header.get("BSCALE", 1.0)), float(header.get("BZERO", 0.0))
    blank = int(header["BLANK"]) if "BLANK" in header and raw.dtype.kind in "iu" else None
    rows, cols = raw.shape
    out = np.empty(raw.shape, np.float32)
    offset, level = np.float32(bzero - bias), np.float32(saturation - bias)
    saturated, bad_rows = [], []
    for start in range(0, rows, BLOCK_ROWS):
        block, o = raw[start : start + BLOCK_ROWS], out[start : start + BLOCK_ROWS]
        if bscale == 1.0:
            np.add(block, offset, out=o, dtype=np.float32, casting="unsafe")
        else:
            np.multiply(block, np.float32(bscale), out=o, dtype=np.float32, casting="unsafe")
            o += offset
        bad = ~np.isfinite(o) if raw.dtype.kind == "f" else None
        if blank is not None:
            bad = block == blank
        if bad is not None and bad.any():
            o[bad] = 0.0
            bad_rows.append(start)
        else:
            bad = None
        hits = np.flatnonzero(o >= level)
        if bad is not None and hits.size:
            hits = hits[~bad.ravel()[hits]]
        if hits.size:
            saturated.append(hits + start * cols)
    bad = None
    if bad_rows:  # rare (float frames with NaN, BLANK): one more pass for the full mask
        bad = ~np.isfinite(raw) if raw.dtype.kind == "f" else raw == blank
    index = np.concatenate(saturated) if saturated else np.zeros(0, np.int64)
    return out, index, bad


def read_frame(path: str | Path) -> FrameData:
    """Read and check one FITS frame (primary HDU image)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:  # the file handle is closed at once, even on a bad file
            buffer = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as exc:  # ValueError: empty file
        raise InputError(f"not a readable FITS file ({exc})", source=path) from None
    try:
        try:
            header, raw = _header_and_raw(buffer)
        except (OSError, ValueError, TypeError, KeyError, IndexError, Warning) as exc:
            raise InputError(f"not a readable FITS file ({exc})", source=path) from None
        if raw is None or raw.ndim != 2:
            raise InputError("the primary HDU holds no 2-D image", source=path)
        return _frame(path, header, raw)
    finally:
        raw = None
        with contextlib.suppress(BufferError):  # a view still held by a traceback
            buffer.close()


def _frame(path: Path, header: fits.Header, raw: np.ndarray) -> FrameData:
    missing = [k for k in REQUIRED_KEYWORDS if k not in header]
    if "DATE-AVG" not in header and "DATE-OBS" not in header:
        missing.append("DATE-AVG")
    if missing:
        raise InputError(
            f"missing FITS keywords {', '.join(missing)}", source=path, field=missing[0]
        )
    bias = _number(header, "BIASLVL", path, 0.0)
    saturation = _number(header, "SATURATE", path, 65535.0)
    pixels, saturated, bad = _pixels(raw, header, bias, saturation)
    if bad is not None and bad.all():
        raise InputError("the image has no finite pixel (all NaN)", source=path)
    fraction = saturated.size / pixels.size
    if fraction > MAX_SATURATED_FRACTION:
        raise InputError(f"{fraction:.0%} of the pixels are saturated", source=path)
    exposure = _number(header, "EXPTIME", path)
    try:
        if "DATE-AVG" in header:
            t_mid = Time(header["DATE-AVG"], scale="utc")
        else:
            start = Time(header["DATE-OBS"], scale="utc")
            t_mid = Time(start.jd1, start.jd2 + exposure / 172_800.0, format="jd", scale="utc")
    except ValueError:
        raise InputError(
            "DATE-AVG/DATE-OBS is not an ISO time", source=path, field="DATE-AVG"
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(header, naxis=2)
    except Exception as exc:  # astropy raises several types for bad WCS keywords
        raise InputError(f"invalid WCS keywords ({exc})", source=path, field="CTYPE1") from None
    if not wcs.has_celestial:
        raise InputError("the WCS is not celestial", source=path, field="CTYPE1")
    r = np.array([_number(header, f"OBSGCR{a}", path) for a in "XYZ"])
    v = np.array([_number(header, f"OBSGCV{a}", path) for a in "XYZ"])
    return FrameData(
        path=path,
        frame_id=str(header.get("FRAMEID", path.stem)),
        sensor_id=str(header["INSTRUME"]),
        time_mid=t_mid,
        exposure_s=exposure,
        pixels=pixels,
        wcs_prior=wcs,
        observer_position_km=r,
        observer_velocity_km_s=v,
        gain_e_per_adu=_number(header, "GAIN", path, 1.0),
        saturation_adu=saturation - bias,
        psf_sigma_px=_number(header, "PSFSIGMA", path, 1.0),
        tracking=str(header.get("TRACKING", "SIDEREAL")).upper(),
        saturated_index=saturated,
        bad=bad,
    )
