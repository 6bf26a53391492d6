"""README.md's commands are true: every line parses against the real CLI (no unknown
command or option), and every command it shows is run by some test."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from beltwatch.cli import main

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[list[str]]:
    """The ``beltwatch ...`` lines of the README's code blocks (continuations joined,
    comments dropped), as argument lists without the program name."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    commands = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line.startswith("beltwatch "):
            commands.append(shlex.split(line)[1:])
    return commands


def _subcommand(args: list[str]) -> tuple[str, ...]:
    groups = {"catalog", "formats", "simulate", "audit", "db", "keys"}
    return tuple(args[:2]) if args[0] in groups else (args[0],)


def test_the_readme_shows_the_chain():
    shown = {_subcommand(a) for a in readme_commands()}
    for needed in [("run",), ("process",), ("correlate",), ("od",), ("export",)]:
        assert needed in shown


@pytest.mark.parametrize("args", readme_commands(), ids=lambda a: " ".join(a[:3]))
def test_every_readme_line_parses(args, capsys):
    try:
        main([*args, "--help"])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Usage" in captured.out


def test_every_readme_command_is_run_by_a_test():
    sources = "\n".join(
        p.read_text() for p in (ROOT / "tests").rglob("*.py") if p.name != "test_readme.py"
    )
    missing = []
    for sub in {_subcommand(a) for a in readme_commands()}:
        quoted = r",\s*".join(f'"{part}"' for part in sub)
        if not re.search(quoted, sources):
            missing.append(" ".join(sub))
    assert missing == [], f"README commands no test runs: {missing}"
