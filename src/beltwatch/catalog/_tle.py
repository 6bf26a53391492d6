"""TLE / 3LE reading and writing, with checksums and Alpha-5 catalog numbers."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from astropy.time import Time

from beltwatch.catalog._catalog import Catalog
from beltwatch.constants import DEG_RAD
from beltwatch.errors import InputError
from beltwatch.identifiers import alpha5_to_int, int_to_alpha5
from beltwatch.values import ElementSet

TLE_LINE_LENGTH = 69


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of the first 68 columns (digits count their value, '-' counts 1)."""
    total = 0
    for char in line[:68]:
        if char.isdigit():
            total += int(char)
        elif char == "-":
            total += 1
    return total % 10


def _implied_decimal(field: str) -> float:
    """Parse ' 12345-3' style fields: mantissa with implied leading '0.', signed exponent."""
    text = field.strip()
    if not text:
        return 0.0
    sign = -1.0 if text[0] == "-" else 1.0
    text = text.lstrip("+-")
    mantissa, exponent = text[:-2], text[-2:]
    return sign * float("0." + mantissa.strip()) * 10.0 ** int(exponent)


def _jan0_jd(year: int) -> float:
    """Julian date of 0 January of ``year`` at 0h UTC (valid 1901-2099)."""
    return 367 * year - (7 * year) // 4 + 30 + 1721013.5


def _epoch_jd(two_digit_year: int, day_of_year: float) -> tuple[float, float]:
    """TLE epoch (57-99 -> 19xx, 00-56 -> 20xx) as a UTC Julian date pair."""
    year = two_digit_year + (1900 if two_digit_year >= 57 else 2000)
    jan0 = _jan0_jd(year)
    whole_day = math.floor(day_of_year)
    return float(jan0 + whole_day), day_of_year - whole_day


def _field(line: str, start: int, stop: int, what: str, source: str, lineno: int) -> str:
    """1-based inclusive columns of a TLE line."""
    if len(line) < stop:
        raise InputError(
            f"TLE line too short ({len(line)} characters) for {what} in columns {start}-{stop}",
            source=source,
            line=lineno,
        )
    return line[start - 1 : stop]


def parse_tle_pair(
    name: str,
    line1: str,
    line2: str,
    *,
    source: str = "<text>",
    lineno: int = 1,
    verify_checksum: bool = True,
) -> ElementSet:
    """One element set from its two lines; ``lineno`` is the file line of ``line1``."""
    for number, line, at in (("1", line1, lineno), ("2", line2, lineno + 1)):
        if not line.startswith(number + " "):
            raise InputError(
                f"expected TLE line {number}, got {line[:20]!r}", source=source, line=at
            )
        if len(line.rstrip()) < TLE_LINE_LENGTH:
            raise InputError(
                f"truncated TLE line {number}: {len(line.rstrip())} of 69 characters",
                source=source,
                line=at,
            )
        if verify_checksum:
            printed = line[68]
            if not printed.isdigit() or int(printed) != tle_checksum(line):
                raise InputError(
                    f"TLE line {number} checksum is {printed!r}, computed {tle_checksum(line)}",
                    source=source,
                    line=at,
                )

    def num(line: str, start: int, stop: int, what: str, at: int, parse=float):
        text = _field(line, start, stop, what, source, at)
        try:
            return parse(text)
        except ValueError as exc:
            raise InputError(
                f"bad {what} in columns {start}-{stop}: {text!r}", source=source, line=at
            ) from exc

    id1 = num(line1, 3, 7, "catalog number", lineno, alpha5_to_int)
    id2 = num(line2, 3, 7, "catalog number", lineno + 1, alpha5_to_int)
    if id1 != id2:
        raise InputError(
            f"catalog numbers differ between lines ({id1} vs {id2})", source=source, line=lineno + 1
        )
    year = num(line1, 19, 20, "epoch year", lineno, int)
    day = num(line1, 21, 32, "epoch day", lineno, float)
    if not 1.0 <= day < 367.0:
        raise InputError(f"epoch day of year {day} out of range", source=source, line=lineno)
    jd1, jd2 = _epoch_jd(year, day)
    ecc = num(line2, 27, 33, "eccentricity", lineno + 1, lambda s: float("0." + s.strip()))
    mean_motion = num(line2, 53, 63, "mean motion", lineno + 1, float)
    if not mean_motion > 0:
        raise InputError(
            f"mean motion must be positive, got {mean_motion}", source=source, line=lineno + 1
        )
    ephem = line1[62].strip() if len(line1) > 62 else ""
    return ElementSet(
        norad_id=id1,
        name=name.strip(),
        intl_designator=line1[9:17].strip(),
        classification=line1[7].strip() or "U",
        epoch=Time(jd1, jd2, format="jd", scale="utc"),
        mean_motion_rev_per_day=mean_motion,
        eccentricity=ecc,
        inclination_rad=num(line2, 9, 16, "inclination", lineno + 1) * DEG_RAD,
        raan_rad=num(line2, 18, 25, "right ascension of the node", lineno + 1) * DEG_RAD,
        arg_perigee_rad=num(line2, 35, 42, "argument of perigee", lineno + 1) * DEG_RAD,
        mean_anomaly_rad=num(line2, 44, 51, "mean anomaly", lineno + 1) * DEG_RAD,
        bstar=num(line1, 54, 61, "BSTAR", lineno, _implied_decimal),
        ndot_over_2=num(line1, 34, 43, "mean motion derivative", lineno, float),
        nddot_over_6=num(line1, 45, 52, "mean motion second derivative", lineno, _implied_decimal),
        element_set_no=int(line1[64:68]) if line1[64:68].strip().isdigit() else 999,
        rev_at_epoch=int(line2[63:68]) if line2[63:68].strip().isdigit() else 0,
        ephemeris_type=int(ephem) if ephem.isdigit() else 0,
    )


