"""B3 observations, type 9 (space-based RA/Dec with sensor position), for legacy consumers.

Fixed columns (1-based), as this project writes and reads them:

====== ==========================================================================
1      classification letter (from the policy; U when unmapped)
2-6    satellite number (5 digits; B3 needs one, so a UCT must carry a number
       from the configured UCT range)
7-9    sensor number (3 digits)
10-11  year (2 digits, 1957-2056), 12-14 day of year
15-16  hour, 17-18 minute, 19-23 seconds in milliseconds (SSsss)
24-29  declination, 1e-4 deg (DDdddd); negative: last digit overpunched (} J..R)
31-37  right ascension HHMMSSs (tenths of a second of time)
39-46  range and exponent: blank (angles only)
47-55  sensor X, 56-64 Y, 65-73 Z: Earth-fixed (ITRS), metres, signed
75     observation type: 9
====== ==========================================================================

RA/Dec are in GCRS (J2000-aligned) axes, the exchange convention. B3 carries no
uncertainty, magnitude, observer velocity or marking text: what it cannot carry
is lost, and the reader takes markings from the caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch._io import write_atomic
from beltwatch.errors import InputError
from beltwatch.frames import transform_states
from beltwatch.values import Markings, Observation

_OVERPUNCH = "}JKLMNOPQR"  # negative last digit 0..9


def _sensor_number(sensor_id: str, numbers: Mapping[str, int] | None) -> int:
    if numbers and sensor_id in numbers:
        return int(numbers[sensor_id])
    if sensor_id.isdigit() and int(sensor_id) < 1000:
        return int(sensor_id)
    raise InputError(
        f"sensor {sensor_id!r} has no 3-digit B3 sensor number; give one with --b3-sensor "
        f"{sensor_id}=NNN",
        field="sensor_id",
    )


def b3_lines(
    observations: Sequence[Observation],
    *,
    classification: str = "U",
    sensor_numbers: Mapping[str, int] | None = None,
) -> list[str]:
    """B3 type 9 lines (80 columns) of observations."""
    if not observations:
        return []
    times = Time([o.time.utc for o in observations])
    pos = np.array([o.observer_position_km for o in observations], dtype=float)
    if not np.all(np.isfinite(pos)):
        raise InputError("B3 type 9 needs the observer position", field="observer_position_km")
    itrs, _ = transform_states(pos, np.zeros_like(pos), times, "gcrs", "itrs")
    lines = []
    for obs, t, xyz in zip(observations, times, itrs, strict=True):
        if obs.norad_id is None or not 0 < obs.norad_id < 100000:
            raise InputError(
                f"B3 needs a 5-digit satellite number, observation {obs.obs_id} has {obs.norad_id}",
                field="norad_id",
            )
        ms_total = round(float(t.mjd % 1.0) * 86400000.0)
        day = t.datetime.timetuple().tm_yday
        year = t.datetime.year
        if ms_total >= 86400000:  # rounding reached midnight
            t2 = Time(t.mjd // 1 + 1, format="mjd", scale="utc")
            ms_total, day, year = 0, t2.datetime.timetuple().tm_yday, t2.datetime.year
        hh, rem = divmod(ms_total, 3600000)
        mm, sss = divmod(rem, 60000)
        dec = round(math.degrees(obs.dec_rad) * 1e4)
        dec_text = f"{abs(dec):06d}"
        if dec < 0:
            dec_text = dec_text[:-1] + _OVERPUNCH[int(dec_text[-1])]
        tenths = round((math.degrees(obs.ra_rad) % 360.0) / 15.0 * 36000.0) % 864000
        rh, rem = divmod(tenths, 36000)
        rm, rs = divmod(rem, 600)
        xyz_m = [round(float(v) * 1000.0) for v in xyz]
        if any(abs(v) >= 10**8 for v in xyz_m):
            raise InputError("sensor position beyond 99,999 km", field="observer_position_km")
        line = (
            f"{classification[:1] or 'U'}{obs.norad_id:05d}"
            f"{_sensor_number(obs.sensor_id, sensor_numbers):03d}"
            f"{year % 100:02d}{day:03d}{hh:02d}{mm:02d}{sss:05d}"
            f"{dec_text} {rh:02d}{rm:02d}{rs:03d}"
            + " " * 9
            + "".join(f"{v:9d}" for v in xyz_m)
            + " 9"
        )
        lines.append(line.ljust(80))
    return lines


def write_b3(observations: Sequence[Observation], path: str | Path, **kwargs) -> Path:
    """Write B3 type 9 lines atomically."""
    return write_atomic(path, "".join(line + "\n" for line in b3_lines(observations, **kwargs)))


def _field(line: str, start: int, stop: int, name: str, source: str, number: int) -> int:
    text = line[start - 1 : stop]
    try:
        return int(text)
    except ValueError:
        raise InputError(
            f"columns {start}-{stop}: expected digits, got {text!r}",
            source=source,
            line=number,
            field=name,
        ) from None


def parse_b3(
    text: str,
    *,
    markings: Markings,
    source: str = "<b3>",
    sensor_ids: Mapping[int, str] | None = None,
) -> list[Observation]:
    """Observations from B3 type 9 lines (other types are an error naming the line)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) < 75 or line[74] != "9":
            raise InputError(
                "expected a B3 type 9 line (type in column 75)", source=source, line=number
            )
        f = lambda a, b, n, ln=line, k=number: _field(ln, a, b, n, source, k)  # noqa: E731
        dec_text = line[23:29]
        sign = 1
        if dec_text[-1] in _OVERPUNCH:
            sign, dec_text = -1, dec_text[:-1] + str(_OVERPUNCH.index(dec_text[-1]))
        try:
            dec = sign * int(dec_text) * 1e-4
        except ValueError:
            raise InputError(
                f"columns 24-29: bad declination {line[23:29]!r}",
                source=source,
                line=number,
                field="declination",
            ) from None
        yy, ddd = f(10, 11, "year"), f(12, 14, "day")
        year = 1900 + yy if yy >= 57 else 2000 + yy
        seconds = f(15, 16, "hour") * 3600 + f(17, 18, "minute") * 60 + f(19, 23, "ms") / 1e3
        ra_h = f(31, 32, "ra") + f(33, 34, "ra") / 60 + f(35, 37, "ra") / 36000
        xyz = [f(47, 55, "x"), f(56, 64, "y"), f(65, 73, "z")]
        rows.append((line, year, ddd, seconds, dec, ra_h, xyz, f(2, 6, "satno"), f(7, 9, "sensor")))
    if not rows:
        return []
    times = Time(
        [f"{r[1]}:{r[2]:03d}:00:00:00" for r in rows], format="yday", scale="utc"
    ) + TimeDelta(np.array([r[3] for r in rows]), format="sec")
    itrs = np.array([r[6] for r in rows], dtype=float) / 1000.0
    gcrs, _ = transform_states(itrs, np.zeros_like(itrs), times, "itrs", "gcrs")
    out = []
    for i, row in enumerate(rows):
        sensor = row[8]
        out.append(
            Observation(
                obs_id=f"{Path(source).stem}-{i}",
                time=times[i],
                ra_rad=math.radians(row[5] * 15.0),
                dec_rad=math.radians(row[4]),
                ra_sigma_rad=math.nan,
                dec_sigma_rad=math.nan,
                observer_position_km=gcrs[i],
                observer_velocity_km_s=np.full(3, np.nan),
                sensor_id=(sensor_ids or {}).get(sensor, f"{sensor:03d}"),
                markings=markings,
                norad_id=row[7],
            )
        )
    return out
