"""``beltwatch simulate frames`` and ``beltwatch process``: image frames in, observations out."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from beltwatch._io import write_atomic
from beltwatch.catalog import load_catalog, synthetic_geo_population
from beltwatch.cli._contract import (
    check_disk,
    check_memory,
    output_directory,
    output_file,
    positive,
    staged_directory,
)
from beltwatch.cli._markings import own_markings
from beltwatch.errors import InputError
from beltwatch.formats import write_tdm, write_udl_observations
from beltwatch.processing import frame_paths, process_frames
from beltwatch.sensors import default_scenario, load_scenario
from beltwatch.sharing import load_policy
from beltwatch.simulation import (
    FrameSettings,
    Tracking,
    densest_field,
    iter_sequence,
    write_frame,
)
from beltwatch.timescales import as_time

# Working memory per pixel of a simulated frame (float64 image, noise, uint16 pixels).
BYTES_PER_SIMULATED_PIXEL = 40

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
    """Simulate a frame sequence of a hosted camera staring at the densest GEO-belt field.

    The frames go to a staging directory renamed to OUT when all are written."""
    positive(minutes, "minutes")
    output_directory(out, "out")
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
    pixels = cam.detector_cols * cam.detector_rows
    check_memory(pixels * BYTES_PER_SIMULATED_PIXEL, "one frame", "use a smaller detector")
    check_disk(out.parent, n_frames * pixels * 2, f"{n_frames} frames", "simulate fewer --minutes")
    ra, dec = densest_field(cam, sen.platform, rsos, t0)
    frames = iter_sequence(
        cam, sen.platform, rsos, t0, n_frames, ra, dec,
        settings=FrameSettings(tracking=tracking, seed=seed),
    )  # fmt: skip
    with staged_directory(out) as stage, Progress(transient=True) as progress:
        task = progress.add_task(f"simulating {n_frames} frames of {sen.sensor_id}", total=n_frames)
        for frame in frames:
            write_frame(stage, frame)
            progress.advance(task)
    Console(stderr=True).print(f"{n_frames} frames of {sen.sensor_id} written to {out}")


def process_command(
    directory: Annotated[Path, typer.Argument(help="Directory of FITS frames.")],
    out: Annotated[Path, typer.Option(help="Observations file.")],
    fmt: Annotated[ObsFormat, typer.Option("--format", help="Output format.")] = ObsFormat.udl,
    marking: Annotated[
        str | None,
        typer.Option(
            help="Marking of the observations, e.g. 'PARTNER//OWNER USA//REL TO JPN' "
            "(default: the policy's own markings)."
        ),
    ] = None,
    policy: Annotated[
        Path | None, typer.Option(help="Policy TOML (default: the shipped example).")
    ] = None,
) -> None:
    """Reduce FITS frames into observations (exchange convention, docs/conventions.md).

    Frames that fail are listed on stderr and in ``<out>.failures.json``; the batch goes on.
    """
    output_file(out, "out")
    markings = own_markings(load_policy(policy), marking)
    paths = frame_paths(directory)
    if not paths:
        raise InputError("no FITS frames (*.fits, *.fit, *.fts) here", source=directory)
    result = process_frames(paths, markings=markings)
    if not result.reductions:
        raise InputError(
            f"none of the {len(paths)} frames could be reduced (first: "
            f"{result.failures[0].reason})",
            source=directory,
        )
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
