"""Inputs of an OD run: observations (UDL-style JSON, or CCSDS TDM with observer states
filled from a scenario) and prior orbits (element sets with a modelled covariance, or an
earlier run's orbits.json)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from astropy.time import Time

from beltwatch._io import read_text
from beltwatch.catalog import load_catalog
from beltwatch.errors import InputError
from beltwatch.formats import (
    ForeignMarkings,
    observations_from_tdm,
    parse_messages,
    read_udl_observations,
)
from beltwatch.orbit_determination._pipeline import OrbitPrior
from beltwatch.orbit_determination._priors import element_set_sqrt_covariance
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import Observer, Scenario
from beltwatch.timescales import parse_utc
from beltwatch.values import Observation, OrbitState


def read_observations(
    path: Path, scenario: Scenario, *, foreign_markings: ForeignMarkings | None = None
) -> list[Observation]:
    """UDL-style JSON (plain UDL markings mapped by ``foreign_markings``), or the RADEC
    segments of CCSDS TDMs with observer states from ``scenario`` (NaN, hence rejected
    later, for an observer it does not know)."""
    text = read_text(path)
    if text.lstrip().startswith(("[", "{")):
        return read_udl_observations(path, foreign_markings=foreign_markings)
    observations: list[Observation] = []
    messages = parse_messages(text, str(path))
    for number, message in enumerate(messages):
        if message.kind != "TDM":
            raise InputError(f"expected observations, got a {message.kind}", source=str(path))
        prefix = f"tdm{number}" if len(messages) > 1 else None
        observations += observations_from_tdm(message, id_prefix=prefix)
    return with_observer_states(observations, scenario)


def _observer(scenario: Scenario, name: str) -> Observer | None:
    if name in scenario.sensors:
        return scenario.sensors[name].platform
    return scenario.hosts.get(name) or scenario.sites.get(name)


def with_observer_states(observations: list[Observation], scenario: Scenario) -> list:
    """Observations whose observer state is missing get it from the scenario platform named
    by their sensor id (one vectorised call per sensor)."""
    out = list(observations)
    missing: dict[str, list[int]] = {}
    for k, ob in enumerate(out):
        if not np.all(np.isfinite(ob.observer_position_km)):
            missing.setdefault(ob.sensor_id, []).append(k)
    for name, rows in missing.items():
        platform = _observer(scenario, name)
        if platform is None:
            continue
        times = Time([out[k].time.utc for k in rows])
        r, v = platform.states_gcrs(times)
        for j, k in enumerate(rows):
            out[k] = replace(out[k], observer_position_km=r[j], observer_velocity_km_s=v[j])
    return out


def catalog_priors(path: Path, observations: list[Observation]) -> dict[int, OrbitPrior]:
    """Starting orbits from element sets: each observed object's SGP4 state (GCRS) at its
    last observation time, with the element-set covariance model at that age; objects
    absent from the catalog get none."""
    catalog = load_catalog(path).catalog
    last: dict[int, Observation] = {}
    for ob in observations:
        if ob.norad_id is not None and (
            ob.norad_id not in last or ob.time > last[ob.norad_id].time
        ):
            last[int(ob.norad_id)] = ob
    rows = catalog[np.isin(catalog.norad_id, list(last))].latest()
    priors = {}
    for k, norad in enumerate(rows.norad_id):
        eph = Sgp4Propagator(workers=1).propagate(rows[k : k + 1], last[int(norad)].time, "gcrs")
        if eph.valid.all():
            r, v = eph.position_km[0, 0], eph.velocity_km_s[0, 0]
            age = float(eph.times[0].tai.jd - rows.epoch[k].tai.jd)
            s = element_set_sqrt_covariance(r, v, age)
            state = OrbitState(eph.times[0], r, v, "gcrs", s @ s.T, int(norad))
            priors[int(norad)] = OrbitPrior(state, source="catalog")
    return priors


def read_orbit_priors(path: Path) -> dict[int, OrbitPrior]:
    """Starting orbits (with their covariance) and C_R a priori from an orbits.json."""
    try:
        records = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc})", source=path) from exc
    if not isinstance(records, list):
        raise InputError("expected a list of orbit records (an orbits.json)", source=path)
    priors = {}
    for k, rec in enumerate(records):
        state = _prior_record(rec, k, path)
        priors[int(state.norad_id or 0)] = OrbitPrior(state, "prior")
    return priors


def _prior_record(rec: dict, k: int, path: Path) -> OrbitState:
    where = f"record {k}"
    try:
        state = np.array([*rec["position_km"], *rec["velocity_km_s"]], dtype=float)
        epoch = parse_utc(rec["epoch_utc"], field=f"{where}: epoch_utc")
        norad = int(rec["norad_id"])
        cr, cr_sigma = rec.get("cr"), rec.get("cr_sigma")
        cov = None if rec.get("covariance") is None else np.array(rec["covariance"], float)
    except KeyError as exc:
        raise InputError(f"{where}: missing field", source=path, field=str(exc)) from exc
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}", source=path) from exc
    if state.shape != (6,) or not np.all(np.isfinite(state)):
        raise InputError(
            f"{where}: position/velocity must be 3 finite numbers each",
            source=path,
            field="position_km/velocity_km_s",
        )
    if cov is not None and (cov.shape != (6, 6) or not np.all(np.isfinite(cov))):
        raise InputError(f"{where}: covariance must be 6x6 finite", source=path, field="covariance")
    if cr_sigma is not None and not float(cr_sigma) > 0:
        raise InputError(f"{where}: cr_sigma must be positive", source=path, field="cr_sigma")
    if cov is not None and cr is not None and cr_sigma is not None:
        full = np.zeros((7, 7))
        full[:6, :6], full[6, 6] = cov, float(cr_sigma) ** 2
        cov = full
    elif cr is not None and cr_sigma is not None:  # C_R known, the state's sigma not
        cov = np.diag([1e6] * 3 + [1.0] * 3 + [float(cr_sigma) ** 2])
    return OrbitState(
        epoch, state[:3], state[3:], "gcrs", cov, norad, cr=None if cr is None else float(cr)
    )
