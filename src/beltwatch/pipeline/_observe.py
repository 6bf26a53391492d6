"""Observe: the measurement-level survey of each hosted sensor, one task per host and
truth part, joined into one observation table (ids prefixed by host and part, so they
stay unique). Truth ids stay in the table for scoring only; no later stage reads them.

With ``detection`` the survey applies the detection statistics of the host's camera
(:class:`~beltwatch.simulation.DetectionModel`, its floor the configured
``sigma_arcsec``). With ``fidelity = "frames"`` a seeded sample of
``frame_sample_visits`` visits is then rendered and processed (one executor task per
visit, :mod:`beltwatch.pipeline._framevisits`); their frame observations (ids
``frame:<host>:<visit>:...``) replace the measurement-level ones of the objects in the
field, and :attr:`Observed.frames` holds the ``frames`` section of the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from astropy.time import Time

from beltwatch.association import ObservationTable
from beltwatch.errors import InputError
from beltwatch.pipeline._config import ObserveSection
from beltwatch.pipeline._executor import Executor
from beltwatch.pipeline._framevisits import (
    choose_visits,
    frame_visit_task,
    frames_summary,
    replace_visits,
)
from beltwatch.pipeline._truth import Truth, TruthPart
from beltwatch.sensors import Observer, OpticalSensor, Scenario
from beltwatch.simulation import DetectionModel, simulate_survey


@dataclass(frozen=True)
class Observed:
    table: ObservationTable
    per_host: dict[str, int]
    tasks: int
    frames: dict | None = None  # the summary's frames section (frames fidelity)


def survey_task(
    part: TruthPart,
    host: Observer,
    start: Time,
    days: float,
    settings: ObserveSection,
    camera: OpticalSensor | None = None,
) -> ObservationTable:
    """Observations of one truth part by one host (the survey seeded by the part), with
    detection statistics of ``camera`` when ``settings.detection``."""
    detection = DetectionModel(floor_arcsec=settings.sigma_arcsec) if settings.detection else None
    table = simulate_survey(
        part.targets,
        host,
        start,
        days=days,
        rng=np.random.default_rng(part.seed),
        sequence_spacing_s=settings.sequence_spacing_s,
        n_sectors=settings.n_sectors,
        sigma_arcsec=settings.sigma_arcsec,
        sun_exclusion_deg=settings.sun_exclusion_deg,
        detection=detection,
        camera=camera,
    )
    keep = (table.t_s >= part.keep_from_s) & (table.t_s < part.keep_to_s)
    table = table.take(np.flatnonzero(keep))
    prefix = f"{host.platform_id}:{part.label}:"
    return _with_ids(table, prefix)


def _with_ids(table: ObservationTable, prefix: str) -> ObservationTable:
    values = {f.name: getattr(table, f.name) for f in fields(table)}
    values["obs_id"] = np.array([prefix + str(x) for x in table.obs_id], dtype=object)
    values["track_id"] = np.array([prefix + str(x) for x in table.track_id], dtype=object)
    return ObservationTable(**values)


def concatenate_tables(tables: list[ObservationTable]) -> ObservationTable:
    """Rows of several tables, sorted by time then id (a stable, input-order-free order)."""
    values = {
        f.name: np.concatenate([getattr(t, f.name) for t in tables]) for f in fields(tables[0])
    }
    table = ObservationTable(**values)
    order = np.lexsort((table.obs_id.astype(str), table.t_s))
    return table.take(order)


def observe(
    truth: Truth, sensors: Scenario, settings: ObserveSection, executor: Executor
) -> Observed:
    """The survey of every configured host over the run (see the module docstring)."""
    hosts = []
    for name in settings.hosts:
        if name not in sensors.hosts:
            raise InputError(
                f"no host {name!r} in the sensor scenario (hosts: {', '.join(sensors.hosts)})",
                field="observe.hosts",
            )
        hosts.append(sensors.hosts[name])
    needs_camera = settings.detection or settings.fidelity == "frames"
    cameras = {
        h.platform_id: host_camera(sensors, h.platform_id) if needs_camera else None for h in hosts
    }
    days = float((truth.stop - truth.start).to_value("day"))
    args = [
        (part, host, truth.start, days, settings, cameras[host.platform_id])
        for host in hosts
        for part in truth.parts
    ]
    tables = executor.map(survey_task, args)
    table = concatenate_tables(tables)
    frames, n_tasks = None, len(args)
    if settings.fidelity == "frames":
        visits = choose_visits(
            table, {h: c for h, c in cameras.items() if c is not None}, truth.start,
            settings.sequence_spacing_s, settings.frame_sample_visits, truth.parts[0].seed,
        )  # fmt: skip
        by_id = {h.platform_id: h for h in hosts}
        visit_args = [(v, by_id[v.host_id], truth.parts, truth.start) for v in visits]
        results = executor.map(frame_visit_task, visit_args)
        kept, *frame_tables = replace_visits(table, results)
        frames = frames_summary(results, len(table) - len(kept), DetectionModel())
        table = concatenate_tables([kept, *frame_tables])
        n_tasks += len(visit_args)
    per_host = {
        h.platform_id: int(np.sum(table.sensor_id.astype(str) == h.platform_id)) for h in hosts
    }
    return Observed(table, per_host, n_tasks, frames)


def host_camera(sensors: Scenario, host_id: str) -> OpticalSensor:
    """The (first) camera of the sensor scenario on host ``host_id``."""
    for sensor in sensors.sensors.values():
        camera = sensor.camera
        if camera is not None and getattr(sensor.platform, "platform_id", None) == host_id:
            return camera
    raise InputError(
        f"no optical sensor on host {host_id!r} in the sensor scenario (detection statistics "
        "and frames need its camera)",
        field="observe.hosts",
    )
