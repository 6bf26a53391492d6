"""``beltwatch maneuvers | screen | pc | proximity | belt``: the analytics an operator acts on.

Every command prints a rich table, or with ``--json`` the events' serialisation
(:meth:`~beltwatch.values.Event.to_dict`) with the command's own keys first.
Markings: element-set files are public data (``public_markings`` of the policy)
unless ``--marking`` says otherwise; a CDM or OPM without a marking is treated as the
policy's most restrictive level, released to no one (and the output says so).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from astropy.time import Time, TimeDelta
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from beltwatch._io import write_atomic
from beltwatch.analytics import (
    ScreeningOptions,
    assess_collision_probability,
    asset_rows,
    belt_classes,
    belt_longitude_time_figure,
    belt_summary,
    belt_track_from_history,
    belt_tracks,
    conjunction_from_orbits,
    conjunction_of,
    default_methods,
    detect_maneuvers,
    maneuver_events,
    pattern_of_life,
    proximity_events,
    proximity_figure,
    proximity_watch,
    public_markings,
    screen_catalog,
    screening_event,
    status_events,
    unmarked_markings,
)
from beltwatch.cli._catalog import SkipBad, load_for_cli
from beltwatch.cli._contract import check_memory, output_file, positive
from beltwatch.errors import InputError
from beltwatch.formats import (
    cdm_from_event,
    encode_message,
    event_from_cdm,
    parse_marking,
    read_messages,
    states_from_message,
)
from beltwatch.propagation import ForceModel, NumericalPropagator, Sgp4Propagator
from beltwatch.sharing import Policy, load_policy
from beltwatch.timescales import format_utc, parse_utc
from beltwatch.values import Event, Markings

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
MarkingOption = Annotated[
    str | None,
    typer.Option(
        "--marking",
        help="Marking of the inputs, e.g. 'PUBLIC//OWNER USA//REL TO FVEY' (default: "
        "element sets public, messages without a marking most restrictive).",
    ),
]
PolicyOption = Annotated[
    Path | None, typer.Option("--policy", help="Policy TOML (default: the shipped example).")
]


def _policy_and_marking(policy: Path | None, marking: str | None) -> tuple[Policy, Markings | None]:
    rules = load_policy(policy)
    given = parse_marking(marking, field="marking") if marking else None
    if given is not None and rules.rank(given.level) is None:
        raise InputError(
            f"level {given.level!r} is not one the policy knows ({', '.join(rules.levels)})",
            field="marking",
        )
    return rules, given


def _catalog_markings(rules: Policy, given: Markings | None) -> Markings:
    return rules.combine([given or public_markings(rules)])


def _print_json(records: object) -> None:
    typer.echo(json.dumps(records, indent=2))


def _event_record(head: dict, event: Event) -> dict:
    return {**head, **event.to_dict()}


def _check_output(path: Path | None, option: str, suffixes: tuple[str, ...] = ()) -> None:
    if path is not None:
        output_file(path, option, suffixes)


# --- maneuvers ---------------------------------------------------------------------------------
def maneuvers_command(
    history: Annotated[Path, typer.Option("--history", help="Element-set history (TLE/3LE, OMM).")],
    as_json: JsonOption = False,
    marking: MarkingOption = None,
    policy: PolicyOption = None,
    skip_bad: SkipBad = False,
) -> None:
    """Maneuvers in an element-set history, judged against each object's own fit noise."""
    rules, given = _policy_and_marking(policy, marking)
    catalog = load_for_cli(history, skip_bad).catalog
    analysis = detect_maneuvers(catalog)
    events = maneuver_events(analysis, _catalog_markings(rules, given))
    records = [
        _event_record(
            {
                "norad_id": e.norad_ids[0],
                "epoch_utc": e.time_utc,
                "type": e.evidence["type"],
                "delta_v_m_s": e.figures["delta_v_m_s"],
                "delta_v_sigma_m_s": e.figures["delta_v_sigma_m_s"],
            },
            e,
        )
        for e in events
    ]
    if as_json:
        _print_json(records)
        return
    table = Table(title=f"{len(events)} maneuvers in {history.name}")
    for col in ("NORAD", "name", "epoch (UTC)", "+-h", "type", "dv m/s", "+-", "evidence"):
        table.add_column(col, overflow="fold")
    names = dict(zip(catalog.norad_id.tolist(), catalog.name.tolist(), strict=True))
    for e in events:
        ev = e.evidence
        table.add_row(
            str(e.norad_ids[0]),
            str(names.get(e.norad_ids[0], "")).strip(),
            e.time_utc[:19],
            f"{(e.time_sigma_s or 0) / 3600:.1f}",
            str(ev["type"]),
            f"{e.figures['delta_v_m_s']:.3f}",
            f"{e.figures['delta_v_sigma_m_s']:.3f}",
            f"a {ev['semi_major_axis_sigma']}s e {ev['eccentricity_sigma']}s "
            f"i {ev['inclination_sigma']}s",
        )
    Console().print(table)