def iter_tle_records(
    lines: list[str], source: str
) -> Iterator[tuple[int, str, str, str] | InputError]:
    """Group text lines into (first line number, name, line1, line2) records.

    Unparseable groupings are yielded as InputError so a caller may skip them.
    Lines starting with '#' and blank lines are ignored.
    """
    i, n = 0, len(lines)
    name = ""
    while i < n:
        line = lines[i].rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            i += 1
            continue
        if line.startswith("1 "):
            if i + 1 < n and lines[i + 1].startswith("2 "):
                yield (i + 1, name, line, lines[i + 1].rstrip("\r\n"))
                i += 2
            else:
                yield InputError("TLE line 1 without a following line 2", source=source, line=i + 1)
                i += 1
            name = ""
            continue
        if line.startswith("2 "):
            yield InputError("TLE line 2 without a preceding line 1", source=source, line=i + 1)
            i += 1
            continue
        name = line[2:] if line.startswith("0 ") else line
        i += 1


def _format_implied(value: float) -> str:
    """' 12345-3' style: sign, 5-digit mantissa, signed exponent digit."""
    if value == 0.0:
        return " 00000+0"
    exponent = int(np.floor(np.log10(abs(value)))) + 1
    mantissa = round(abs(value) / 10.0**exponent * 1e5)
    if mantissa >= 100_000:
        mantissa //= 10
        exponent += 1
    sign = "-" if value < 0 else " "
    return f"{sign}{mantissa:05d}{'-' if exponent < 0 else '+'}{abs(exponent):d}"


def _format_ndot(value: float) -> str:
    text = f"{value: .8f}".replace("0.", ".", 1)
    return text.rjust(10)


def format_tle(catalog: Catalog, *, three_line: bool = True) -> str:
    """TLE text for every row (names on a '0 ' line when three_line)."""
    out: list[str] = []
    epochs = catalog.epoch.utc
    for i in range(len(catalog)):
        year = int(epochs[i].datetime.year)
        day = (epochs.jd1[i] - _jan0_jd(year)) + epochs.jd2[i]
        sat = int_to_alpha5(int(catalog.norad_id[i]))
        cls = str(catalog.classification[i] or "U")[:1]
        intl = str(catalog.intl_designator[i])[:8].ljust(8)
        line1 = (
            f"1 {sat}{cls} {intl} {year % 100:02d}{day:012.8f} "
            f"{_format_ndot(catalog.ndot_over_2[i])} "
            f"{_format_implied(catalog.nddot_over_6[i])} {_format_implied(catalog.bstar[i])} "
            f"{int(catalog.ephemeris_type[i]) % 10:d} {int(catalog.element_set_no[i]) % 10000:4d}"
        )
        deg = 180.0 / np.pi
        ecc = f"{catalog.eccentricity[i]:.7f}"[2:]
        line2 = (
            f"2 {sat} {catalog.inclination_rad[i] * deg:8.4f} "
            f"{np.mod(catalog.raan_rad[i] * deg, 360):8.4f} "
            f"{ecc} {np.mod(catalog.arg_perigee_rad[i] * deg, 360):8.4f} "
            f"{np.mod(catalog.mean_anomaly_rad[i] * deg, 360):8.4f} "
            f"{catalog.mean_motion_rev_per_day[i]:11.8f}{int(catalog.rev_at_epoch[i]) % 100000:5d}"
        )
        line1 += str(tle_checksum(line1))
        line2 += str(tle_checksum(line2))
        if three_line:
            out.append(f"0 {catalog.name[i]}" if catalog.name[i] else "0 UNKNOWN")
        out.extend([line1, line2])
    return "\n".join(out) + ("\n" if out else "")
