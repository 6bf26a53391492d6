"""Observe: the measurement-level survey of each hosted sensor, one task per host and
truth part, joined into one observation table (ids prefixed by host and part, so they
stay unique). Truth ids stay in the table for scoring only; no later stage reads them."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from astropy.time import Time

from beltwatch.association import ObservationTable
from beltwatch.errors import InputError
from beltwatch.pipeline._config import ObserveSection
from beltwatch.pipeline._executor import Executor
from beltwatch.pipeline._truth import Truth, TruthPart
from beltwatch.sensors import Observer, Scenario
from beltwatch.simulation import simulate_survey


@dataclass(frozen=True)
class Observed:
    table: ObservationTable
    per_host: dict[str, int]
    tasks: int


def survey_task(
    part: TruthPart, host: Observer, start: Time, days: float, settings: ObserveSection
) -> ObservationTable:
    """Observations of one truth part by one host (the survey seeded by the part)."""
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
    if settings.fidelity == "frames":
        raise InputError(
            "frame fidelity is not built yet in beltwatch run (use measurements; "
            "beltwatch simulate frames + process run the frame path)",
            field="observe.fidelity",
        )
    hosts = []
    for name in settings.hosts:
        if name not in sensors.hosts:
            raise InputError(
                f"no host {name!r} in the sensor scenario (hosts: {', '.join(sensors.hosts)})",
                field="observe.hosts",
            )
        hosts.append(sensors.hosts[name])
    days = float((truth.stop - truth.start).to_value("day"))
    args = [(part, host, truth.start, days, settings) for host in hosts for part in truth.parts]
    tables = executor.map(survey_task, args)
    table = concatenate_tables(tables)
    per_host = {
        h.platform_id: int(
            np.sum(np.char.startswith(table.obs_id.astype(str), h.platform_id + ":"))
        )
        for h in hosts
    }
    return Observed(table, per_host, len(args))
