"""``beltwatch simulate frames`` and ``beltwatch process``: image frames in, observations out."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from beltwatch._io import write_atomic
from beltwatch.catalog import load_catalog, synthetic_geo_population
from beltwatch.errors import InputError
from beltwatch.formats import write_tdm, write_udl_observations
from beltwatch.processing import frame_paths, process_frames
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.simulation import (
    FrameSettings,
    Tracking,
    densest_field,
    simulate_sequence,
    write_frame,
)
from beltwatch.timescales import as_time

simulate_app = typer.Typer(help="Simulate sensor data.", no_args_is_help=True)


class ObsFormat(StrEnum):
    udl = "udl"
    tdm = "tdm"


@simulate_app.command("frames")
def simulate_frames_command(
    out: Annotated[Path, typer.Option(help="Output directory for FITS frames + truth sidecars.")],
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML (default: the embedded scenario).")
    ] = None,
    minutes: Annotated[float, typer.Option(help="Length of the sequence, minutes.")] = 1.0,
    sensor: Annotated[
        str | None, typer.Option(help="Sensor id (default: the first hosted camera).")
    ] = None,
    catalog: Annotated[
        Path | None, typer.Option(help="RSO catalog file (default: synthetic GEO population).")
    ] = None,
    start: Annotated[str | None, typer.Option(help="Start, ISO UTC (default: scenario).")] = None,
    tracking: Annotated[Tracking, typer.Option(help="Tracking mode.")] = Tracking.SIDEREAL,
    seed: Annotated[int, typer.Option(help="Noise seed.")] = 1,
) -> None:
    """Simulate a frame sequence of a hosted camera staring at the densest GEO-belt field."""
    scen = load_scenario(scenario) if scenario else default_scenario()
    cameras = [
        (s, s.camera)
        for s in scen.sensors.values()
        if s.camera is not None and not s.is_ground and sensor in (None, s.sensor_id)
    ]
    if not cameras:
        raise InputError(f"no hosted camera {sensor or ''} in the scenario", field="sensor")
    sen, cam = cameras[0]
    t0 = as_time(start or scen.start or "2026-05-30T00:00:00Z", field="start")
    rsos = load_catalog(catalog).catalog.latest() if catalog else synthetic_geo_population(epoch=t0)
    n_frames = max(1, int(minutes * 60.0 // (cam.exposure_s + cam.readout_s)))
    ra, dec = densest_field(cam, sen.platform, rsos, t0)
    frames = simulate_sequence(
        cam, sen.platform, rsos, t0, n_frames, ra, dec,
        settings=FrameSettings(tracking=tracking, seed=seed),
    )  # fmt: skip
    for frame in frames:
        write_frame(out, frame)
    Console(stderr=True).print(f"{len(frames)} frames of {sen.sensor_id} written to {out}")


def process_command(
    directory: Annotated[Path, typer.Argument(help="Directory of FITS frames.")],
    out: Annotated[Path, typer.Option(help="Observations file.")],
    fmt: Annotated[ObsFormat, typer.Option("--format", help="Output format.")] = ObsFormat.udl,
) -> None:
    """Reduce FITS frames into observations (exchange convention, docs/conventions.md).

    Frames that fail are listed on stderr and in ``<out>.failures.json``; the batch goes on.
    """
    result = process_frames(frame_paths(directory))
    if fmt is ObsFormat.tdm:
        write_tdm(result.observations, out)
    else:
        write_udl_observations(result.observations, out)
    failures = [{"path": f.path, "reason": f.reason} for f in result.failures]
    write_atomic(out.with_name(out.name + ".failures.json"), json.dumps(failures, indent=1) + "\n")
    console = Console(stderr=True)
    for f in result.failures:
        console.print(f"frame failed: {f.path}: {f.reason}", highlight=False, soft_wrap=True)
    console.print(
        f"{len(result.reductions)} frames reduced, {len(result.failures)} failed, "
        f"{len(result.observations)} observations in {len(result.tracklets)} tracklets -> {out}"
    )
