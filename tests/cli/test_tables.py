"""Tables read whole: no cut paths, no None, natural width off a terminal, folding on one."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from beltwatch.cli._tables import MISSING, cell, print_table

PATH = "/a/rather/long/directory/runs/20261130T145115Z/belt-longitude-time.html"


def _table() -> Table:
    table = Table(title="run")
    table.add_column("quantity", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_row("plot: belt longitude time", PATH)
    table.add_row("median revisit (h)", cell(None))
    return table


def test_a_file_or_pipe_gets_the_natural_width() -> None:
    buffer = io.StringIO()
    print_table(_table(), Console(file=buffer, width=60))
    text = buffer.getvalue()
    assert PATH in text and "…" not in text and "None" not in text
    assert MISSING in text
    assert len([line for line in text.splitlines() if line.startswith("│")]) == 2


def test_a_narrow_terminal_folds_instead_of_cutting() -> None:
    buffer = io.StringIO()
    print_table(_table(), Console(file=buffer, width=60, force_terminal=True, color_system=None))
    text = buffer.getvalue()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 60
    joined = "".join(line.split("│")[2].strip() for line in text.splitlines() if "│" in line)
    assert PATH in joined  # every character of the path is there, over two lines


def test_cell() -> None:
    assert cell(None) == cell(float("nan")) == MISSING
    assert cell(1.23456, ".2f") == "1.23" and cell(0) == "0"
