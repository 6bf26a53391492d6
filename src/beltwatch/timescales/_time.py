"""Building, parsing and formatting times."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.errors import InputError

_DAY_OF_YEAR = re.compile(r"^(\d{4})-(\d{3})(?:T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?))?$")


def parse_utc(text: str, *, field: str = "time", scale: str = "utc") -> Time:
    """Parse ISO 8601 (``2026-05-24T00:00:00Z``, calendar or ``YYYY-DDDThh:mm:ss`` day-of-year).

    ``scale`` names the time system the text is in (UTC unless a message says otherwise).
    """
    cleaned = str(text).strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1]
    doy = _DAY_OF_YEAR.match(cleaned)
    if doy:
        year, day, hh, mm, ss = doy.groups()
        cleaned = f"{year}:{day}:{hh or '00'}:{mm or '00'}:{ss or '00'}"
        formats: tuple[str, ...] = ("yday",)
    else:
        formats = ("isot", "iso")
    for fmt in formats:
        try:
            return Time(cleaned, format=fmt, scale=scale.lower())
        except ValueError:
            continue
    raise InputError(
        f"expected an ISO 8601 time like 2026-05-24T00:00:00Z or 2026-144T00:00:00, got {text!r}",
        field=field,
    )


def as_time(value: Time | str | datetime, *, field: str = "time") -> Time:
    """Accept a Time, an ISO string or a datetime (naive means UTC) and return a Time."""
    if isinstance(value, Time):
        return value
    if isinstance(value, str):
        return parse_utc(value, field=field)
    if isinstance(value, datetime):
        return Time(value, scale="utc")
    raise InputError(f"expected a time, got {type(value).__name__}", field=field)


def time_grid(start: Time | str, stop: Time | str, step_s: float) -> Time:
    """Times from ``start`` to ``stop`` inclusive (when on the grid) every ``step_s`` seconds."""
    start_t, stop_t = as_time(start, field="start"), as_time(stop, field="stop")
    if not step_s > 0:
        raise InputError(f"step must be positive seconds, got {step_s}", field="step")
    span_s = seconds_between(start_t, stop_t)
    if span_s < 0:
        raise InputError("stop is before start", field="stop")
    count = int(np.floor(span_s / step_s + 1e-9)) + 1
    return start_t + TimeDelta(np.arange(count) * step_s, format="sec")


def seconds_between(a: Time, b: Time) -> np.ndarray | float:
    """``b - a`` in SI seconds (TAI), exact across leap seconds."""
    return (b.tai - a.tai).to_value("sec")


def jd_pair(t: Time, scale: str = "utc") -> tuple[np.ndarray, np.ndarray]:
    """Two-part Julian date (astropy's jd1, jd2) in ``scale``, as 1-d float arrays."""
    in_scale = getattr(t, scale)
    return (
        np.atleast_1d(np.asarray(in_scale.jd1, dtype=float)),
        np.atleast_1d(np.asarray(in_scale.jd2, dtype=float)),
    )


def format_utc(t: Time) -> list[str] | str:
    """ISO 8601 UTC with a Z, to microseconds."""
    utc = t.utc
    utc.precision = 6
    iso = utc.isot
    if np.ndim(iso) == 0:
        return str(iso) + "Z"
    return [str(s) + "Z" for s in np.ravel(iso)]
