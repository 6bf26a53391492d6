"""``beltwatch run``: the main job (a simulated day of the hosted payloads, end to end)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from beltwatch.cli._contract import output_directory, positive
from beltwatch.cli._tables import print_table
from beltwatch.errors import InputError
from beltwatch.pipeline import RunOptions, run_pipeline


def run_command(
    scenario: Annotated[
        str | None,
        typer.Option(help="Scenario: an embedded name (default, exercise, ...) or a TOML file."),
    ] = None,
    catalog: Annotated[
        Path | None, typer.Option(help="Truth population from a catalog file (TLE/3LE/OMM).")
    ] = None,
    hours: Annotated[float | None, typer.Option(help="Span in hours (default: scenario).")] = None,
    fidelity: Annotated[
        str | None, typer.Option(help="measurements or frames (default: scenario).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Directory for run outputs.")] = Path("runs"),
    db: Annotated[
        str | None, typer.Option(help="Catalog store URL (default: SQLite file in the run dir).")
    ] = None,
    stream: Annotated[
        str | None, typer.Option(help="Stream URL, e.g. nats://host:4222 (default: in-process).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler tcp://host:port (default: local).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: scenario).")] = None,
) -> None:
    """Run a simulated day end to end; writes runs/<timestamp>/summary.json and report.html."""
    if hours is not None:
        positive(hours, "hours")
    if fidelity is not None and fidelity not in ("measurements", "frames"):
        raise InputError("expected measurements or frames", field="fidelity")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; give a directory for the runs", field="out")
    if not out.exists():
        output_directory(out, "out")  # its parent must exist; out itself is created
    options = RunOptions(
        scenario=scenario, hours=hours, seed=seed, catalog_path=catalog, fidelity=fidelity,
        out_dir=out, db=db, stream=stream, scheduler=scheduler,
    )  # fmt: skip
    progress = Progress(console=Console(stderr=True), transient=True)
    summary, path = run_pipeline(options, progress)
    truth = summary["truth"]
    od = truth["od_position_error"]
    table = Table(title=f"beltwatch run {summary['run']} ({summary['scenario']['name']})")
    table.add_column("quantity", no_wrap=True)
    table.add_column("value", justify="right")
    rows = [
        ("population", summary["population"]),
        ("span (UTC)", f"{summary['start_utc']} .. {summary['stop_utc']}"),
        ("objects observed", f"{truth['objects_observed']} of {truth['truth_objects']}"),
        ("observations", f"{truth['observations']:,}"),
        ("correctly tagged", f"{truth['correctly_tagged_fraction']:.2%}"),
        (
            "new objects found",
            f"{truth['new_objects_found']} of {truth['missing_observed']} missing and observed",
        ),
        ("orbits", f"{summary['orbits']['determined']} ({summary['orbits']['failed']} failed)"),
        ("OD error p50/p90/max (km)", f"{od['p50_km']} / {od['p90_km']} / {od['max_km']}"),
        ("alerts", ", ".join(f"{k} {v}" for k, v in summary["events"]["by_kind"].items()) or "0"),
    ]
    for name, found in truth["injected"].items():
        rows.append((f"injected {name.replace('_', ' ')}", "found" if found["found"] else "MISSED"))
    rows.append(("wall time (s)", f"{summary['total_seconds']:.0f}"))
    for k, v in rows:
        table.add_row(k, str(v))
    print_table(table)
    Console().print(f"report: {summary['outputs']['report']}", highlight=False, soft_wrap=True)
    Console().print(f"summary written to {path}", highlight=False, soft_wrap=True)