# --- screen ------------------------------------------------------------------------------------
def _orbit_covariances(paths: list[Path] | None, default: Markings) -> dict:
    out = {}
    for path in paths or []:
        for message in read_messages(path):
            for state in states_from_message(message, default_markings=default):
                if state.norad_id is not None and state.covariance is not None:
                    out[int(state.norad_id)] = state
    return out


def screen_command(
    catalog: Annotated[Path, typer.Option(help="Catalog file (TLE/3LE, GP JSON/CSV, OMM).")],
    assets: Annotated[
        str | None,
        typer.Option(help="Protected NORAD ids (comma separated), 'qzss' (default) or 'all'."),
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="Start, ISO 8601 UTC (default: the newest epoch).")
    ] = None,
    days: Annotated[float, typer.Option(help="Window length, days.")] = 7.0,
    threshold_km: Annotated[float, typer.Option(help="Report approaches closer than this.")] = 5.0,
    orbits: Annotated[
        list[Path] | None,
        typer.Option(help="OPM/OEM files with covariances (from `od`): Pc for those objects."),
    ] = None,
    hbr_m: Annotated[float | None, typer.Option(help="Hard-body radius for Pc, m.")] = None,
    cdm: Annotated[
        Path | None, typer.Option(help="Write the conjunctions as CDMs (KVN) for `export`.")
    ] = None,
    as_json: JsonOption = False,
    marking: MarkingOption = None,
    policy: PolicyOption = None,
    skip_bad: SkipBad = False,
) -> None:
    """Close approaches in a catalog: protected assets against everything (or all pairs)."""
    _check_output(cdm, "cdm")
    positive(days, "days")
    positive(threshold_km, "threshold-km")
    if hbr_m is not None:
        positive(hbr_m, "hbr-m")
    rules, given = _policy_and_marking(policy, marking)
    cat = load_for_cli(catalog, skip_bad).catalog.latest()
    rows = asset_rows(cat, assets)
    options = ScreeningOptions(threshold_km=threshold_km, days=days)
    t0 = parse_utc(start, field="start") if start else None
    markings = _catalog_markings(rules, given)
    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task("screening", total=None)
        result = screen_catalog(
            cat,
            start=t0,
            assets=rows,
            options=options,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    covariances = _orbit_covariances(orbits, markings)
    prop = NumericalPropagator(ForceModel.geo_default()) if covariances else None
    records, products = [], []
    for a in result.approaches:
        conjunction = conjunction_of(cat, a, markings, covariances, prop)
        event, assessment, conjunction = screening_event(conjunction, a, hbr_m=hbr_m)
        products.append(conjunction)
        records.append(
            _event_record(
                {
                    "object1": int(cat.norad_id[a.index1]),
                    "object2": int(cat.norad_id[a.index2]),
                    "tca_utc": event.time_utc,
                    "miss_distance_km": a.miss_km,
                    "relative_speed_km_s": a.relative_speed_km_s,
                    "pc": None if assessment is None else assessment.pc,
                },
                event,
            )
        )
    if cdm is not None:
        text = "\n".join(encode_message(cdm_from_event(c), "kvn") for c in products)
        write_atomic(cdm, text)
    if as_json:
        _print_json(records)
        return
    scope = "all pairs" if rows is None else f"{len(rows)} asset(s)"
    table = Table(
        title=f"{len(records)} approaches below {threshold_km:g} km, {scope}, {days:g} days "
        f"from {format_utc(result.start)}"
    )
    for col in ("object 1", "object 2", "TCA (UTC)", "miss km", "rel. speed km/s", "Pc"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(
            f"{r['object1']} {str(cat.name[cat.norad_id == r['object1']][0]).strip()}",
            f"{r['object2']} {str(cat.name[cat.norad_id == r['object2']][0]).strip()}",
            r["tca_utc"][:23],
            f"{r['miss_distance_km']:.3f}",
            f"{r['relative_speed_km_s']:.4f}",
            "-" if r["pc"] is None else f"{r['pc']:.3e}",
        )
    Console().print(table)
    if cdm is not None:
        Console(stderr=True).print(f"wrote {len(products)} CDM(s) to {cdm}")


# --- pc ----------------------------------------------------------------------------------------
def pc_command(
    files: Annotated[
        list[Path], typer.Argument(help="A CDM file, or two OPM/OEM files of two orbits.")
    ],
    hbr_m: Annotated[
        float | None,
        typer.Option(help="Hard-body radius, m (default: the CDM's 'COMMENT HBR', else 20 m)."),
    ] = None,
    samples: Annotated[int, typer.Option(help="Monte Carlo trials (0: skip).")] = 100_000,
    seed: Annotated[int | None, typer.Option(help="Monte Carlo random seed.")] = None,
    days: Annotated[float, typer.Option(help="OPMs: search span for the closest approach.")] = 7.0,
    as_json: JsonOption = False,
    marking: MarkingOption = None,
    policy: PolicyOption = None,
) -> None:
    """Collision probability of a conjunction: Foster 2D, Chan, Monte Carlo, maximum Pc."""
    if samples < 0:
        raise InputError(f"samples must be 0 or more, got {samples}", field="samples")
    positive(days, "days")
    if hbr_m is not None:
        positive(hbr_m, "hbr-m")
    rules, given = _policy_and_marking(policy, marking)
    fallback = given or unmarked_markings(rules)
    messages = [m for path in files for m in read_messages(path)]
    kinds = {m.kind for m in messages}
    if kinds == {"CDM"}:
        conjunctions = [event_from_cdm(m, default_markings=fallback) for m in messages]
    elif kinds <= {"OPM", "OEM"}:
        states = [s for m in messages for s in states_from_message(m, default_markings=fallback)]
        if len(states) != 2:
            raise InputError(
                f"expected two orbits (OPM/OEM states), got {len(states)}", source=files[0]
            )
        for s in states:
            if s.covariance is None:
                raise InputError(
                    "an orbit without covariance: no Pc", source=files[0], field="covariance"
                )
        markings = rules.combine([s.markings or fallback for s in states])
        conjunctions = [conjunction_from_orbits(states[0], states[1], markings, days=days)]
    else:
        raise InputError(
            f"expected a CDM or two OPM/OEM orbits, got {', '.join(sorted(kinds))}",
            source=files[0],
        )
    methods = default_methods(samples=samples, seed=seed)
    records = []
    for c in conjunctions:
        assessment = assess_collision_probability(c, hbr_m=hbr_m, methods=methods)
        record = assessment.to_dict()
        record["object1"] = {"norad_id": c.object1.norad_id, "name": c.object1_name}
        record["object2"] = {"norad_id": c.object2.norad_id, "name": c.object2_name}
        record["markings"] = {
            "owner": rules.combine([c.markings]).owner,
            "level": rules.combine([c.markings]).level,
            "releasable_to": sorted(rules.combine([c.markings]).releasable_to),
        }
        if c.markings == fallback and not given:
            record["flags"].append("input carries no marking: treated as " + fallback.level)
        records.append(record)
    if as_json:
        _print_json(records[0] if len(records) == 1 else records)
        return
    for r in records:
        table = Table(
            title=f"{r['object1']['name']} x {r['object2']['name']}, TCA {r['tca_utc']}, "
            f"miss {r['miss_distance_km'] * 1000:.2f} m, HBR {r['hbr_m']:g} m ({r['hbr_source']})"
        )
        table.add_column("method")
        table.add_column("Pc")
        table.add_column("95 % interval")
        for name, value in r["methods"].items():
            if isinstance(value, dict):
                lo, hi = value["ci95"] or (None, None)
                ci = "-" if lo is None else f"{lo:.3e} .. {hi:.3e} ({value['samples']} trials)"
                table.add_row(name, _fmt(value["pc"]), ci)
            else:
                table.add_row(name, _fmt(value), "")
        table.add_row("max_pc", _fmt(r["max_pc"]), "")
        Console().print(table)
        for flag in r["flags"]:
            Console().print(f"[yellow]flag:[/] {flag}", highlight=False)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.6e}"


# --- proximity -------------------------------------------------------------------------------
def proximity_command(
    catalog: Annotated[Path, typer.Option(help="Catalog file (TLE/3LE, GP JSON/CSV, OMM).")],
    asset: Annotated[int, typer.Option(help="NORAD id of the protected asset.")],
    days: Annotated[float, typer.Option(help="Window length, days.")] = 7.0,
    within_km: Annotated[float, typer.Option(help="Watch radius, km.")] = 50.0,
    start: Annotated[
        str | None, typer.Option(help="Start, ISO 8601 UTC (default: the newest epoch).")
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="Write the RIC plot (HTML).")] = None,
    as_json: JsonOption = False,
    marking: MarkingOption = None,
    policy: PolicyOption = None,
    skip_bad: SkipBad = False,
) -> None:
    """Objects coming within a distance of a protected asset: when, how close, how fast."""
    _check_output(plot, "plot", (".html",))
    positive(days, "days")
    positive(within_km, "within-km")
    rules, given = _policy_and_marking(policy, marking)
    cat = load_for_cli(catalog, skip_bad).catalog.latest()
    row = asset_rows(cat, str(asset))
    assert row is not None
    t0 = parse_utc(start, field="start") if start else None
    result = proximity_watch(cat, int(row[0]), start=t0, days=days, within_km=within_km)
    events = proximity_events(result, _catalog_markings(rules, given))
    if plot is not None:
        write_atomic(plot, proximity_figure(result).to_html(include_plotlyjs=True, full_html=True))
    records = [_event_record(t.summary(), e) for t, e in zip(result.tracks, events, strict=True)]
    if as_json:
        _print_json(records)
        return
    table = Table(
        title=f"{len(records)} object(s) within {within_km:g} km of {result.asset_name} "
        f"({result.asset_norad_id}), {days:g} days from {format_utc(result.start)}"
    )
    for col in ("NORAD", "name", "closest (UTC)", "km", "rel. km/s", "approach km/s", "in", "out"):
        table.add_column(col, overflow="fold")
    for r in records:
        table.add_row(
            str(r["norad_id"]),
            r["name"],
            r["closest_approach_utc"][:19],
            f"{r['closest_km']:.3f}",
            f"{r['relative_speed_km_s']:.4f}",
            f"{r['approach_rate_km_s']:.4f}",
            (r["entry_utc"] or "before")[:16],
            (r["exit_utc"] or "after")[:16],
        )
    Console().print(table)


