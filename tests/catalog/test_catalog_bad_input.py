"""Bad catalog input: one clear error naming file and line, exit code 2; --skip-bad reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beltwatch.catalog import load_catalog
from beltwatch.errors import InputError

GOOD_3LE = """ISS (ZARYA)
1 25544U 98067A   26150.50000000  .00016717  00000-0  30270-3 0  9993
2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.49812011 12344
"""


def good_lines() -> list[str]:
    from beltwatch.catalog._tle import tle_checksum

    name, l1, l2 = GOOD_3LE.splitlines()
    l1, l2 = l1[:68] + str(tle_checksum(l1)), l2[:68] + str(tle_checksum(l2))
    return [name, l1, l2]


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, int | None]]:
    name, l1, l2 = good_lines()
    wrong_checksum = l1[:68] + str((int(l1[68]) + 1) % 10)
    omm = {
        "OBJECT_NAME": "X",
        "NORAD_CAT_ID": 1,
        "EPOCH": "2026-05-30T00:00:00",
        "ECCENTRICITY": 0.1,
        "INCLINATION": 1,
        "RA_OF_ASC_NODE": 1,
        "ARG_OF_PERICENTER": 1,
        "MEAN_ANOMALY": 1,
    }
    return {
        "checksum": (
            write(tmp_path, "checksum.tle", "\n".join([name, wrong_checksum, l2, *good_lines()])),
            2,
        ),
        "truncated": (
            write(tmp_path, "truncated.tle", "\n".join([*good_lines(), name, l1, l2[:50]])),
            6,
        ),
        "omm_missing_mean_motion": (write(tmp_path, "omm.json", json.dumps([omm])), None),
        "empty": (write(tmp_path, "empty.tle", ""), None),
        "binary": (write(tmp_path, "binary.tle", bytes(range(256)) * 4), None),
        "orphan_line2": (write(tmp_path, "orphan.tle", "\n".join([*good_lines(), l2])), 4),
    }


@pytest.mark.parametrize(
    "case", ["checksum", "truncated", "omm_missing_mean_motion", "empty", "binary", "orphan_line2"]
)
def test_bad_file_raises_input_error_naming_file_and_line(tmp_path: Path, case: str) -> None:
    path, line = bad_files(tmp_path)[case]
    with pytest.raises(InputError) as info:
        load_catalog(path)
    error = info.value
    assert error.source == str(path)
    assert error.line == line
    if case == "omm_missing_mean_motion":
        assert error.field == "MEAN_MOTION"
    assert str(path) in str(error)


@pytest.mark.parametrize(
    "case", ["checksum", "truncated", "omm_missing_mean_motion", "empty", "binary"]
)
def test_cli_prints_one_error_line_and_exits_2(tmp_path: Path, case: str, run_cli) -> None:
    path, line = bad_files(tmp_path)[case]
    result = run_cli("catalog", "info", str(path))
    assert result.returncode == 2
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and str(path) in lines[0]
    if line is not None:
        assert f"line {line}" in lines[0]
    assert "Traceback" not in result.stderr


def test_skip_bad_loads_the_good_records_and_reports_the_bad(tmp_path: Path, run_cli) -> None:
    name, l1, l2 = good_lines()
    wrong = l1[:68] + str((int(l1[68]) + 1) % 10)
    path = write(
        tmp_path, "mixed.tle", "\n".join([name, wrong, l2, *good_lines(), name, l1, l2[:40]])
    )
    result = load_catalog(path, skip_bad=True)
    assert len(result.catalog) == 1
    assert [e.line for e in result.rejected] == [2, 9]
    cli = run_cli("catalog", "info", str(path), "--skip-bad", "--json")
    assert cli.returncode == 0
    assert json.loads(cli.stdout)["rejected"] == 2
    assert "line 2" in cli.stderr and "line 9" in cli.stderr


def test_missing_file_and_directory(tmp_path: Path, run_cli) -> None:
    for target in (tmp_path / "nope.tle", tmp_path):
        result = run_cli("catalog", "info", str(target))
        assert (
            result.returncode == 2
            and "error:" in result.stderr
            and "Traceback" not in result.stderr
        )


def test_bad_ccsds_omm_names_line_and_keyword(shared_data: Path) -> None:
    path = shared_data / "ccsds" / "bad" / "OMM-wrong-keyword.txt"
    with pytest.raises(InputError) as info:
        load_catalog(path)
    assert info.value.line == 9 and info.value.field == "WRONG_KEYWORD"
