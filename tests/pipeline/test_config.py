"""Scenario files: every shipped scenario loads, the top-level copies equal the embedded
ones, and a bad file is one line naming the key, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from beltwatch.errors import InputError
from beltwatch.pipeline import embedded_scenarios, load_run_scenario, scenario_from_text

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_scenario_loads_and_the_top_level_copies_are_the_embedded_ones():
    shipped = embedded_scenarios()
    assert {"default", "exercise", "qzs6-only", "qzs6-qzs7", "real-geo"} <= set(shipped)
    for name, text in shipped.items():
        config, source = load_run_scenario(name)
        assert source == f"embedded:{name}"
        assert config.name
        top = ROOT / "scenarios" / f"{name}.toml"
        assert top.read_text(encoding="utf-8") == text, f"scenarios/{name}.toml differs"
    assert load_run_scenario("qzs6-only")[0].observe.hosts == ("QZS-6",)
    assert load_run_scenario(None)[0].observe.hosts == ("QZS-6", "QZS-7")


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[run]\nhourz = 3\n", "run.hourz", "unknown key"),
        ("[run]\nhours = -1\n", "run.hours", "greater than 0"),
        ("[observe]\nfidelity = 'pixels'\n", "observe.fidelity", "measurements"),
        ("[inject.maneuver]\ndelta_v_m_s = 1.0\n", "inject.maneuver.after_hours", "required"),
        ("[catalog]\nmissing_fraction = 'lots'\n", "catalog.missing_fraction", "number"),
        ("colour = 'blue'\n", "colour", "unknown key"),
    ],
)
def test_a_bad_scenario_names_the_key(text, key, fragment):
    with pytest.raises(InputError) as info:
        scenario_from_text(text, "bad.toml")
    assert info.value.field == key
    assert info.value.source == "bad.toml"
    assert fragment in str(info.value)


def test_not_toml_names_the_file():
    with pytest.raises(InputError, match="not valid TOML") as info:
        scenario_from_text("[run\nhours = 1", "broken.toml")
    assert info.value.source == "broken.toml"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[run]\nhours = 'ten'\n", "field run.hours"),
        ("[analytics]\nscreening_dayz = 2\n", "field analytics.screening_dayz"),
    ],
)
def test_the_cli_gives_one_line_and_exit_2_for_a_bad_scenario(tmp_path, run_cli, text, fragment):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    result = run_cli("run", "--scenario", str(bad), "--out", str(tmp_path / "runs"))
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and fragment in lines[0] and str(bad) in lines[0], result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_an_unknown_scenario_name_lists_the_embedded_ones(tmp_path, run_cli):
    result = run_cli("run", "--scenario", "no-such-day", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "embedded ones: default, exercise" in result.stderr