# --- belt --------------------------------------------------------------------------------------
def belt_command(
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog snapshot: propagated over --days.")
    ] = None,
    history: Annotated[Path | None, typer.Option(help="Element-set history instead.")] = None,
    days: Annotated[float, typer.Option(help="Catalog: span to propagate, days.")] = 7.0,
    plot: Annotated[Path | None, typer.Option(help="Longitude-time chart (HTML).")] = Path(
        "belt.html"
    ),
    no_plot: Annotated[bool, typer.Option("--no-plot", help="Write no chart.")] = False,
    as_json: JsonOption = False,
    marking: MarkingOption = None,
    policy: PolicyOption = None,
    skip_bad: SkipBad = False,
) -> None:
    """Pattern of life of the GEO belt (history) or its drift classes (catalog), and the chart."""
    if (catalog is None) == (history is None):
        raise InputError("give one of --catalog or --history", field="catalog")
    if not no_plot:
        _check_output(plot, "plot", (".html",))
    rules, given = _policy_and_marking(policy, marking)
    if history is not None:
        out, figure = _belt_history(history, rules, given, skip_bad)
    else:
        out, figure = _belt_catalog(catalog, days, skip_bad)  # type: ignore[arg-type]
    if plot is not None and not no_plot:
        write_atomic(plot, figure.to_html(include_plotlyjs=True, full_html=True))
        out["plot"] = str(plot)
    if as_json:
        _print_json(out)
        return
    _belt_table(out)


