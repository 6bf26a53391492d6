"""Orbits: the catalog maintained with our own orbit determination.

* new objects: the batch least-squares orbits that confirmed them (association);
* stale cataloged objects (element set older than ``catalog.STALE_AFTER_DAYS``): batch
  least squares per object (:func:`~beltwatch.orbit_determination.fit_object`, the
  element set as prior), one task each, at most ``batch_max_objects`` (lowest numbers);
* every other observed cataloged object: the EKF (:func:`ekf_update`) from its
  element-set state at the run start with the element-set covariance model, vectorised
  over fixed chunks of ``ekf_chunk`` objects (one task per chunk). Rows the filter
  rejects in a run feed the maneuver analytic.

Each orbit is also carried to the run's common epoch (its stop time) for scoring, and
an SGP4 element set is fitted to it over the last hours of the run (one vectorised fit):
the maintained catalog that screening and the OMM products use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.association import ObservationTable
from beltwatch.catalog import STALE_AFTER_DAYS, Catalog
from beltwatch.orbit_determination import (
    FilterResult,
    MeasurementSet,
    OrbitPrior,
    ekf_update,
    element_set_sqrt_covariance,
    fit_object,
    od_propagator,
    radec_measurements,
)
from beltwatch.pipeline._config import OrbitsSection
from beltwatch.pipeline._correlate import Correlated
from beltwatch.pipeline._executor import Executor
from beltwatch.propagation import Sgp4Propagator, fit_sgp4
from beltwatch.timescales import time_from_tai_seconds
from beltwatch.values import OrbitState

ELEMENT_FIT_SPAN_S = 12 * 3600.0  # element sets fitted over the last 12 h of the run
ELEMENT_FIT_SAMPLES = 25


@dataclass(frozen=True, eq=False)
class EkfChunk:
    """One EKF task's result: the objects, their filter result and measurements."""

    norad_ids: np.ndarray
    result: FilterResult
    measurements: MeasurementSet


@dataclass(eq=False)
class Orbits:
    """Our orbits (norad -> state with covariance), how each was made, failures with
    reasons, the same orbits at the common epoch, and the EKF chunks."""

    states: dict[int, OrbitState] = field(default_factory=dict)
    method: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    at_epoch: dict[int, np.ndarray] = field(default_factory=dict)  # (6,) GCRS
    common_epoch: Time | None = None
    ekf: list[EkfChunk] = field(default_factory=list)
    rms_arcsec: dict[int, float] = field(default_factory=dict)
    element_sets: Catalog | None = None  # SGP4 fitted to our orbits (converged fits)
    element_fit_rms_km: dict[int, float] = field(default_factory=dict)


def measurements(table: ObservationTable, rows: np.ndarray, object_index=0) -> MeasurementSet:
    """RA/Dec measurements of table rows (time-ordered)."""
    rows = rows[np.argsort(table.t_s[rows], kind="stable")]
    return radec_measurements(
        time_from_tai_seconds(table.t_s[rows]),
        table.ra_rad[rows],
        table.dec_rad[rows],
        table.sigma_rad[rows],
        table.observer_position_km[rows],
        table.observer_velocity_km_s[rows],
        table.sensor_id[rows],
        table.obs_id[rows],
        object_index,
    )


def element_set_state(catalog: Catalog, norad_ids: np.ndarray, when: Time) -> list[OrbitState]:
    """Each object's SGP4 GCRS state at ``when`` with the element-set covariance model."""
    rows = np.array([int(np.flatnonzero(catalog.norad_id == n)[0]) for n in norad_ids])
    eph = Sgp4Propagator(workers=1).propagate(catalog[rows], Time([when]), "gcrs")
    out = []
    for k, norad in enumerate(norad_ids):
        r, v = eph.position_km[k, 0], eph.velocity_km_s[k, 0]
        age = float(when.tai.jd - catalog.epoch[rows[k]].tai.jd)
        s = element_set_sqrt_covariance(r, v, age)
        out.append(OrbitState(when, r, v, "gcrs", s @ s.T, int(norad)))
    return out


def batch_task(
    norad: int, meas: MeasurementSet, prior: OrbitState, min_obs: int
) -> tuple[int, OrbitState | None, str, float]:
    """(norad, orbit or None, how or why not, rms arcsec): batch least squares of one
    object with its element set as prior."""
    if len(meas) < min_obs:
        return norad, None, f"arc too short: {len(meas)} observations", float("nan")
    try:
        est, source, failure = fit_object(meas, OrbitPrior(prior, "catalog"), od_propagator())
    except np.linalg.LinAlgError as exc:  # IOD on a degenerate arc (reported upstream)
        return norad, None, f"orbit determination failed: {exc}", float("nan")
    if est is None:
        return norad, None, str(failure), float("nan")
    return norad, est.orbit, f"batch-ls ({source})", float(est.rms_arcsec)


def ekf_task(
    norad_ids: np.ndarray, meas: MeasurementSet, priors: list[OrbitState], start: Time
) -> EkfChunk:
    """The EKF over one chunk of objects from their priors at ``start``."""
    x0 = np.array([np.concatenate([p.position_km, p.velocity_km_s]) for p in priors])
    p0 = np.array([p.covariance for p in priors])
    result = ekf_update(start, x0, p0, meas, od_propagator())
    return EkfChunk(norad_ids, result, meas)


