"""``beltwatch run``: the main job, wiring the stages on embedded defaults.

Stages: load the catalog (synthetic GEO population unless a file is given),
propagate it once over the span (GCRS), summarise the GEO belt (longitude-time
chart), schedule the scenario's sensors (QZS-6 and QZS-7 hosted cameras,
ground partners) and measure coverage (coverage map); write ``summary.json``
and the plots into ``runs/<timestamp>/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta
from rich.progress import Progress

from beltwatch._io import staged_directory, write_atomic
from beltwatch._limits import check_memory
from beltwatch.analytics import belt_longitude_time_figure, belt_summary, belt_tracks
from beltwatch.catalog import OrbitClass, load_catalog, synthetic_geo_population
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.tasking import coverage_figure, run_coverage
from beltwatch.timescales import as_time, format_utc, time_grid

STAGES = ("catalog", "propagation", "belt", "coverage")


@dataclass(frozen=True)
class RunConfig:
    """What ``beltwatch run`` does; every default is here."""

    catalog_path: Path | None = None
    scenario_path: Path | None = None  # default: the embedded QZS-6/QZS-7 scenario
    start: str | None = None  # default: the catalog's newest epoch
    hours: float = 24.0
    step_s: float = 60.0
    out_dir: Path = Path("runs")
    seed: int = 2025
    run_name: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))


def _html(figure) -> str:
    return figure.to_html(include_plotlyjs=True, full_html=True)


# Working memory per object-epoch: the GCRS ephemeris plus each sensor's visibility arrays.
BYTES_PER_OBJECT_EPOCH = 160


def run_pipeline(config: RunConfig, progress: Progress | None = None) -> tuple[dict, Path]:
    """Run the stages; returns the summary and the path of summary.json. Outputs go to a
    staging directory renamed to ``out_dir/run_name`` at the end (nothing half-written)."""
    run_dir = config.out_dir / config.run_name
    config.out_dir.mkdir(exist_ok=True)
    with staged_directory(run_dir) as stage:
        summary = _run_stages(config, stage, progress or Progress(transient=True))
        summary["plots"] = {k: str(run_dir / Path(v).name) for k, v in summary["plots"].items()}
        write_atomic(stage / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary, run_dir / "summary.json"


def _run_stages(config: RunConfig, run_dir: Path, progress: Progress) -> dict:
    with progress:
        task = progress.add_task("loading catalog and scenario", total=len(STAGES))
        if config.catalog_path is None:
            catalog = synthetic_geo_population(seed=config.seed)
            source = f"synthetic GEO population (seed {config.seed})"
        else:
            catalog, source = (
                load_catalog(config.catalog_path).catalog.latest(),
                str(config.catalog_path),
            )
        scenario = (
            default_scenario()
            if config.scenario_path is None
            else load_scenario(config.scenario_path)
        )

        progress.update(task, advance=1, description=f"propagating {len(catalog)} objects")
        start: Time = as_time(config.start) if config.start else catalog.epoch.max()
        n_times = int(config.hours * 3600.0 / config.step_s) + 1
        check_memory(
            len(catalog) * n_times * BYTES_PER_OBJECT_EPOCH * (1 + len(scenario.sensors)),
            f"{len(catalog)} objects x {n_times} epochs x {len(scenario.sensors)} sensors",
            "shorten --hours or lengthen --step",
        )
        times = time_grid(
            start, start + TimeDelta(config.hours * 3600.0, format="sec"), config.step_s
        )
        eph = Sgp4Propagator().propagate(catalog, times, "gcrs")

        progress.update(task, advance=1, description="summarising the belt")
        track = belt_tracks(catalog, eph)
        belt_plot = write_atomic(
            run_dir / "belt-longitude-time.html", _html(belt_longitude_time_figure(track))
        )

        progress.update(task, advance=1, description=f"coverage: {', '.join(scenario.sensors)}")
        coverage = run_coverage(
            scenario, catalog, start, config.hours, config.step_s, ephemeris=eph
        )
        coverage_plot = write_atomic(run_dir / "coverage.html", _html(coverage_figure(coverage)))

        classes = catalog.orbit_class()
        summary = {
            "run": config.run_name,
            "catalog": source,
            "scenario": str(
                config.scenario_path or "embedded default (QZS-6, QZS-7, ground partners)"
            ),
            "objects": len(catalog),
            "by_orbit_class": {c.value: int(np.sum(classes == c.value)) for c in OrbitClass},
            "start_utc": format_utc(times[0]),
            "stop_utc": format_utc(times[-1]),
            "step_s": config.step_s,
            "states_computed": int(eph.error_code.size),
            "propagation_errors": int(np.count_nonzero(eph.error_code)),
            "objects_with_errors": int(np.count_nonzero(np.any(eph.error_code != 0, axis=1))),
            "belt": belt_summary(track),
            "coverage": coverage.summary(),
            "plots": {"belt_longitude_time": str(belt_plot), "coverage": str(coverage_plot)},
        }
        progress.update(task, advance=1, description="done")
    return summary