def _belt_history(path: Path, rules: Policy, given: Markings | None, skip_bad: bool):
    cat = load_for_cli(path, skip_bad).catalog
    analysis = detect_maneuvers(cat)
    patterns = pattern_of_life(analysis)
    events = status_events(patterns, analysis, _catalog_markings(rules, given))
    sets = analysis.sets
    # The chart starts where most histories do (a few objects carry stale sets from weeks
    # before, which would squeeze everything else into the top of the chart).
    firsts = [sets.epoch[np.flatnonzero(sets.norad_id == p.norad_id)[0]] for p in patterns]
    start = sets.epoch.min()
    if len(firsts) > 20:
        start = Time(np.quantile([f.utc.jd for f in firsts], 0.05), format="jd", scale="utc")
    ids, names, days_list, lons, incl, shown = [], [], [], [], [], []
    for p in patterns:
        if not p.geo:
            continue
        rows = np.flatnonzero((sets.norad_id == p.norad_id) & sets.valid)
        rows = rows[(sets.epoch[rows] - start).to_value("day") >= 0]
        if rows.size < 2:
            continue
        ids.append(p.norad_id)
        names.append(p.name)
        days_list.append((sets.epoch[rows] - start).to_value("day"))
        lons.append(sets.longitude_deg[rows])
        incl.append(p.inclination_deg)
        shown.append(p.status)
    track = belt_track_from_history(
        np.array(ids), np.array(names, dtype=object), days_list, lons, np.array(incl), start
    )
    classes = np.array(shown, dtype=object)
    figure = belt_longitude_time_figure(
        track, title=f"GEO belt from {path.name}: longitude vs time", classes=classes
    )
    counts: dict[str, int] = {}
    for p in patterns:
        counts[p.status] = counts.get(p.status, 0) + 1
    return (
        {
            "source": str(path),
            "objects": len(patterns),
            "status_counts": counts,
            "maneuvers": len(analysis.maneuvers),
            "patterns": [p.to_dict() for p in patterns],
            "events": [e.to_dict() for e in events],
        },
        figure,
    )


