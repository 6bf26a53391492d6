"""The analytics commands as a user runs them: JSON keys, products, plots, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs


def _one_line_error(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [x for x in result.stderr.strip().splitlines() if x.strip()]
    assert lines and lines[0].startswith("error:")
    return result.stderr


def test_pc_json_keys(run_cli, shared_data: Path) -> None:
    cdm = shared_data / "ccsds" / "cdm" / "AlfanoTestCase06.cdm"
    result = run_cli("pc", str(cdm), "--json", "--samples", "3000")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out["methods"]) == {"foster_2d", "chan", "monte_carlo"}
    assert set(out["methods"]["monte_carlo"]) == {"pc", "ci95", "samples"}
    assert out["methods"]["monte_carlo"]["samples"] == 3000
    for key in ("max_pc", "hbr_m", "miss_distance_km", "flags"):
        assert key in out
    assert out["hbr_m"] == 10.0 and out["methods"]["foster_2d"] == pytest.approx(
        0.004335455, rel=1e-3
    )
    assert any("no marking" in f for f in out["flags"])
    table = run_cli("pc", str(cdm), "--samples", "0", "--hbr-m", "12")
    assert table.returncode == 0 and "foster_2d" in table.stdout and "12 m (option)" in table.stdout


@pytest.mark.parametrize(
    "name", ["CDM-missing-TCA.txt", "CDM-wrong-key-word.txt", "OPM-wrong-keyword.txt"]
)
def test_pc_malformed_files(run_cli, shared_data: Path, name: str) -> None:
    _one_line_error(run_cli("pc", str(shared_data / "ccsds" / "bad" / name)))


def test_pc_bad_covariances_and_frames(run_cli, shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / "ccsds" / "cdm" / "AlfanoTestCase03.cdm").read_text()
    lines = text.splitlines()
    second = [i for i, x in enumerate(lines) if x.startswith("REF_FRAME")][1]
    itrf = list(lines)
    itrf[second] = itrf[second].replace("EME2000", "ITRF")
    (tmp_path / "itrf.cdm").write_text("\n".join(itrf))
    assert "REF_FRAME" in _one_line_error(run_cli("pc", str(tmp_path / "itrf.cdm")))
    gcrf = list(lines)
    gcrf[second] = gcrf[second].replace("EME2000", "GCRF")
    (tmp_path / "mixed.cdm").write_text("\n".join(gcrf))
    mixed = run_cli("pc", str(tmp_path / "mixed.cdm"), "--json", "--samples", "0")
    assert mixed.returncode == 0 and any(
        "different frames" in f for f in json.loads(mixed.stdout)["flags"]
    )
    negative = [x.replace("= 1.", "= -1.", 1) if x.startswith("CR_R") else x for x in lines]
    (tmp_path / "negative.cdm").write_text("\n".join(negative))
    assert "negative variance" in _one_line_error(run_cli("pc", str(tmp_path / "negative.cdm")))
    # A covariance that is not positive definite in the plane: remediated, flagged, computed.
    first_ct_r = next(i for i, x in enumerate(lines) if x.startswith("CT_R"))
    npd = list(lines)
    npd[first_ct_r] = "CT_R = 5.0e+03 [m**2]"  # |CT_R| > sqrt(CR_R CT_T): not a covariance
    (tmp_path / "npd.cdm").write_text("\n".join(npd))
    npd_run = run_cli("pc", str(tmp_path / "npd.cdm"), "--json", "--samples", "0")
    assert npd_run.returncode == 0, npd_run.stderr
    flags = json.loads(npd_run.stdout)["flags"]
    assert any("not positive semi-definite" in f for f in flags)


def test_maneuvers_json_and_bad_histories(run_cli, shared_data: Path, tmp_path: Path) -> None:
    history = shared_data / "geo" / "geo-tle-history.tle"
    result = run_cli("maneuvers", "--history", str(history), "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert records
    for key in ("norad_id", "epoch_utc", "type", "delta_v_m_s", "delta_v_sigma_m_s", "evidence"):
        assert key in records[0]
    assert records[0]["kind"] == "maneuver"
    (tmp_path / "empty.tle").write_text("")
    _one_line_error(run_cli("maneuvers", "--history", str(tmp_path / "empty.tle")))
    one = "\n".join(history.read_text().splitlines()[:3]) + "\n"
    (tmp_path / "one.tle").write_text(one)
    assert "two element sets" in _one_line_error(
        run_cli("maneuvers", "--history", str(tmp_path / "one.tle"))
    )


def test_screen_cdm_goes_out_through_the_release_gate(
    run_cli, shared_data: Path, tmp_path: Path
) -> None:
    catalog = shared_data / "geo" / "geo-latest.tle"
    cdm = tmp_path / "conj.cdm"
    result = run_cli(
        "screen",
        "--catalog",
        str(catalog),
        "--assets",
        "28358,42070",
        "--days",
        "1",
        "--threshold-km",
        "20",
        "--json",
        "--cdm",
        str(cdm),
    )
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert records and cdm.stat().st_size > 0
    keys = ("object1", "object2", "tca_utc", "miss_distance_km", "relative_speed_km_s", "pc")
    for key in keys:
        assert key in records[0]
    assert all(r["miss_distance_km"] < 20 for r in records)
    out = tmp_path / "jpn.cdm"
    released = run_cli(
        "export",
        "--as",
        "JPN_LIAISON",
        "--what",
        "conjunctions",
        "--format",
        "cdm",
        "--from",
        str(cdm),
        "--out",
        str(out),
        "--audit",
        str(tmp_path / "audit.jsonl"),
    )
    assert released.returncode == 0, released.stderr
    assert f"released {len(records)} of {len(records)}" in released.stdout
    assert out.read_text().count("CCSDS_CDM_VERS") == len(records)
    _one_line_error(run_cli("screen", "--catalog", str(catalog), "--assets", "999999999"))


def test_proximity_and_belt_plots(run_cli, shared_data: Path, tmp_path: Path) -> None:
    catalog = shared_data / "geo" / "geo-latest.tle"
    plot = tmp_path / "ric.html"
    result = run_cli(
        "proximity",
        "--catalog",
        str(catalog),
        "--asset",
        "28358",
        "--within-km",
        "100",
        "--days",
        "2",
        "--json",
        "--plot",
        str(plot),
    )
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert {r["norad_id"] for r in records} >= {46113}  # MEV-2, docked
    html = plot.read_text()
    assert "in-track (km)" in html and "radial (km)" in html
    chart = tmp_path / "belt.html"
    belt = run_cli(
        "belt",
        "--history",
        str(shared_data / "geo" / "geo-tle-history.tle"),
        "--json",
        "--plot",
        str(chart),
    )
    assert belt.returncode == 0, belt.stderr
    summary = json.loads(belt.stdout)
    assert summary["status_counts"]["station-kept"] > 300
    html = chart.read_text()
    data_bytes = len(html.encode()) - len(get_plotlyjs().encode())
    assert data_bytes < 1_000_000  # the chart's own data, simplified
    assert "longitude (deg east)" in html and "time (hours since" in html
    assert "#0072B2" in html  # Okabe-Ito, not plotly's default blue
    _one_line_error(run_cli("belt", "--catalog", str(catalog), "--history", str(catalog)))
    _one_line_error(run_cli("belt", "--catalog", str(catalog), "--plot", str(tmp_path)))
