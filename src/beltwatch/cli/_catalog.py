"""``beltwatch catalog``: inspect and fetch catalogs."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from astropy.time import Time, TimeDelta
from rich.console import Console
from rich.table import Table

from beltwatch.analytics import belt_tracks
from beltwatch.catalog import (
    Catalog,
    CelestrakClient,
    LoadResult,
    OrbitClass,
    load_catalog,
    select_objects,
    stale_element_sets,
)
from beltwatch.cli._tables import cell, print_table
from beltwatch.identifiers import cospar_designator
from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import format_utc, parse_utc, time_grid

catalog_app = typer.Typer(
    help="Inspect, load and fetch element-set catalogs.", no_args_is_help=True
)

SkipBad = Annotated[bool, typer.Option("--skip-bad", help="Skip bad records and report them.")]
ObjectOption = Annotated[
    list[str] | None,
    typer.Option(
        "--object",
        help="Only this object: catalog number, international designator or name "
        "(case-insensitive, whole or part); repeat for more.",
    ),
]
# Span and step of the SGP4 samples behind a GEO object's longitude and drift rate.
DRIFT_SPAN_DAYS = 2.0
DRIFT_STEP_S = 3600.0


def load_for_cli(path: Path, skip_bad: bool, objects: list[str] | None = None) -> LoadResult:
    """Load a catalog (only the ``objects`` named, when given); skipped records are listed
    on stderr."""
    result = load_catalog(path, skip_bad=skip_bad)
    if result.rejected:
        err = Console(stderr=True)
        err.print(f"[yellow]skipped {len(result.rejected)} bad record(s):[/]")
        for problem in result.rejected:
            err.print(f"  {problem}", highlight=False, soft_wrap=True)
    if objects:
        chosen = select_objects(result.catalog, objects, source=str(path))
        result = dataclasses.replace(result, catalog=chosen)
    return result


def warn_if_stale(catalog: Catalog, at: Time) -> None:
    """One warning line on stderr when element sets are far from ``at`` (not an error)."""
    stale = stale_element_sets(catalog, at)
    if stale is not None:
        Console(stderr=True).print(
            f"[yellow]warning:[/] {stale.message()}", highlight=False, soft_wrap=True
        )


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


def geo_longitude_drift(latest: Catalog) -> dict[int, tuple[float, float]]:
    """Per GEO-class object of ``latest`` (one set each): (sub-satellite longitude at its
    epoch, deg E in [-180, 180); mean drift rate, deg/day) from SGP4 over the two days after."""
    out: dict[int, tuple[float, float]] = {}
    for row in np.flatnonzero(latest.orbit_class() == OrbitClass.GEO.value):
        one = latest[[int(row)]]
        epoch = one.epoch[0]
        times = time_grid(epoch, epoch + TimeDelta(DRIFT_SPAN_DAYS, format="jd"), DRIFT_STEP_S)
        track = belt_tracks(one, Sgp4Propagator(workers=1).propagate(one, times, "itrs"))
        if track.norad_id.size:
            lon = float(track.start_longitude_deg[0])
            out[int(one.norad_id[0])] = (lon, float(track.drift_deg_per_day[0]))
    return out


def object_records(catalog: Catalog, at: Time) -> list[dict]:
    """One JSON-ready record per object (its newest element set): identity, epoch and age
    at ``at`` (days), orbit class, elements (degrees), and for GEO its longitude and drift."""
    latest = catalog.latest()
    counts = dict(zip(*np.unique(catalog.norad_id, return_counts=True), strict=True))
    geo = geo_longitude_drift(latest)
    classes = latest.orbit_class()
    ages = np.atleast_1d((at - latest.epoch).to_value("day"))
    records = []
    for i, norad in enumerate(latest.norad_id.tolist()):
        lon, drift = geo.get(norad, (None, None))
        records.append(
            {
                "norad_id": norad,
                "name": str(latest.name[i]).strip(),
                "intl_designator": cospar_designator(str(latest.intl_designator[i])),
                "element_sets": int(counts[norad]),
                "epoch_utc": format_utc(latest.epoch[i]),
                "age_days": round(float(ages[i]), 3),
                "orbit_class": str(classes[i]),
                "mean_motion_rev_per_day": float(latest.mean_motion_rev_per_day[i]),
                "period_min": round(float(latest.period_min[i]), 3),
                "semi_major_axis_km": round(float(latest.semi_major_axis_km[i]), 3),
                "eccentricity": float(latest.eccentricity[i]),
                "inclination_deg": round(float(np.degrees(latest.inclination_rad[i])), 6),
                "raan_deg": round(float(np.degrees(latest.raan_rad[i])), 6),
                "arg_perigee_deg": round(float(np.degrees(latest.arg_perigee_rad[i])), 6),
                "mean_anomaly_deg": round(float(np.degrees(latest.mean_anomaly_rad[i])), 6),
                "bstar": float(latest.bstar[i]),
                "longitude_deg": None if lon is None else round(lon, 4),
                "drift_deg_per_day": None if drift is None else round(drift, 4),
            }
        )
    return records


def _one_object_table(record: dict, at_label: str) -> Table:
    table = Table(title=f"{record['name'] or 'object'} ({record['norad_id']})")
    table.add_column("quantity", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    rows = [
        ("catalog number", cell(record["norad_id"])),
        ("international designator", cell(record["intl_designator"] or None)),
        ("element sets in the file", cell(record["element_sets"])),
        ("epoch (UTC)", record["epoch_utc"]),
        (f"age at {at_label} (days)", cell(record["age_days"], ".2f")),
        ("orbit class", record["orbit_class"]),
        ("mean motion (rev/day)", cell(record["mean_motion_rev_per_day"], ".8f")),
        ("period (min)", cell(record["period_min"], ".2f")),
        ("semi-major axis (km)", cell(record["semi_major_axis_km"], ",.1f")),
        ("eccentricity", cell(record["eccentricity"], ".7f")),
        ("inclination (deg)", cell(record["inclination_deg"], ".4f")),
        ("RAAN (deg)", cell(record["raan_deg"], ".4f")),
        ("argument of perigee (deg)", cell(record["arg_perigee_deg"], ".4f")),
        ("mean anomaly (deg)", cell(record["mean_anomaly_deg"], ".4f")),
        ("B* (1/earth radii)", cell(record["bstar"], ".4e")),
        ("longitude at epoch (deg E)", cell(record["longitude_deg"], "+.3f")),
        ("drift (deg/day, + eastward)", cell(record["drift_deg_per_day"], "+.4f")),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _objects_table(records: list[dict], at_label: str) -> Table:
    table = Table(title=f"{len(records)} objects (age at {at_label})")
    columns = (
        ("catalog no.", "right"),
        ("name", "left"),
        ("epoch (UTC)", "left"),
        ("age (d)", "right"),
        ("class", "left"),
        ("incl. (deg)", "right"),
        ("lon. (deg E)", "right"),
        ("drift (deg/d)", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in records:
        table.add_row(
            str(r["norad_id"]),
            cell(r["name"] or None),
            r["epoch_utc"][:19] + "Z",
            cell(r["age_days"], ".1f"),
            r["orbit_class"],
            cell(r["inclination_deg"], ".3f"),
            cell(r["longitude_deg"], "+.2f"),
            cell(r["drift_deg_per_day"], "+.3f"),
        )
    return table


@catalog_app.command("info")
def info(
    file: Annotated[Path, typer.Argument(help="TLE/3LE, CelesTrak GP JSON/CSV or CCSDS OMM file.")],
    objects: ObjectOption = None,
    at: Annotated[
        str | None,
        typer.Option(help="Time the element-set ages are counted to, ISO 8601 (default: now)."),
    ] = None,
    skip_bad: SkipBad = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Counts by orbit class and the epoch range of a catalog file; with ``--object``, each
    object's elements, epoch, age, orbit class and (GEO) longitude and drift."""
    result = load_for_cli(file, skip_bad, objects)
    if objects:
        at_time = parse_utc(at, field="at") if at else Time.now().utc
        records = object_records(result.catalog, at_time)
        if as_json:
            typer.echo(json.dumps(records, indent=2))
            return
        label = str(format_utc(at_time))[:19] + "Z"
        one = len(records) == 1
        print_table(_one_object_table(records[0], label) if one else _objects_table(records, label))
        return
    summary = catalog_summary(result)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    table = Table(title=f"{file.name} ({summary['format']})")
    table.add_column("quantity", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_row("element sets", str(summary["element_sets"]))
    table.add_row("objects", str(summary["objects"]))
    for name, count in summary["by_orbit_class"].items():
        table.add_row(f"  {name}", str(count))
    table.add_row("first epoch (UTC)", cell(summary["epoch_first_utc"]))
    table.add_row("last epoch (UTC)", cell(summary["epoch_last_utc"]))
    if summary["rejected"]:
        table.add_row("rejected records", str(summary["rejected"]))
    print_table(table)


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
