"""Rich tables that read whole: no cut paths, no column wrapped over many lines, no ``None``."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

MISSING = "—"


def cell(value: object, fmt: str = "") -> str:
    """Table text of a value: ``MISSING`` for None or NaN, numbers by ``fmt``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    return format(value, fmt) if fmt else str(value)


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` at its natural width when the output is not a terminal (a file or a
    pipe has no width to fit, so nothing is cut or wrapped). A terminal too narrow for it
    folds long cells onto a second line instead of cutting them with an ellipsis."""
    console = console or Console()
    natural = Console(width=10_000).measure(table).maximum
    if not console.is_terminal:
        console = Console(file=console.file, width=max(natural, 40))
    elif natural > console.width:
        for column in table.columns:
            column.no_wrap, column.overflow = False, "fold"
    console.print(table)
