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
