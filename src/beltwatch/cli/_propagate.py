"""``beltwatch propagate``: SGP4 states of a catalog over a time grid, as CSV or JSON."""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from beltwatch._io import write_atomic
from beltwatch.cli._catalog import SkipBad, load_for_cli
from beltwatch.cli._contract import check_memory, output_file, positive
from beltwatch.frames import Frame
from beltwatch.propagation import Ephemeris, Sgp4Propagator
from beltwatch.timescales import format_utc, parse_utc, seconds_between, time_grid

COLUMNS = (
    "norad_id",
    "epoch_utc",
    "x_km",
    "y_km",
    "z_km",
    "vx_km_s",
    "vy_km_s",
    "vz_km_s",
    "error",
)


# Working memory per output row: the state, its text and the row's Python objects.
BYTES_PER_OUTPUT_ROW = 400


class OutputFormat(StrEnum):
    csv = "csv"
    json = "json"


def ephemeris_rows(eph: Ephemeris):
    """Rows (norad_id, epoch string, x, y, z, vx, vy, vz, error) object by object."""
    epochs = format_utc(eph.times)
    for i, norad in enumerate(eph.norad_id):
        for j, epoch in enumerate(epochs):
            r, v = eph.position_km[i, j], eph.velocity_km_s[i, j]
            yield int(norad), epoch, *r.tolist(), *v.tolist(), int(eph.error_code[i, j])


def render(eph: Ephemeris, fmt: OutputFormat) -> str:
    buffer = io.StringIO()
    if fmt is OutputFormat.csv:
        buffer.write(",".join(COLUMNS) + "\n")
        for row in ephemeris_rows(eph):
            values = [
                str(row[0]),
                row[1],
                *(f"{x:.9f}" if np.isfinite(x) else "nan" for x in row[2:8]),
            ]
            buffer.write(",".join([*values, str(row[8])]) + "\n")
    else:
        records = [
            {
                key: (None if isinstance(val, float) and not np.isfinite(val) else val)
                for key, val in zip(COLUMNS, row, strict=True)
            }
            for row in ephemeris_rows(eph)
        ]
        json.dump(records, buffer)
        buffer.write("\n")
    return buffer.getvalue()


def propagate_command(
    catalog: Annotated[Path, typer.Option(help="Catalog file (TLE/3LE, GP JSON/CSV, OMM).")],
    start: Annotated[str, typer.Option(help="Start time, ISO 8601 UTC.")],
    stop: Annotated[str, typer.Option(help="Stop time, ISO 8601 UTC.")],
    step: Annotated[float, typer.Option(help="Step in seconds.")] = 60.0,
    frame: Annotated[Frame, typer.Option(help="Output frame.")] = Frame.TEME,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.csv,
    out: Annotated[
        Path | None, typer.Option(help="Output file (default: standard output).")
    ] = None,
    skip_bad: SkipBad = False,
) -> None:
    """SGP4 states of every object at every time step (error code 0 = valid)."""
    positive(step, "step")
    if out is not None:
        output_file(out, "out")
    result = load_for_cli(catalog, skip_bad)
    t0, t1 = parse_utc(start, field="start"), parse_utc(stop, field="stop")
    n_times = int(max(float(seconds_between(t0, t1)), 0.0) / step) + 1
    check_memory(
        len(result.catalog) * n_times * BYTES_PER_OUTPUT_ROW,
        f"{len(result.catalog)} objects x {n_times} epochs",
        "shorten the span, lengthen --step or select fewer objects",
    )
    times = time_grid(t0, t1, step)
    eph = Sgp4Propagator().propagate(result.catalog, times, frame.value)
    text = render(eph, fmt)
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
