"""``beltwatch run``: the main job on embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from beltwatch.cli._contract import output_directory, positive
from beltwatch.errors import InputError
from beltwatch.pipeline import RunConfig, run_pipeline


def run_command(
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML (default: the embedded QZS-6/QZS-7 one).")
    ] = None,
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog file (default: synthetic GEO population).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Start, ISO 8601 UTC (default: newest epoch).")
    ] = None,
    hours: Annotated[float, typer.Option(help="Span in hours.")] = 24.0,
    step: Annotated[float, typer.Option(help="Step in seconds.")] = 60.0,
    out: Annotated[Path, typer.Option(help="Directory for run outputs.")] = Path("runs"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic population.")] = 2025,
) -> None:
    """Load, propagate and summarise the catalog; writes runs/<timestamp>/summary.json."""
    positive(hours, "hours")
    positive(step, "step")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a directory for the runs", field="out")
    if not out.exists():
        output_directory(out, "out")  # its parent must exist; out itself is created
    config = RunConfig(
        catalog_path=catalog,
        scenario_path=scenario,
        start=start,
        hours=hours,
        step_s=step,
        out_dir=out,
        seed=seed,
    )
    summary, path = run_pipeline(config)
    table = Table(title=f"beltwatch run {summary['run']}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("catalog", summary["catalog"])
    table.add_row("objects", str(summary["objects"]))
    for name, count in summary["by_orbit_class"].items():
        if count:
            table.add_row(f"  {name}", str(count))
    table.add_row("span (UTC)", f"{summary['start_utc']} .. {summary['stop_utc']}")
    table.add_row("states computed", f"{summary['states_computed']:,}")
    table.add_row("propagation errors", str(summary["propagation_errors"]))
    belt = summary["belt"]
    for key in (
        "geo_objects",
        "stationary",
        "drifting",
        "inclination_above_1_deg",
        "in_indo_pacific_window",
    ):
        table.add_row(f"belt: {key.replace('_', ' ')}", str(belt[key]))
    coverage = summary["coverage"]
    table.add_row(
        "coverage: all sensors",
        f"{coverage['objects_observed']} objects ({coverage['fraction_observed']:.1%}), "
        f"median revisit {coverage['median_revisit_h']} h",
    )
    for sensor_id, figures in coverage["per_sensor"].items():
        table.add_row(
            f"coverage: {sensor_id}",
            f"{figures['objects_observed']} ({figures['fraction_observed']:.1%})",
        )
    for name, plot in summary["plots"].items():
        table.add_row(f"plot: {name.replace('_', ' ')}", plot)
    Console().print(table)
    Console().print(f"summary written to {path}")
