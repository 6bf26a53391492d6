"""``beltwatch coverage``: JSON figures, the HTML plot, and one-line errors for bad scenarios."""

from __future__ import annotations

import json
import re

import pytest

from beltwatch.cli import main
from beltwatch.sensors import default_scenario_path


def _run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_coverage_json_and_plot(tmp_path, capsys):
    plot = tmp_path / "coverage.html"
    main(
        [
            "coverage",
            "--hours",
            "2",
            "--step",
            "300",
            "--sensor",
            "qzs6-wfc",
            "--sensor",
            "jp-dsr",
            "--json",
            "--plot",
            str(plot),
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= {
        "objects_total",
        "objects_observed",
        "fraction_observed",
        "median_revisit_h",
        "per_sensor",
    }
    assert set(summary["per_sensor"]) == {"qzs6-wfc", "jp-dsr"}
    per = summary["per_sensor"]
    combined_at_least = max(p["objects_observed"] for p in per.values())
    assert (
        combined_at_least
        <= summary["objects_observed"]
        <= sum(p["objects_observed"] for p in per.values())
    )
    assert summary["fraction_observed"] == pytest.approx(
        summary["objects_observed"] / summary["objects_total"], abs=1e-4
    )
    assert per["jp-dsr"]["survey_pointings"] == 0 and per["jp-dsr"]["followup_pointings"] > 0
    html = plot.read_text()
    assert "plotly" in html and "Fraction observed per 10 deg" in html


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (("aperture_m = 0.15", "aperture_m = -0.15"), "sensors[0].camera.aperture_m"),
        (("settle_s = 3.0", "settle_s = 3.0\nspin_rate = 1"), "sensors[0].mount.spin_rate"),
        (("focal_length_m = 0.45", "focal_length_m = 0.0001"), "sensors[0].camera"),
        (('host = "QZS-7"', 'host = "QZS-9"'), "sensors[1].host"),
    ],
)
def test_bad_scenario_is_one_line_exit_2(tmp_path, capsys, edit, key):
    text = default_scenario_path().read_text().replace(*edit, 1)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    code, out, err = _run(["coverage", "--scenario", str(path), "--json", "--no-plot"], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert key in err and "bad.toml" in err


def test_plot_that_is_not_html_is_refused_before_work(tmp_path, run_cli):
    for name in ("cov.pdf", "cov.png"):
        out = tmp_path / name
        result = run_cli("coverage", "--hours", "1e9", "--plot", str(out))  # no work is done
        assert result.returncode == 2 and "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "plot" in lines[0] and ".html" in lines[0]
        assert not out.exists()


def test_tables_read_whole_on_the_real_catalog(tmp_path, run_cli, geo_latest_path):
    result = run_cli(
        "coverage", "--catalog", str(geo_latest_path), "--hours", "2", "--step", "600",
        "--start", "2026-05-30T00:00:00Z", "--plot", str(tmp_path / "c.html"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "…" not in out and "None" not in out
    for sensor in ("qzs6-wfc", "qzs7-wfc", "bisei-1m", "jp-dsr", "all sensors"):
        rows = [line for line in out.splitlines() if line.startswith(f"│ {sensor} ")]
        assert len(rows) == 1, out  # one line per sensor, nothing wrapped
    assert "host itself" in out  # QZS-6 is in the catalog and never its own target
    # 4 element sets of the real catalog are more than 7 days older than the start
    assert result.stderr.startswith("warning: 4 of 574 element sets")
    html = (tmp_path / "c.html").read_text()
    assert not re.search(r"<script[^>]*\bsrc=", html)  # offline: plotly.js is inline
    assert "plotly.js v" in html and "not observed" in html