def states_at(states: list[OrbitState], times: Time) -> np.ndarray:
    """(n, m, 6) GCRS states at ``times`` (one vectorised propagation per distinct epoch)."""
    prop = od_propagator()
    out = np.full((len(states), len(times), 6), np.nan)
    epochs = np.array([s.epoch.tai.jd1 + s.epoch.tai.jd2 for s in states])
    for e in np.unique(epochs):
        idx = np.flatnonzero(epochs == e)
        x0 = np.array(
            [np.concatenate([states[i].position_km, states[i].velocity_km_s]) for i in idx]
        )
        x, _ = prop.propagate(states[idx[0]].epoch, x0, times)
        out[idx] = x
    return out


def fitted_element_sets(
    ids: list[int], samples: np.ndarray, times: Time, names: dict[int, str]
) -> tuple[Catalog, dict[int, float]]:
    """SGP4 element sets (epoch: the last sample time) fitted to each orbit's samples
    (n, m, 6): the maintained catalog's new sets; converged fits only, with their RMS."""
    fit = fit_sgp4(
        times, samples[..., :3], samples[..., 3:], frame="gcrs", epoch=times[-1],
        norad_id=np.array(ids, dtype=np.int64), tle_check=False,
    )  # fmt: skip
    cat = replace(fit.catalog, name=np.array([names.get(n, f"NEW {n}") for n in ids], dtype=object))
    ok = np.asarray(fit.converged, bool)
    return cat[ok], {n: float(fit.rms_km[k]) for k, n in enumerate(ids) if ok[k]}


def determine_orbits(
    corr: Correlated,
    catalog: Catalog,
    start: Time,
    stop: Time,
    settings: OrbitsSection,
    executor: Executor,
) -> Orbits:
    """See the module docstring."""
    out = Orbits(common_epoch=stop)
    table = corr.result.table
    rows, ids = corr.tagged()
    by_object = {int(n): rows[ids == n] for n in np.unique(ids)}
    for obj in corr.new:
        assert obj.estimate is not None  # fitted objects only
        out.states[obj.object_id] = obj.estimate.orbit
        out.method[obj.object_id] = "new object (batch-ls)"
        out.rms_arcsec[obj.object_id] = float(obj.estimate.rms_arcsec)
    new_ids = {o.object_id for o in corr.new}
    cataloged = sorted(n for n in by_object if n not in new_ids)
    age = np.asarray((start - catalog.epoch).to_value("day"), float)
    stale_set = set(catalog.norad_id[age > STALE_AFTER_DAYS].astype(int).tolist())
    stale = [n for n in cataloged if n in stale_set][: settings.batch_max_objects]
    stale_keep = set(stale)
    ekf_ids = [n for n in cataloged if n not in stale_keep]

    batch_args = []
    for n in stale:
        meas = measurements(table, by_object[n])
        prior = element_set_state(catalog, np.array([n]), meas.times[-1])[0]
        batch_args.append((n, meas, prior, settings.min_observations))
    for norad, orbit, how, rms in executor.map(batch_task, batch_args):
        if orbit is None:
            out.failed[norad] = how
        else:
            out.states[norad] = orbit
            out.method[norad] = how
            out.rms_arcsec[norad] = rms

    chunk_args = []
    for k in range(0, len(ekf_ids), settings.ekf_chunk):
        chunk = np.array(ekf_ids[k : k + settings.ekf_chunk], dtype=np.int64)
        parts = [measurements(table, by_object[int(n)], j) for j, n in enumerate(chunk)]
        meas = MeasurementSet.concatenate(parts)
        chunk_args.append((chunk, meas, element_set_state(catalog, chunk, start), start))
    for res in executor.map(ekf_task, chunk_args):
        out.ekf.append(res)
        states = res.result.orbit_states()
        consistent = res.result.consistent
        for j, norad in enumerate(res.norad_ids):
            ok = consistent is None or bool(consistent[j])
            n = int(norad)
            if ok:
                s = states[j]
                out.states[n] = OrbitState(
                    s.epoch, s.position_km, s.velocity_km_s, "gcrs", s.covariance, n, cr=s.cr
                )
                out.method[n] = "ekf"
            else:
                reason = res.result.reason[j] if j < len(res.result.reason) else ""
                out.failed[n] = f"ekf update failed the innovation test {reason}".strip()
    ids_sorted = sorted(out.states)
    if ids_sorted:
        span = min(ELEMENT_FIT_SPAN_S, float((stop - start).to_value("s")))
        times = stop - TimeDelta(np.linspace(span, 0.0, ELEMENT_FIT_SAMPLES), format="sec")
        samples = states_at([out.states[n] for n in ids_sorted], times)
        out.at_epoch = {n: samples[i, -1] for i, n in enumerate(ids_sorted)}
        names = {
            int(n): str(x).strip() for n, x in zip(catalog.norad_id, catalog.name, strict=True)
        }
        out.element_sets, out.element_fit_rms_km = fitted_element_sets(
            ids_sorted, samples, times, names
        )
    return out
