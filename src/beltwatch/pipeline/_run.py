"""``beltwatch run``: the stages in order, timed, with progress; outputs staged so that an
interrupted run leaves nothing half-written (the run directory appears whole or not at
all)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from beltwatch._io import staged_directory, write_atomic
from beltwatch.analytics import belt_summary, public_markings
from beltwatch.catalog import OrbitClass
from beltwatch.errors import InputError
from beltwatch.pipeline._analytics import run_analytics
from beltwatch.pipeline._config import ScenarioConfig, load_run_scenario, scenario_from_data
from beltwatch.pipeline._correlate import correlate_and_discover, decide_ambiguous
from beltwatch.pipeline._coverage import coverage_and_belt
from beltwatch.pipeline._executor import make_executor
from beltwatch.pipeline._observe import observe
from beltwatch.pipeline._orbits import (
    ELEMENT_FIT_SAMPLES,
    ELEMENT_FIT_SPAN_S,
    determine_orbits,
)
from beltwatch.pipeline._products import (
    observation_records,
    orbit_records,
    prefitted,
    publish_products,
)
from beltwatch.pipeline._report import write_report
from beltwatch.pipeline._sinks import Sinks, open_sinks
from beltwatch.pipeline._summary import frame_tagging, truth_section
from beltwatch.pipeline._truth import build_truth
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.sharing import load_policy
from beltwatch.timescales import format_utc

STAGES = (
    "truth", "observe", "correlate", "orbits", "catalog update", "analytics",
    "products", "score", "report",
)  # fmt: skip
COVERAGE_STEP_S = 300.0


@dataclass(frozen=True)
class RunOptions:
    """What ``beltwatch run`` was asked (None: the scenario's value)."""

    scenario: str | Path | None = None
    hours: float | None = None
    seed: int | None = None
    catalog_path: Path | None = None
    fidelity: str | None = None
    out_dir: Path = Path("runs")
    db: str | None = None
    stream: str | None = None
    scheduler: str | None = None
    run_name: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))


def effective_config(options: RunOptions) -> tuple[ScenarioConfig, str]:
    """The scenario with the command-line overrides applied."""
    config, source = load_run_scenario(options.scenario)
    run = config.run
    updates: dict[str, Any] = {}
    if options.hours is not None or options.seed is not None:
        updates["run"] = run.model_copy(
            update={
                k: v for k, v in (("hours", options.hours), ("seed", options.seed)) if v is not None
            }
        )
    if options.catalog_path is not None:
        updates["truth"] = config.truth.model_copy(
            update={"population": "catalog", "catalog_file": str(options.catalog_path)}
        )
    if options.fidelity is not None:
        updates["observe"] = config.observe.model_copy(update={"fidelity": options.fidelity})
    merged = config.model_dump()
    merged.update({k: v.model_dump() for k, v in updates.items()})
    return scenario_from_data(merged, source), source


def run_pipeline(options: RunOptions, progress: Progress | None = None) -> tuple[dict, Path]:
    """Run every stage; returns the summary and the path of summary.json."""
    config, source = effective_config(options)  # bad scenario: fails before anything is made
    run_dir = options.out_dir / options.run_name
    options.out_dir.mkdir(exist_ok=True)
    with staged_directory(run_dir) as stage:
        summary = _run_stages(
            config, source, options, stage, run_dir, progress or Progress(transient=True)
        )
        write_atomic(stage / "summary.json", json.dumps(summary, indent=2, default=_json) + "\n")
    return summary, run_dir / "summary.json"


def _json(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON: {type(value)}")


class _Timer:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=len(STAGES))
        self.seconds: dict[str, float] = {}

    def stage(self, name: str, fn: Callable[[], Any], detail: str = "") -> Any:
        self.progress.update(self.task, description=f"{name}{': ' + detail if detail else ''}")
        t = time.perf_counter()
        out = fn()
        self.seconds[name] = round(time.perf_counter() - t, 3)
        self.progress.advance(self.task)
        return out


