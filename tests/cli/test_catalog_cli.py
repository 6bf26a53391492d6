"""``beltwatch catalog info`` on the real GEO catalog, as a user runs it."""

from __future__ import annotations

import json

import numpy as np
from skyfield.api import EarthSatellite, load, wgs84

AT = "2026-06-01T00:00:00Z"


def _qzs6_lines(geo_latest_path) -> tuple[str, str]:
    lines = geo_latest_path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("1 62876"))
    return lines[at], lines[at + 1]


def test_one_object_in_json_against_skyfield(geo_latest_path, run_cli) -> None:
    """Longitude at epoch and drift of QZS-6 against skyfield's own SGP4 and Earth model:
    the sub-satellite longitude at the epoch and one sidereal day later."""
    result = run_cli("catalog", "info", str(geo_latest_path), "--object", "qzs-6", "--at", AT,
                     "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (record,) = json.loads(result.stdout)
    assert record["norad_id"] == 62876 and record["name"] == "QZS-6 (MICHIBIKI-6)"
    assert record["intl_designator"] == "2025-023A"
    assert record["orbit_class"] == "GEO" and record["element_sets"] == 1
    assert record["epoch_utc"].startswith("2026-05-30T12:30:20")
    assert abs(record["age_days"] - (1.0 + (11 * 3600 + 29 * 60 + 40) / 86400)) < 1e-3
    assert abs(record["inclination_deg"] - 0.0117) < 1e-9

    ts = load.timescale(builtin=True)
    sat = EarthSatellite(*_qzs6_lines(geo_latest_path), ts=ts)
    epoch = sat.epoch
    sidereal_day = 1.0 / 1.002737909350795
    lon0, lon1 = (
        wgs84.subpoint_of(sat.at(t)).longitude.degrees for t in (epoch, epoch + sidereal_day)
    )
    assert abs(record["longitude_deg"] - lon0) < 1e-4  # printed to 1e-4 deg
    assert abs(record["drift_deg_per_day"] - (lon1 - lon0) / sidereal_day) < 1e-3


def test_several_objects_make_one_readable_table(geo_latest_path, run_cli) -> None:
    result = run_cli("catalog", "info", str(geo_latest_path), "--object", "michibiki",
                     "--object", "29526", "--at", AT)  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("QZS-1R (MICHIBIKI-1R)", "QZS-6 (MICHIBIKI-6)", "BADR-4"):
        assert name in out
    assert "…" not in out and "None" not in out
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == 6  # one line per object: nothing wrapped


def test_one_object_table_and_the_whole_file_summary(geo_latest_path, run_cli) -> None:
    one = run_cli("catalog", "info", str(geo_latest_path), "--object", "62876", "--at", AT)
    assert one.returncode == 0, one.stderr
    for text in ("2025-023A", "longitude at epoch (deg E)", "+90.5", "drift (deg/day"):
        assert text in one.stdout
    whole = run_cli("catalog", "info", str(geo_latest_path))
    assert whole.returncode == 0 and "574" in whole.stdout
    assert "…" not in whole.stdout and "None" not in whole.stdout


def test_objects_not_found_are_named_in_one_line(geo_latest_path, run_cli) -> None:
    result = run_cli("catalog", "info", str(geo_latest_path), "--object", "QZS-6",
                     "--object", "nosuch", "--object", "1")  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'nosuch'" in lines[0] and "'1'" in lines[0]
    assert "Traceback" not in result.stderr


def test_selection_matches_numbers_exactly_and_names_in_part(geo_catalog) -> None:
    from beltwatch.catalog import object_rows

    assert object_rows(geo_catalog, "62876").sum() == 1
    assert object_rows(geo_catalog, "6287").sum() == 0  # numbers are never partial
    assert object_rows(geo_catalog, "25023a").sum() == 1  # designator, TLE form
    assert object_rows(geo_catalog, "2025-023A").sum() == 1  # designator, COSPAR form
    exact = object_rows(geo_catalog, "qzs-6 (michibiki-6)")
    part = object_rows(geo_catalog, "MICHIBIKI")
    assert exact.sum() == 1 and part.sum() == 5 and np.all(part[exact])
