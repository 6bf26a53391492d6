"""Reading a frame: FITS pixels, the attitude-prior WCS and the metadata reduction needs.

Anything unusable raises :class:`~beltwatch.errors.InputError` naming the file and
keyword; the batch turns it into a per-frame failure record.
"""

from __future__ import annotations

import io
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


@dataclass(frozen=True, eq=False)
class FrameData:
    """A frame ready for reduction: bias-subtracted pixels (ADU, float32, NaN = bad)."""

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


def _number(header: fits.Header, key: str, path: Path, default: float | None = None) -> float:
    value = header.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(
            f"keyword {key} must be a number, got {value!r}", source=path, field=key
        ) from None


def read_frame(path: str | Path) -> FrameData:
    """Read and check one FITS frame (primary HDU image)."""
    path = Path(path)
    try:
        raw = io.BytesIO(path.read_bytes())  # no file handle is left open on a bad file
        with warnings.catch_warnings(), fits.open(raw) as hdul:
            warnings.simplefilter("error")  # a non-compliant file is rejected, not half-read
            header = hdul[0].header.copy()
            data = hdul[0].data
            if data is not None:
                data = np.asarray(data, dtype=np.float32)
    except (OSError, ValueError, TypeError, IndexError, Warning) as exc:
        raise InputError(f"not a readable FITS file ({exc})", source=path) from None
    if data is None or data.ndim != 2:
        raise InputError("the primary HDU holds no 2-D image", source=path)
    missing = [k for k in REQUIRED_KEYWORDS if k not in header]
    if "DATE-AVG" not in header and "DATE-OBS" not in header:
        missing.append("DATE-AVG")
    if missing:
        raise InputError(
            f"missing FITS keywords {', '.join(missing)}", source=path, field=missing[0]
        )
    finite = np.isfinite(data)
    if not finite.any():
        raise InputError("the image has no finite pixel (all NaN)", source=path)
    bias = _number(header, "BIASLVL", path, 0.0)
    saturation = _number(header, "SATURATE", path, 65535.0)
    saturated = np.count_nonzero(data >= saturation) / data.size
    if saturated > MAX_SATURATED_FRACTION:
        raise InputError(f"{saturated:.0%} of the pixels are saturated", source=path)
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
    pixels = data - np.float32(bias)
    pixels[data >= saturation] = np.nan
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
    )
