"""``beltwatch coverage``: schedule a scenario's sensors over a catalog and report coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from beltwatch._io import write_atomic
from beltwatch.catalog import load_catalog, synthetic_geo_population
from beltwatch.cli._contract import check_memory, output_file, positive
from beltwatch.errors import InputError
from beltwatch.pipeline import BYTES_PER_OBJECT_EPOCH
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.tasking import coverage_figure, run_coverage
from beltwatch.timescales import parse_utc


def write_plot(fig, path: Path) -> None:
    """HTML (plotly.js embedded, works offline) or, with kaleido installed, PNG."""
    if path.suffix.lower() == ".png":
        try:
            data = fig.to_image(format="png", width=1100, height=1200)
        except Exception as exc:  # kaleido or its browser missing
            raise InputError(
                f"PNG export is not available here ({type(exc).__name__}); use an .html path",
                field="plot",
            ) from exc
        write_atomic(path, data)
    else:
        write_atomic(path, fig.to_html(include_plotlyjs=True, full_html=True))


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
        Path | None, typer.Option(help="Plot file (.html, or .png where kaleido works).")
    ] = Path("coverage.html"),
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Write no plot.")] = False,
) -> None:
    """Fraction of the catalog observed, revisit intervals and what limited coverage."""
    positive(hours, "hours")
    positive(step, "step")
    if plot is not None and not no_plot:
        output_file(plot, "plot")
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
    result = run_coverage(scen, cat, t0, hours, step, followup_norad_ids=list(follow or []))
    summary = result.summary()
    if plot is not None and not no_plot:
        write_plot(coverage_figure(result), plot)
        summary["plot"] = str(plot)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    table = Table(title=f"coverage of {summary['objects_total']} objects over {hours:g} h")
    for col in ("sensor", "observed", "fraction", "median revisit h", "pointings", "not observed"):
        table.add_column(col)
    rows = [*summary["per_sensor"].items(), ("combined", summary)]
    for sid, fig in rows:
        table.add_row(
            sid,
            str(fig["objects_observed"]),
            f"{fig['fraction_observed']:.3f}",
            str(fig["median_revisit_h"]),
            str(fig.get("pointings", "")),
            ", ".join(f"{k} {v}" for k, v in fig.get("not_observed_because", {}).items()),
        )
    Console().print(table)
