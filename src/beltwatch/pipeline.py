"""``beltwatch run``: the main job, wiring the stages that exist on embedded defaults.

Stages now: load the catalog (synthetic GEO population unless a file is given),
propagate it over the span, summarise the GEO belt, write ``summary.json`` and a
belt longitude-time chart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta
from rich.progress import Progress

from beltwatch._io import write_atomic
from beltwatch.analytics import belt_longitude_time_figure, belt_summary, belt_tracks
from beltwatch.catalog import OrbitClass, load_catalog, synthetic_geo_population
from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import as_time, format_utc, time_grid


@dataclass(frozen=True)
class RunConfig:
    """What ``beltwatch run`` does; every default is here."""

    catalog_path: Path | None = None
    start: str | None = None  # default: the catalog's newest epoch
    hours: float = 24.0
    step_s: float = 60.0
    out_dir: Path = Path("runs")
    seed: int = 2025
    run_name: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))


def run_pipeline(config: RunConfig, progress: Progress | None = None) -> tuple[dict, Path]:
    """Run the stages; returns the summary and the path of summary.json."""
    progress = progress or Progress(transient=True)
    with progress:
        task = progress.add_task("loading catalog", total=3)
        if config.catalog_path is None:
            catalog, source = (
                synthetic_geo_population(seed=config.seed),
                f"synthetic GEO population (seed {config.seed})",
            )
        else:
            result = load_catalog(config.catalog_path)
            catalog, source = result.catalog.latest(), str(config.catalog_path)
        progress.update(task, advance=1, description=f"propagating {len(catalog)} objects")
        start: Time = as_time(config.start) if config.start else catalog.epoch.max()
        stop = start + TimeDelta(config.hours * 3600.0, format="sec")
        times = time_grid(start, stop, config.step_s)
        eph = Sgp4Propagator().propagate(catalog, times, "itrs")
        progress.update(task, advance=1, description="summarising the belt")
        track = belt_tracks(catalog, eph)
        run_dir = config.out_dir / config.run_name
        plot_path = write_atomic(
            run_dir / "belt-longitude-time.html",
            belt_longitude_time_figure(track).to_html(include_plotlyjs=True, full_html=True),
        )
        classes = catalog.orbit_class()
        summary = {
            "run": config.run_name,
            "catalog": source,
            "objects": len(catalog),
            "by_orbit_class": {c.value: int(np.sum(classes == c.value)) for c in OrbitClass},
            "start_utc": format_utc(times[0]),
            "stop_utc": format_utc(times[-1]),
            "step_s": config.step_s,
            "states_computed": int(eph.error_code.size),
            "propagation_errors": int(np.count_nonzero(eph.error_code)),
            "objects_with_errors": int(np.count_nonzero(np.any(eph.error_code != 0, axis=1))),
            "belt": belt_summary(track),
            "plots": {"belt_longitude_time": str(plot_path)},
        }
        path = write_atomic(run_dir / "summary.json", json.dumps(summary, indent=2) + "\n")
        progress.update(task, advance=1, description="done")
    return summary, path
