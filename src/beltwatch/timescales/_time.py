"""Building, parsing and formatting times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.constants import J2000_JD, SECONDS_PER_DAY
from beltwatch.errors import InputError

_DAY_OF_YEAR = re.compile(r"^(\d{4})-(\d{3})(?:T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?))?$")
_UTC_OFFSET = re.compile(r"(?<=\d)([+-])(\d{2}):?(\d{2})$")


def parse_utc(text: str, *, field: str = "time", scale: str = "utc") -> Time:
    """Parse ISO 8601 (``2026-05-24T00:00:00Z``, calendar or ``YYYY-DDDThh:mm:ss`` day-of-year,
    or with a UTC offset such as ``2026-05-24T09:00:00+09:00``).

    ``scale`` names the time system the text is in (UTC unless a message says otherwise).
    """
    cleaned = str(text).strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1]
    offset_s = 0.0
    offset = _UTC_OFFSET.search(cleaned) if "T" in cleaned or " " in cleaned else None
    if offset:
        sign, hours, minutes = offset.groups()
        if int(hours) > 23 or int(minutes) > 59:
            raise InputError(f"bad UTC offset in {text!r}", field=field)
        offset_s = (1 if sign == "+" else -1) * (3600.0 * int(hours) + 60.0 * int(minutes))
        cleaned = cleaned[: offset.start()]
    doy = _DAY_OF_YEAR.match(cleaned)
    if doy:
        year, day, hh, mm, ss = doy.groups()
        cleaned = f"{year}:{day}:{hh or '00'}:{mm or '00'}:{ss or '00'}"
        formats: tuple[str, ...] = ("yday",)
    else:
        formats = ("isot", "iso")
    for fmt in formats:
        try:
            parsed = Time(cleaned, format=fmt, scale=scale.lower())
        except ValueError:
            continue
        return parsed - TimeDelta(offset_s, format="sec") if offset_s else parsed
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


def _utc_microseconds(t: Time) -> Time:
    """A UTC view of ``t`` formatting to microseconds; ``t`` itself is left untouched
    (astropy returns the same object from ``.utc`` when it already is UTC)."""
    utc = t.utc.replicate()
    utc.precision = 6
    return utc


def format_utc(t: Time) -> list[str] | str:
    """ISO 8601 UTC with a Z, to microseconds."""
    iso = _utc_microseconds(t).isot
    if np.ndim(iso) == 0:
        return str(iso) + "Z"
    return [str(s) + "Z" for s in np.ravel(iso)]


def ccsds_time(t: Time) -> str:
    """CCSDS epoch text of one time (UTC, microseconds, no Z)."""
    return str(_utc_microseconds(t).isot)


def ccsds_times(times: Time) -> list[str]:
    """CCSDS epoch texts of a ``Time`` array (UTC, microseconds, no Z), in one call."""
    return [str(s) for s in np.ravel(_utc_microseconds(times).isot)]


def stack_utc(times: Sequence[Time]) -> Time:
    """One UTC ``Time`` array of scalar times (two-part JD kept), for vectorised formatting."""
    jd1, jd2 = np.empty(len(times)), np.empty(len(times))
    for i, t in enumerate(times):
        utc = t if t.scale == "utc" else t.utc
        jd1[i], jd2[i] = utc.jd1, utc.jd2
    return Time(jd1, jd2, format="jd", scale="utc")


def tai_seconds_since_j2000(t: Time) -> np.ndarray:
    """Seconds of TAI since JD 2451545.0 TAI (2000-01-01T12:00:00 TAI, 32.184 s before
    J2000.0 TT): the one flat time axis of vectorised code. float64 resolves ~1 us over
    a century; exact across leap seconds."""
    tai = t.tai
    return ((np.asarray(tai.jd1) - J2000_JD) + np.asarray(tai.jd2)) * SECONDS_PER_DAY


def time_from_tai_seconds(t_s: np.ndarray | float) -> Time:
    """Inverse of :func:`tai_seconds_since_j2000` (a TAI ``Time``)."""
    seconds = np.asarray(t_s, dtype=float)
    days = np.floor(seconds / SECONDS_PER_DAY)
    return Time(
        J2000_JD + days,
        (seconds - days * SECONDS_PER_DAY) / SECONDS_PER_DAY,
        format="jd",
        scale="tai",
    )
