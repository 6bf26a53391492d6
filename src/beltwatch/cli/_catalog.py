"""``beltwatch catalog``: inspect and fetch catalogs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from beltwatch.catalog import CelestrakClient, LoadResult, OrbitClass, load_catalog
from beltwatch.timescales import format_utc

catalog_app = typer.Typer(
    help="Inspect, load and fetch element-set catalogs.", no_args_is_help=True
)

SkipBad = Annotated[bool, typer.Option("--skip-bad", help="Skip bad records and report them.")]


def load_for_cli(path: Path, skip_bad: bool) -> LoadResult:
    """Load a catalog; skipped records are listed on stderr."""
    result = load_catalog(path, skip_bad=skip_bad)
    if result.rejected:
        err = Console(stderr=True)
        err.print(f"[yellow]skipped {len(result.rejected)} bad record(s):[/]")
        for problem in result.rejected:
            err.print(f"  {problem}", highlight=False, soft_wrap=True)
    return result


def catalog_summary(result: LoadResult) -> dict:
    """Counts by orbit class, epoch range, distinct objects."""
    catalog = result.catalog
    classes = catalog.orbit_class()
    epochs = catalog.epoch
    return {
        "source": result.source,
        "format": result.format,
        "element_sets": len(catalog),
        "objects": int(catalog.object_ids().size),
        "rejected": len(result.rejected),
        "by_orbit_class": {c.value: int(np.sum(classes == c.value)) for c in OrbitClass},
        "epoch_first_utc": format_utc(epochs.min()) if len(catalog) else None,
        "epoch_last_utc": format_utc(epochs.max()) if len(catalog) else None,
    }


@catalog_app.command("info")
def info(
    file: Annotated[Path, typer.Argument(help="TLE/3LE, CelesTrak GP JSON/CSV or CCSDS OMM file.")],
    skip_bad: SkipBad = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Counts by orbit class and the epoch range of a catalog file."""
    summary = catalog_summary(load_for_cli(file, skip_bad))
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    table = Table(title=f"{file.name} ({summary['format']})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("element sets", str(summary["element_sets"]))
    table.add_row("objects", str(summary["objects"]))
    for name, count in summary["by_orbit_class"].items():
        table.add_row(f"  {name}", str(count))
    table.add_row("first epoch (UTC)", str(summary["epoch_first_utc"]))
    table.add_row("last epoch (UTC)", str(summary["epoch_last_utc"]))
    if summary["rejected"]:
        table.add_row("rejected records", str(summary["rejected"]))
    Console().print(table)


@catalog_app.command("fetch")
def fetch(
    group: Annotated[str, typer.Option(help="CelesTrak GP group, e.g. geo, active.")] = "geo",
    base_url: Annotated[str, typer.Option(help="GP service base URL.")] = "https://celestrak.org",
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache directory (default: user data dir).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Ignore a fresh cached copy.")] = False,
) -> None:
    """Fetch a CelesTrak GP group (OMM JSON) into the local cache."""
    client = CelestrakClient(base_url=base_url)
    if cache_dir is not None:
        client = CelestrakClient(base_url=base_url, cache_dir=cache_dir)
    result, path, fetched = client.fetch_group(group, force=force)
    origin = "fetched" if fetched else "cached"
    typer.echo(f"{origin}: {len(result.catalog)} element sets for group {group!r} -> {path}")
