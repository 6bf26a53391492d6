"""``beltwatch run``: the main job, wiring the stages that exist on embedded defaults.

Stages now: load the catalog (synthetic GEO population unless a file is given),
propagate it over the span, summarise the GEO belt, write ``summary.json``.
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
from beltwatch.catalog import Catalog, OrbitClass, load_catalog, synthetic_geo_population
from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import as_time, format_utc, time_grid

# Longitude window watched by the QZS-6 hosted payload (deg east), an assumption.
INDO_PACIFIC_WINDOW_DEG = (30.0, 150.0)
STATION_KEPT_MAX_DRIFT_DEG_PER_DAY = 0.05


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


def belt_summary(catalog: Catalog, longitude_deg: np.ndarray, span_days: float) -> dict:
    """GEO belt figures from Earth-fixed longitudes (n_objects, n_times)."""
    geo = catalog.orbit_class() == OrbitClass.GEO.value
    lon = np.unwrap(np.radians(longitude_deg[geo]), axis=1)
    valid = np.all(np.isfinite(lon), axis=1)
    drift = np.degrees(lon[valid, -1] - lon[valid, 0]) / span_days
    lon_start = np.mod(np.degrees(lon[valid, 0]) + 180.0, 360.0) - 180.0
    lo, hi = INDO_PACIFIC_WINDOW_DEG
    inclination_deg = np.degrees(catalog.inclination_rad[geo][valid])
    bins = np.arange(-180, 181, 30)
    counts, _ = np.histogram(lon_start, bins)
    return {
        "geo_objects": int(valid.sum()),
        "station_kept": int(np.sum(np.abs(drift) < STATION_KEPT_MAX_DRIFT_DEG_PER_DAY)),
        "drifting": int(np.sum(np.abs(drift) >= STATION_KEPT_MAX_DRIFT_DEG_PER_DAY)),
        "inclination_above_1_deg": int(np.sum(inclination_deg > 1.0)),
        "in_indo_pacific_window": int(np.sum((lon_start >= lo) & (lon_start <= hi))),
        "indo_pacific_window_deg": [lo, hi],
        "median_abs_drift_deg_per_day": float(np.median(np.abs(drift))) if drift.size else None,
        "objects_per_30deg_longitude": {
            f"{a:+d}..{b:+d}": int(c) for a, b, c in zip(bins[:-1], bins[1:], counts, strict=True)
        },
    }


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
        longitude_deg = np.degrees(np.arctan2(eph.position_km[..., 1], eph.position_km[..., 0]))
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
            "belt": belt_summary(catalog, longitude_deg, config.hours / 24.0),
        }
        path = write_atomic(
            config.out_dir / config.run_name / "summary.json", json.dumps(summary, indent=2) + "\n"
        )
        progress.update(task, advance=1, description="done")
    return summary, path
