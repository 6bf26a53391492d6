"""Time parsing, grids and Earth orientation without downloads."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time

from beltwatch.errors import InputError
from beltwatch.timescales import (
    ccsds_time,
    ccsds_times,
    earth_orientation,
    format_utc,
    parse_utc,
    seconds_between,
    tai_seconds_since_j2000,
    time_from_tai_seconds,
    time_grid,
)


def test_parse_formats_agree() -> None:
    a = parse_utc("2007-03-05T10:34:41.4264Z")
    b = parse_utc("2007-064T10:34:41.4264")
    c = parse_utc("2007-03-05 10:34:41.4264")
    assert abs(seconds_between(a, b)) < 1e-6 and abs(seconds_between(a, c)) < 1e-6
    assert format_utc(a) == "2007-03-05T10:34:41.426400Z"


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01T00:00:00", "2026-05-30T25:00:00Z"])
def test_bad_times_name_the_field(text: str) -> None:
    with pytest.raises(InputError, match="field start"):
        parse_utc(text, field="start")


def test_grid_spans_a_leap_second_exactly() -> None:
    grid = time_grid("2016-12-31T23:59:00Z", "2017-01-01T00:01:00Z", 30.0)
    assert len(grid) == 5  # 121 SI seconds: 23:59:00 .. 00:00:59
    np.testing.assert_allclose(np.diff((grid.tai - grid[0].tai).to_value("sec")), 30.0, atol=1e-6)


def test_earth_orientation_is_bundled_and_plausible() -> None:
    eop = earth_orientation(parse_utc("2026-05-30T00:00:00Z"))
    assert abs(eop.ut1_minus_utc_s[0]) < 0.9
    assert 0 < abs(eop.xp_rad[0]) < 2e-6 and 0 < abs(eop.yp_rad[0]) < 3e-6


@pytest.mark.parametrize("formatter", [format_utc, ccsds_time, ccsds_times])
def test_formatting_leaves_the_callers_time_untouched(formatter) -> None:
    t = Time(["2026-05-30T00:00:00.123456789"], scale="utc", precision=2)
    text = formatter(t if formatter is ccsds_times else t[0])
    assert t.precision == 2 and t[0].isot == "2026-05-30T00:00:00.12"
    assert "00:00:00.123457" in (text if isinstance(text, str) else text[0])


def test_tai_seconds_since_j2000_is_exact_across_a_leap_second() -> None:
    # The origin is JD 2451545.0 on the TAI scale (2000-01-01T12:00:00 TAI).
    j2000 = Time("2000-01-01T12:00:00", scale="tai")
    assert float(tai_seconds_since_j2000(j2000)) == pytest.approx(0.0, abs=1e-6)
    before = parse_utc("2016-12-31T23:59:59Z")
    after = parse_utc("2017-01-01T00:00:00Z")  # a leap second between them
    step = tai_seconds_since_j2000(after) - tai_seconds_since_j2000(before)
    assert step == pytest.approx(2.0, abs=1e-6)
    grid = time_grid("2026-05-30T00:00:00Z", "2026-06-06T00:00:00Z", 977.0)
    back = time_from_tai_seconds(tai_seconds_since_j2000(grid))
    assert np.max(np.abs(seconds_between(grid, back))) < 1e-6


def test_utc_offsets_are_accepted() -> None:
    tokyo = parse_utc("2026-05-30T09:00:00+09:00")
    assert format_utc(tokyo) == "2026-05-30T00:00:00.000000Z"
    assert format_utc(parse_utc("2026-05-29T19:30:00-0430")) == "2026-05-30T00:00:00.000000Z"
    with pytest.raises(InputError, match="offset"):
        parse_utc("2026-05-30T09:00:00+25:00")