def _run_stages(
    config: ScenarioConfig, source: str, options: RunOptions, stage: Path, run_dir: Path,
    progress: Progress,
) -> dict:  # fmt: skip
    sensors = (
        default_scenario()
        if config.observe.sensors == "default"
        else load_scenario(config.observe.sensors)
    )
    policy = load_policy(config.products.policy) if config.products.policy else load_policy()
    partners = config.products.partners or tuple(policy.partners)
    executor = make_executor(options.scheduler)
    own = policy.own_markings
    if own is None:
        raise InputError("the policy has no own markings for our records", field="markings.own")
    sinks: Sinks = open_sinks(options.db, options.stream, stage)
    try:
        with progress:
            timer = _Timer(progress)
            truth = timer.stage(
                "truth", lambda: build_truth(config, sensors), "population and catalog"
            )
            observed = timer.stage(
                "observe", lambda: observe(truth, sensors, config.observe, executor),
                ", ".join(config.observe.hosts),
            )  # fmt: skip
            corr = timer.stage(
                "correlate",
                lambda: correlate_and_discover(observed.table, truth.catalog, config.association),
                f"{len(observed.table)} observations",
            )
            orbits = timer.stage(
                "orbits",
                lambda: determine_orbits(
                    corr, truth.catalog, truth.start, truth.stop, config.orbits, executor
                ),
                "batch LS and EKF",
            )
            corr, decided = decide_ambiguous(corr, truth.catalog)
            rows, ids = corr.tagged()
            obs_records = observation_records(corr.result.table, rows, ids, own)
            orbit_recs = orbit_records(orbits.states, truth.catalog, own)
            timer.stage(
                "catalog update",
                lambda: sinks.update_catalog(
                    obs_records, orbit_recs, truth.catalog, public_markings(policy)
                ),
                sinks.description,
            )
            new_ids = [o.object_id for o in corr.new]
            analytics = timer.stage(
                "analytics",
                lambda: run_analytics(
                    truth.catalog,
                    orbits,
                    new_ids,
                    sensors,
                    truth.start,
                    config.analytics,
                    policy,
                    executor,
                ),
                "maneuvers, conjunctions, proximity",
            )
            sinks.add_events(analytics.events)
            products = timer.stage(
                "products",
                lambda: publish_products(
                    stage,
                    policy,
                    partners,
                    obs_records,
                    orbit_recs,
                    prefitted(
                        orbits.element_sets,
                        orbits.element_fit_rms_km,
                        ELEMENT_FIT_SPAN_S,
                        ELEMENT_FIT_SPAN_S / (ELEMENT_FIT_SAMPLES - 1),
                    ),
                    analytics.events,
                    config.products.observations_format,
                ),
                ", ".join(partners),
            )
            for kind, records in (
                ("observations", obs_records), ("orbits", orbit_recs), ("events", analytics.events),
            ):  # fmt: skip
                sinks.publish(kind, records)
            for r in products.releases:
                sinks.record_release(r["partner"], r["kind"], r["fmt"], r["ids"], r["withheld"],
                                     r["digest"], r["path"])  # fmt: skip
            scored, coverage, track = timer.stage(
                "score",
                lambda: (
                    truth_section(truth, corr, orbits, analytics.events, sensors),
                    *coverage_and_belt(
                        truth.population, sensors, truth.start, config.run.hours, COVERAGE_STEP_S
                    ),
                ),
                "against the simulation truth; coverage",
            )
            od_errors = scored.pop("_od_errors_km")
            summary = {
                "run": options.run_name,
                "scenario": {"name": config.name, "source": source},
                "population": truth.source,
                "seed": config.run.seed,
                "start_utc": format_utc(truth.start),
                "stop_utc": format_utc(truth.stop),
                "executor": executor.description,
                "store": sinks.description,
                "stored": sinks.stored,
                "published": sinks.published,
                "objects": len(truth.population),
                "by_orbit_class": {
                    c.value: int(np.sum(truth.population.orbit_class() == c.value))
                    for c in OrbitClass
                },
                "catalog": {
                    "element_sets": len(truth.catalog),
                    "stale": int(truth.stale.size),
                    "missing": int(truth.missing.size),
                },
                "observations": {
                    "total": len(corr.result.table),
                    "per_host": observed.per_host,
                    "tasks": observed.tasks,
                },
                **(
                    {"frames": {**observed.frames, **frame_tagging(corr)}}
                    if observed.frames
                    else {}
                ),
                "correlation": {**corr.counts(), "ambiguous_decided_by_orbits": decided},
                "new_objects": sorted(new_ids),
                "orbits": {
                    "determined": len(orbits.states),
                    "failed": len(orbits.failed),
                    "by_method": _count(orbits.method.values()),
                    "failures": {str(k): v for k, v in sorted(orbits.failed.items())},
                },
                "events": {
                    "total": len(analytics.events),
                    "by_kind": _count(e.kind.value for e in analytics.events),
                    "approaches_screened": analytics.approaches_screened,
                    "assets": analytics.assets,
                },
                "products": products.partners,
                "coverage": coverage.summary(),
                "belt": belt_summary(track),
                "truth": scored,
            }
            summary["stage_seconds"] = timer.seconds
            timer.stage(
                "report",
                lambda: write_report(
                    stage, summary, corr, orbits, od_errors, analytics.events, coverage, track
                ),
                "report.html",
            )
            summary["stage_seconds"] = timer.seconds
            summary["total_seconds"] = round(sum(timer.seconds.values()), 3)
            summary["outputs"] = {
                "report": str(run_dir / "report.html"),
                "summary": str(run_dir / "summary.json"),
                "audit_log": str(run_dir / "audit.jsonl"),
                "products": str(run_dir / "products"),
            }
    finally:
        executor.close()
        sinks.close()
    return summary


def _count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return dict(sorted(out.items()))
