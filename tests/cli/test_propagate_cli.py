"""``beltwatch propagate`` output against the library, as a user runs it."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import time_grid


@pytest.mark.parametrize("frame", ["teme", "gcrs", "itrs"])
def test_json_output_matches_library(
    tmp_path, geo_latest_path, geo_catalog, run_cli, frame: str
) -> None:
    out = tmp_path / "states.json"
    result = run_cli(
        "propagate",
        "--catalog",
        str(geo_latest_path),
        "--start",
        "2026-05-30T00:00:00Z",
        "--stop",
        "2026-05-30T00:10:00Z",
        "--step",
        "300",
        "--frame",
        frame,
        "--format",
        "json",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    records = json.loads(out.read_text())
    assert len(records) == 574 * 3
    assert set(records[0]) == {
        "norad_id",
        "epoch_utc",
        "x_km",
        "y_km",
        "z_km",
        "vx_km_s",
        "vy_km_s",
        "vz_km_s",
        "error",
    }
    eph = Sgp4Propagator(workers=1).propagate(
        geo_catalog, time_grid("2026-05-30T00:00:00Z", "2026-05-30T00:10:00Z", 300), frame
    )
    positions = np.array([[r["x_km"], r["y_km"], r["z_km"]] for r in records]).reshape(574, 3, 3)
    np.testing.assert_allclose(positions, eph.position_km, atol=1e-9)
    assert records[1]["epoch_utc"] == "2026-05-30T00:05:00.000000Z"
    assert records[0]["norad_id"] == int(geo_catalog.norad_id[0])


def test_csv_to_stdout(geo_latest_path, run_cli) -> None:
    result = run_cli(
        "propagate",
        "--catalog",
        str(geo_latest_path),
        "--start",
        "2026-05-30T00:00:00Z",
        "--stop",
        "2026-05-30T00:00:00Z",
        "--format",
        "csv",
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 574
    radius = np.linalg.norm(
        [[float(r["x_km"]), float(r["y_km"]), float(r["z_km"])] for r in rows], axis=1
    )
    assert np.all((radius > 35_000) & (radius < 50_000))
    assert {r["error"] for r in rows} == {"0"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--start", "yesterday"], "start"),
        (["--step", "-5"], "step"),
        (["--stop", "2026-05-29T00:00:00Z"], "stop"),
    ],
)
def test_bad_arguments_exit_2_with_the_field_named(
    tmp_path, geo_latest_path, run_cli, args, expected
) -> None:
    base = {"--start": "2026-05-30T00:00:00Z", "--stop": "2026-05-30T01:00:00Z", "--step": "60"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    out = tmp_path / "never.json"
    flat = [x for pair in base.items() for x in pair]
    result = run_cli("propagate", "--catalog", str(geo_latest_path), *flat, "--out", str(out))
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_help_lists_the_commands(run_cli) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "catalog", "propagate"):
        assert command in result.stdout


def _json_rows(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


GRID = ("--start", "2026-05-30T00:00:00Z", "--stop", "2026-05-30T06:00:00Z", "--step", "3600")


def test_geodetic_output_matches_skyfield_wgs84(geo_latest_path, geo_catalog, run_cli) -> None:
    """Latitude, sub-satellite longitude and altitude of the ITRS states, against skyfield's
    own WGS-84 conversion of the same positions (< 1e-7 deg, < 1 m)."""
    from skyfield.api import load, wgs84
    from skyfield.toposlib import ITRSPosition
    from skyfield.units import Distance

    from beltwatch.catalog import select_objects

    picks = ("--object", "QZS-6", "--object", "29526")  # QZS-6 and BADR-4 (i = 2 deg)
    rows = _json_rows(
        run_cli("propagate", "--catalog", str(geo_latest_path), *picks, *GRID,
                "--frame", "geodetic", "--format", "json")
    )  # fmt: skip
    assert set(rows[0]) == {
        "norad_id", "epoch_utc", "latitude_deg", "longitude_deg", "altitude_km", "error",
    }  # fmt: skip
    chosen = select_objects(geo_catalog, ["QZS-6", "29526"])
    times = time_grid(*GRID[1:4:2], 3600)
    eph = Sgp4Propagator(workers=1).propagate(chosen, times, "itrs")
    assert [r["norad_id"] for r in rows] == np.repeat(chosen.norad_id, times.size).tolist()
    xyz = eph.position_km.reshape(-1, 3)
    t = load.timescale(builtin=True).utc(2026, 5, 30)  # rotated to GCRS and back: same t
    theirs = wgs84.geographic_position_of(ITRSPosition(Distance(km=xyz.T)).at(t))
    lat = np.array([r["latitude_deg"] for r in rows])
    lon = np.array([r["longitude_deg"] for r in rows])
    alt = np.array([r["altitude_km"] for r in rows])
    assert np.max(np.abs(lat - theirs.latitude.degrees)) < 1e-7
    assert np.max(np.abs(lon - theirs.longitude.degrees)) < 1e-7
    assert np.max(np.abs(alt - theirs.elevation.km)) < 1e-3
    qzs6 = lon[np.array([r["norad_id"] for r in rows]) == 62876]
    assert np.all(np.abs(qzs6 - 90.5) < 0.3)  # its slot, near 90.5 deg E


def test_object_selection_by_number_and_name(geo_latest_path, run_cli) -> None:
    rows = _json_rows(
        run_cli("propagate", "--catalog", str(geo_latest_path), "--object", "michibiki",
                "--object", "62876", *GRID, "--format", "json")
    )  # fmt: skip
    # "michibiki" (any case) names QZS-1R, 2, 3, 4 and 6; 62876 is one of them already
    assert sorted({r["norad_id"] for r in rows}) == [42738, 42917, 42965, 49336, 62876]
    assert len(rows) == 5 * 7


def test_unknown_object_is_one_line_naming_it(tmp_path, geo_latest_path, run_cli) -> None:
    out = tmp_path / "never.csv"
    result = run_cli(
        "propagate", "--catalog", str(geo_latest_path), "--object", "QZS-6",
        "--object", "NO SUCH SAT", "--object", "99999999", *GRID, "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "'NO SUCH SAT'" in result.stderr and "'99999999'" in result.stderr
    assert "QZS-6" not in result.stderr.replace(str(geo_latest_path), "")
    assert not out.exists()


@pytest.mark.parametrize(
    ("start", "warned"),
    [("2026-05-31T00:00:00Z", False), ("2026-06-10T00:00:00Z", True)],
)
def test_stale_element_sets_are_one_warning_line(geo_latest_path, run_cli, start, warned) -> None:
    """QZS-6's set has epoch 2026-05-30.52: 0.5 days before the first start, 10.5 before
    the second (limit 7 days); a warning, never an error."""
    result = run_cli(
        "propagate", "--catalog", str(geo_latest_path), "--object", "QZS-6", "--object",
        "BADR-4", "--start", start, "--stop", start, "--format", "csv",
    )  # fmt: skip
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 3
    lines = result.stderr.strip().splitlines()
    if not warned:
        assert lines == []
        return
    assert len(lines) == 1 and lines[0].startswith("warning:")
    assert "2 of 2 element sets are more than 7 days" in lines[0]
    assert "29526 BADR-4" in lines[0] and "10.5 days before" in lines[0]