def _belt_catalog(path: Path, days: float, skip_bad: bool):
    if not (np.isfinite(days) and 0 < days <= 60):
        raise InputError(f"days must be in (0, 60], got {days}", field="days")
    cat = load_for_cli(path, skip_bad).catalog.latest()
    start = cat.epoch[int(np.argmax(cat.epoch.jd))]
    step = 900.0 if days <= 7 else 3600.0
    states = len(cat) * (days * 86400.0 / step + 1)
    check_memory(states * 6 * 8 * 4, "the belt propagation", "use fewer --days or a GEO catalog")
    times = start + TimeDelta(np.arange(0.0, days * 86400.0 + 1.0, step), format="sec")
    track = belt_tracks(cat, Sgp4Propagator().propagate(cat, times, "teme"), mean=True)
    figure = belt_longitude_time_figure(track, title=f"GEO belt from {path.name}")
    summary = belt_summary(track)
    classes = belt_classes(track)
    patterns = [
        {
            "norad_id": int(n),
            "name": str(name).strip(),
            "status": str(c),
            "longitude_deg": round(float(lon), 4),
            "drift_deg_per_day": round(float(d), 5),
            "inclination_deg": round(float(i), 4),
        }
        for n, name, c, lon, d, i in zip(
            track.norad_id,
            track.name,
            classes,
            track.start_longitude_deg,
            track.drift_deg_per_day,
            track.inclination_deg,
            strict=True,
        )
    ]
    return {"source": str(path), **summary, "patterns": patterns}, figure


def _belt_table(out: dict) -> None:
    counts = out.get("status_counts") or out.get("classes", {})
    title = f"{out.get('objects', out.get('geo_objects'))} objects: " + ", ".join(
        f"{k} {v}" for k, v in sorted(counts.items())
    )
    table = Table(title=title)
    cols = ("NORAD", "name", "status", "lon deg E", "drift deg/d", "incl deg", "maneuvers")
    for col in cols:
        table.add_column(col, overflow="fold")
    for p in out["patterns"]:
        lon = p.get("slot_longitude_deg", p.get("longitude_deg"))
        man = p.get("maneuvers")
        table.add_row(
            str(p["norad_id"]),
            p["name"],
            p["status"],
            f"{lon:.2f}",
            f"{p['drift_deg_per_day']:.4f}",
            f"{p['inclination_deg']:.3f}",
            "-" if not man else ", ".join(f"{k} {v}" for k, v in man.items()),
        )
    Console().print(table)
    for e in out.get("events", []):
        Console().print(f"[yellow]{e['summary']}[/]", highlight=False)


__all__ = [
    "belt_command",
    "maneuvers_command",
    "pc_command",
    "proximity_command",
    "screen_command",
]
