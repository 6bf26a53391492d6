# ruff: noqa: E501  (the case table reads best one command per line)
"""The analytics commands under the CLI contract: hostile input is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from beltwatch.cli import main


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, shared_data: Path) -> dict[str, str]:
    base = tmp_path_factory.mktemp("hostile_analytics")
    binary = base / "data.bin"
    binary.write_bytes(b"\xff\xfe\x00" + bytes(range(256)) * 40)
    (base / "adir").mkdir()
    return {
        "bin": str(binary),
        "dir": str(base / "adir"),
        "missing": str(base / "no" / "such" / "plot.html"),
        "tle": str(shared_data / "geo" / "geo-latest.tle"),
        "cdm": str(shared_data / "ccsds" / "cdm" / "AlfanoTestCase01.cdm"),
        "opm": str(shared_data / "ccsds" / "odm" / "opm" / "OPMExample1.txt"),
    }


def _cases(h: dict[str, str]) -> list[tuple[list[str], str]]:
    tle, b, d, miss = h["tle"], h["bin"], h["dir"], h["missing"]
    return [
        (["maneuvers", "--history", b], "binary file"),
        (["maneuvers", "--history", d], "is a directory"),
        (["maneuvers", "--history", "/dev/zero"], "not a regular file"),
        (["screen", "--catalog", tle, "--days", "nan"], "days"),
        (["screen", "--catalog", tle, "--threshold-km", "-1"], "threshold-km"),
        (["screen", "--catalog", tle, "--cdm", d], "is a directory"),
        (["screen", "--catalog", tle, "--assets", "abc"], "NORAD ids"),
        (["screen", "--catalog", b], "binary file"),
        (["pc", b], "binary file"),
        (["pc", d], "is a directory"),
        (["pc", h["cdm"], "--hbr-m", "-1"], "hbr-m"),
        (["pc", h["cdm"], "--samples", "-5"], "samples"),
        (["pc", h["opm"]], "two orbits"),
        (["pc", h["cdm"], "--marking", "SECRET//OWNER USA"], "level"),
        (["proximity", "--catalog", tle, "--asset", "1", "--days", "1"], "not in the catalog"),
        (["proximity", "--catalog", tle, "--asset", "62876", "--within-km", "0"], "within-km"),
        (["proximity", "--catalog", tle, "--asset", "62876", "--plot", d], "is a directory"),
        (["proximity", "--catalog", tle, "--asset", "62876", "--plot", miss], "does not exist"),
        (["proximity", "--catalog", tle, "--asset", "62876", "--plot", str(Path(d).parent / "x.pdf")], ".html"),
        (["belt", "--catalog", tle, "--days", "100"], "days"),
        (["belt", "--history", b], "binary file"),
        (["belt"], "one of --catalog or --history"),
    ]  # fmt: skip


def test_every_analytics_command_gives_one_line_and_exit_2(hostile, capsys):
    failures = []
    for args, fragment in _cases(hostile):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code
        err = capsys.readouterr().err.strip()
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if code != 2 or len(lines) != 1 or fragment not in err or "Traceback" in err:
            failures.append(f"{' '.join(args)}: exit {code}, stderr {err[:300]!r}")
    assert failures == [], "\n".join(failures)
