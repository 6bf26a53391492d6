"""``beltwatch propagate``: SGP4 states of a catalog over a time grid, as CSV or JSON.

Cartesian frames (TEME, GCRS, ITRS) give position and velocity; ``geodetic`` gives
WGS-84 latitude, longitude and height (the longitude is the sub-satellite longitude,
the one a GEO slot is named by), from the ITRS positions.
"""

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
from beltwatch.cli._catalog import ObjectOption, SkipBad, load_for_cli, warn_if_stale
from beltwatch.cli._contract import check_memory, output_file, positive
from beltwatch.frames import geodetic_from_itrs
from beltwatch.propagation import Ephemeris, Sgp4Propagator
from beltwatch.timescales import format_utc, parse_utc, seconds_between, time_grid


class OutputFrame(StrEnum):
    """Cartesian frames of the transform graph, or WGS-84 geodetic coordinates."""

    teme = "teme"
    gcrs = "gcrs"
    itrs = "itrs"
    geodetic = "geodetic"


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
GEODETIC_COLUMNS = (
    "norad_id",
    "epoch_utc",
    "latitude_deg",
    "longitude_deg",
    "altitude_km",
    "error",
)


# Working memory per output row: the state, its text and the row's Python objects.
BYTES_PER_OUTPUT_ROW = 400


class OutputFormat(StrEnum):
    csv = "csv"
    json = "json"


def _values(eph: Ephemeris, geodetic: bool) -> np.ndarray:
    """(n_objects, n_times, k) numbers of each row: x..vz (km, km/s), or latitude and
    longitude (deg) and height (km)."""
    if not geodetic:
        return np.concatenate([eph.position_km, eph.velocity_km_s], axis=-1)
    lat, lon, height = geodetic_from_itrs(eph.position_km)
    return np.stack([np.degrees(lat), np.degrees(lon), height], axis=-1)


def ephemeris_rows(eph: Ephemeris, geodetic: bool = False):
    """Rows (norad_id, epoch string, the numbers of :func:`_values`, error), object by object."""
    epochs = format_utc(eph.times)
    values = _values(eph, geodetic)
    for i, norad in enumerate(eph.norad_id):
        for j, epoch in enumerate(epochs):
            yield int(norad), epoch, *values[i, j].tolist(), int(eph.error_code[i, j])


def render(eph: Ephemeris, fmt: OutputFormat, geodetic: bool = False) -> str:
    columns = GEODETIC_COLUMNS if geodetic else COLUMNS
    buffer = io.StringIO()
    if fmt is OutputFormat.csv:
        buffer.write(",".join(columns) + "\n")
        for row in ephemeris_rows(eph, geodetic):
            values = [
                str(row[0]),
                row[1],
                *(f"{x:.9f}" if np.isfinite(x) else "nan" for x in row[2:-1]),
            ]
            buffer.write(",".join([*values, str(row[-1])]) + "\n")
    else:
        records = [
            {
                key: (None if isinstance(val, float) and not np.isfinite(val) else val)
                for key, val in zip(columns, row, strict=True)
            }
            for row in ephemeris_rows(eph, geodetic)
        ]
        json.dump(records, buffer)
        buffer.write("\n")
    return buffer.getvalue()


def propagate_command(
    catalog: Annotated[Path, typer.Option(help="Catalog file (TLE/3LE, GP JSON/CSV, OMM).")],
    start: Annotated[str, typer.Option(help="Start time, ISO 8601 UTC.")],
    stop: Annotated[str, typer.Option(help="Stop time, ISO 8601 UTC.")],
    step: Annotated[float, typer.Option(help="Step in seconds.")] = 60.0,
    frame: Annotated[
        OutputFrame,
        typer.Option(
            help="Output frame: teme, gcrs, itrs (x, y, z, vx, vy, vz), or geodetic "
            "(WGS-84 latitude, sub-satellite longitude, altitude)."
        ),
    ] = OutputFrame.teme,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.csv,
    out: Annotated[
        Path | None, typer.Option(help="Output file (default: standard output).")
    ] = None,
    objects: ObjectOption = None,
    skip_bad: SkipBad = False,
) -> None:
    """SGP4 states of every object (or the ``--object`` ones) at every time step (error
    code 0 = valid). Element sets more than 7 days from the start earn a warning."""
    positive(step, "step")
    if out is not None:
        output_file(out, "out")
    result = load_for_cli(catalog, skip_bad, objects)
    t0, t1 = parse_utc(start, field="start"), parse_utc(stop, field="stop")
    n_times = int(max(float(seconds_between(t0, t1)), 0.0) / step) + 1
    check_memory(
        len(result.catalog) * n_times * BYTES_PER_OUTPUT_ROW,
        f"{len(result.catalog)} objects x {n_times} epochs",
        "shorten the span, lengthen --step or select fewer objects (--object)",
    )
    times = time_grid(t0, t1, step)
    warn_if_stale(result.catalog, times[0])
    geodetic = frame is OutputFrame.geodetic
    eph = Sgp4Propagator().propagate(result.catalog, times, "itrs" if geodetic else frame.value)
    text = render(eph, fmt, geodetic)
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
