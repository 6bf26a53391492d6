"""``beltwatch serve`` as a user runs it: one clear line for a taken port, a bad store URL
or an unreachable stream; Ctrl-C stops it cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _one_error_line(result: subprocess.CompletedProcess, text: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("error:") and text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_taken_port_bad_db_and_bad_stream(run_cli, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_cli("serve", "--db", db, "--port", str(port), timeout=120)
    _one_error_line(result, f"port {port} on 127.0.0.1 is already in use")
    _one_error_line(
        run_cli("serve", "--db", "mysql://x/y", timeout=120), "unsupported database URL"
    )
    _one_error_line(
        run_cli("serve", "--db", db, "--stream", "kafka://x", timeout=120), "unsupported stream URL"
    )


def test_ctrl_c_stops_the_server(tmp_path: Path) -> None:
    port = _free_port()
    db = f"sqlite:///{tmp_path / 'c.db'}"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from beltwatch.cli import main; main()",
            "serve",
            "--db",
            db,
            "--port",
            str(port),
            "--stream",
            "memory://",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as a terminal has it (pytest-xdist workers ignore SIGINT; the child would inherit)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=2).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            assert child.poll() is None, child.communicate()[1]
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        index = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert index.status_code == 200 and "beltwatch" in index.text
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
