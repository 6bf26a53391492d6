# ruff: noqa: E501  (the case table reads best one command per line)
"""The CLI contract, tried the way a careless or hostile user would: every command with
bad input gives one line on stderr and exit code 2 (never a traceback); outputs are
checked before any work; requests too big for memory are refused with a suggestion;
Ctrl-C and SIGTERM exit 130 leaving no partial multi-file output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from beltwatch.cli import main

T0 = "2026-05-30T00:00:00Z"
T1 = "2026-05-30T01:00:00Z"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, geo_latest_path) -> dict[str, Path]:
    """Files and paths a careless user passes: binary data, a directory, a missing directory."""
    base = tmp_path_factory.mktemp("hostile")
    binary = base / "data.bin"
    binary.write_bytes(b"\xff\xfe\x00" + bytes(range(256)) * 40)
    (base / "adir").mkdir()
    (base / "full").mkdir()
    (base / "full" / "x").write_text("keep me\n")
    (base / "file.txt").write_text("a file\n")
    return {
        "bin": binary,
        "dir": base / "adir",
        "full": base / "full",
        "file": base / "file.txt",
        "missing": base / "no" / "such" / "dir" / "out",
        "tle": geo_latest_path,
        "base": base,
    }


def _cases(h: dict[str, Path]) -> list[tuple[list[str], str]]:
    """(arguments, a fragment the one-line error must contain)."""
    tle, b, d = str(h["tle"]), str(h["bin"]), str(h["dir"])
    miss, full, file = str(h["missing"]), str(h["full"]), str(h["file"])
    return [
        (["catalog", "info", "/dev/zero"], "not a regular file"),
        (["catalog", "info", b], "binary file"),
        (["catalog", "info", d], "is a directory"),
        (["propagate", "--catalog", tle, "--start", T0, "--stop", T1, "--out", d], "is a directory"),
        (["propagate", "--catalog", tle, "--start", T0, "--stop", T1, "--out", miss], "does not exist"),
        (["propagate", "--catalog", tle, "--start", T0, "--stop", "2027-05-30T00:00:00Z", "--step", "1"], "GiB"),
        (["propagate", "--catalog", tle, "--start", T0, "--stop", T1, "--step", "nan"], "step"),
        (["propagate", "--catalog", tle, "--start", "tomorrow", "--stop", T1], "start"),
        (["coverage", "--hours", "nan"], "hours"),
        (["coverage", "--hours", "-3"], "hours"),
        (["coverage", "--hours", "100000"], "GiB"),
        (["coverage", "--hours", "1", "--plot", d], "is a directory"),
        (["coverage", "--hours", "1", "--catalog", b], "binary file"),
        (["run", "--hours", "1e9"], "GiB"),
        (["run", "--hours", "nan"], "hours"),
        (["run", "--out", file], "is a file"),
        (["run", "--out", miss], "does not exist"),
        (["simulate", "frames", "--minutes", "-1", "--out", str(h["base"] / "f1")], "minutes"),
        (["simulate", "frames", "--minutes", "100000", "--out", str(h["base"] / "f2")], "GiB"),
        (["simulate", "frames", "--out", full], "not empty"),
        (["simulate", "frames", "--out", file], "is a file"),
        (["process", d, "--out", str(h["base"] / "obs.json")], "no FITS frames"),
        (["process", d, "--out", d], "is a directory"),
        (["process", d, "--out", miss], "does not exist"),
        (["process", d, "--out", str(h["base"] / "o2.json"), "--marking", "SECRET//OWNER USA"], "level"),
        (["od", "--obs", b, "--out", str(h["base"] / "od1")], "binary file"),
        (["od", "--obs", d, "--out", str(h["base"] / "od2")], "is a directory"),
        (["correlate", "--obs", b, "--catalog", tle, "--out", str(h["base"] / "c1")], "binary file"),
        (["formats", "check", b], "binary file"),
        (["formats", "check", "/dev/zero"], "not a regular file"),
        (["formats", "convert", b, "--to", "xml", "--out", str(h["base"] / "x.xml")], "binary file"),
        (["formats", "convert", file, "--to", "xml", "--out", d], "is a directory"),
        (["export", "--as", "SSN", "--what", "observations", "--format", "tdm", "--from", b, "--out", str(h["base"] / "x.tdm")], "binary file"),
        (["export", "--as", "NOBODY", "--what", "observations", "--format", "tdm", "--from", b, "--out", str(h["base"] / "y.tdm")], "unknown partner"),
        (["export", "--as", "SSN", "--what", "observations", "--format", "tdm", "--from", file, "--out", miss], "does not exist"),
        (["export", "--as", "SSN", "--what", "observations", "--format", "tdm", "--from", file, "--out", d], "is a directory"),
        (["export", "--as", "SSN", "--what", "observations", "--format", "tdm", "--from", file, "--out", str(h["base"] / "z.tdm"), "--policy", b], "binary file"),
        (["export", "--as", "SSN", "--what", "observations", "--format", "b3", "--from", file, "--out", str(h["base"] / "z.b3"), "--b3-sensor", "qzs6"], "b3-sensor"),
    ]  # fmt: skip


def test_every_command_gives_one_line_and_exit_2_on_bad_input(hostile, capsys):
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


def test_nothing_is_created_above_a_missing_directory(hostile, capsys):
    with pytest.raises(SystemExit):
        main(["run", "--hours", "1", "--out", str(hostile["missing"])])
    assert not hostile["missing"].parent.parent.parent.exists()


def test_audit_verify_names_a_binary_log_as_broken(hostile, capsys):
    with pytest.raises(SystemExit) as info:
        main(["audit", "verify", "--audit", str(hostile["bin"])])
    assert info.value.code == 1 and "not UTF-8 text" in capsys.readouterr().err


def _interrupt(args: list[str], sig: int, started: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run a command, wait until it is at work (its staging directory exists in
    ``started``), send ``sig``, and return how it ended."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from beltwatch.cli import main; main()", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: pytest-xdist workers ignore SIGINT, and a child would inherit it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 600.0
        while time.monotonic() < deadline and proc.poll() is None:
            if started.is_dir() and any(p.name.startswith(".") for p in started.iterdir()):
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the command ended before it could be interrupted"
        time.sleep(1.0)  # well inside the work
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_frame_simulation_leaves_nothing(tmp_path, sig):
    # Minutes of frames, so that the signal arrives while frames are being written.
    args = ["simulate", "frames", "--minutes", "30", "--out", "frames"]
    result = _interrupt(args, sig, tmp_path, tmp_path)
    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(tmp_path) == []  # neither the output nor a staging directory


def test_an_interrupted_run_leaves_no_run_directory(tmp_path):
    result = _interrupt(["run", "--out", "runs"], signal.SIGTERM, tmp_path / "runs", tmp_path)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "runs").iterdir()) == []
