"""``beltwatch coverage``: schedule a scenario's sensors over a catalog and report coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from beltwatch._io import write_atomic
from beltwatch.catalog import load_catalog, synthetic_geo_population
from beltwatch.cli._catalog import warn_if_stale
from beltwatch.cli._contract import check_memory, output_file, positive
from beltwatch.cli._tables import cell, print_table
from beltwatch.errors import InputError
from beltwatch.pipeline import BYTES_PER_OBJECT_EPOCH
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.tasking import LIMIT_GROUPS, coverage_figure, run_coverage
from beltwatch.timescales import parse_utc

PLOT_SUFFIXES = (".html", ".htm")


def check_plot_path(path: Path) -> Path:
    """A plot is interactive HTML (plotly.js embedded, works offline); anything else is an
    error naming the option, before any work."""
    if not path.is_dir() and path.suffix.lower() not in PLOT_SUFFIXES:
        raise InputError(
            f"{path}: plots are written as HTML (give a .html name); for a PNG open the "
            "HTML in a browser and use the camera button",
            field="plot",
        )
    return output_file(path, "plot", PLOT_SUFFIXES)


def write_plot(fig, path: Path) -> None:
    """Self-contained HTML: plotly.js embedded, readable offline."""
    write_atomic(path, fig.to_html(include_plotlyjs=True, full_html=True))


def print_summary(summary: dict, hours: float) -> None:
    """Two tables: figures per sensor, and per sensor why objects were never observed."""
    table = Table(title=f"coverage of {summary['objects_total']} objects over {hours:g} h")
    for name in ("sensor", "observed", "fraction", "median revisit (h)", "pointings"):
        table.add_column(name, justify="left" if name == "sensor" else "right", no_wrap=True)
    per_sensor = summary["per_sensor"]
    for sid, fig in [*per_sensor.items(), ("all sensors", summary)]:
        table.add_row(
            sid,
            str(fig["objects_observed"]),
            f"{fig['fraction_observed']:.3f}",
            cell(fig["median_revisit_h"], ".2f"),
            cell(fig.get("pointings")),
        )
    print_table(table)
    reasons = [
        r
        for r in [*LIMIT_GROUPS, "scheduling"]
        if any(r in f["not_observed_because"] for f in per_sensor.values())
    ]
    if not reasons:
        return
    why = Table(title="objects never observed, by the first limit that explains it")
    why.add_column("reason", no_wrap=True)
    for sid in per_sensor:
        why.add_column(sid, justify="right", no_wrap=True)
    for reason in reasons:
        counts = [per_sensor[s]["not_observed_because"].get(reason, 0) for s in per_sensor]
        why.add_row(reason.replace("_", " "), *(str(c) if c else "·" for c in counts))
    print_table(why)


def coverage_command(
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML (default: the embedded QZS-6/QZS-7 one).")
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(help="Catalog file (TLE/3LE, GP JSON/CSV, OMM); default: synthetic GEO."),
    ] = None,
    hours: Annotated[float, typer.Option(help="Length of the window, hours.")] = 24.0,
    step: Annotated[float, typer.Option(help="Visibility grid step, seconds.")] = 60.0,
    start: Annotated[
        str | None, typer.Option(help="Start, ISO 8601 UTC (default: the scenario's start).")
    ] = None,
    sensor: Annotated[
        list[str] | None, typer.Option(help="Only these sensor ids (repeat the option).")
    ] = None,
    follow: Annotated[
        list[int] | None, typer.Option(help="NORAD ids of objects of interest to follow up.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option(help="Plot file, interactive HTML (works offline).")
    ] = Path("coverage.html"),
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Write no plot.")] = False,
) -> None:
    """Fraction of the catalog observed, revisit intervals and what limited coverage."""
    positive(hours, "hours")
    positive(step, "step")
    if plot is not None and not no_plot:
        check_plot_path(plot)
    scen = load_scenario(scenario) if scenario is not None else default_scenario()
    if sensor:
        scen = scen.select(list(sensor))
    cat = load_catalog(catalog).catalog if catalog is not None else synthetic_geo_population()
    if start is not None:
        t0 = parse_utc(start, field="start")
    elif scen.start is not None:
        t0 = scen.start
    else:
        t0 = cat.epoch[int(np.argmax(cat.epoch.jd))]
    n_times = int(hours * 3600.0 / step) + 1
    check_memory(
        len(cat) * n_times * BYTES_PER_OBJECT_EPOCH * (1 + len(scen.sensors)),
        f"{len(cat)} objects x {n_times} epochs x {len(scen.sensors)} sensors",
        "shorten --hours or lengthen --step",
    )
    warn_if_stale(cat, t0)
    result = run_coverage(scen, cat, t0, hours, step, followup_norad_ids=list(follow or []))
    summary = result.summary()
    if plot is not None and not no_plot:
        write_plot(coverage_figure(result), plot)
        summary["plot"] = str(plot)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    print_summary(summary, hours)
