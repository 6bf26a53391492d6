"""Orbits: the catalog maintained with our own orbit determination.

* new objects: the batch least-squares orbits that confirmed them (association);
* stale cataloged objects (element set older than ``catalog.STALE_AFTER_DAYS``): batch
  least squares per object (C_R solved for) (:func:`~beltwatch.orbit_determination.fit_object`, the
  element set as prior), one task each, at most ``batch_max_objects`` (lowest numbers);
* every other observed cataloged object: the EKF (:func:`ekf_update`) from its
  element-set state at the run start with the element-set covariance model, vectorised
  over fixed chunks of ``ekf_chunk`` objects (one task per chunk).

An orbit is published only when its own statistics support it (never silently): a fit
that fails the consistency gate, an EKF update that fails the innovation test or whose
final state does not fit its own observations (post-fit chi-square), and any orbit whose
position 1-sigma exceeds ``PUBLISH_MAX_POSITION_SIGMA_KM`` go to ``failed`` with the
reason. An EKF object its filter could not settle is re-examined (one task each,
:func:`~beltwatch.pipeline._recheck.recheck_task`): one batch fit of all its rows (a
diverged filter, no maneuver), else a maneuver (the post-burn orbit is the object's
orbit), else a failure with the reasons.

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
    ConsistencyGate,
    FilterResult,
    MeasurementSet,
    OrbitEstimate,
    OrbitPrior,
    batch_least_squares_each,
    ekf_update,
    element_set_sqrt_covariance,
    fit_object,
    od_propagator,
    position_sigma_km,
    predict,
    radec_measurements,
    residuals,
    tracklet_index,
)
from beltwatch.pipeline._config import OrbitsSection
from beltwatch.pipeline._correlate import Correlated
from beltwatch.pipeline._executor import Executor
from beltwatch.pipeline._fits import (
    FIT_OPTIONS,
    PUBLISH_GATE,
    PUBLISH_MAX_POSITION_SIGMA_KM,
    states_at,
)
from beltwatch.pipeline._recheck import (
    MANEUVER_MIN_TRACKLETS,
    ManeuverFit,
    first_refused_run,
    recheck_task,
)
from beltwatch.propagation import Sgp4Propagator, fit_sgp4
from beltwatch.timescales import (
    tai_seconds_since_j2000,
    time_from_tai_seconds,
)
from beltwatch.values import OrbitState

ELEMENT_FIT_SPAN_S = 12 * 3600.0  # element sets fitted over the last 12 h of the run
ELEMENT_FIT_SAMPLES = 25


@dataclass(frozen=True, eq=False)
class EkfChunk:
    """One EKF task's result: the objects, their filter result and measurements, and per
    object the post-fit chi-square of its accepted rows against its final orbit (no
    process noise) with the number of scalar measurements in it."""

    norad_ids: np.ndarray
    result: FilterResult
    measurements: MeasurementSet
    postfit_chi2: np.ndarray
    postfit_scalars: np.ndarray
    refits: dict[int, OrbitEstimate] = field(default_factory=dict)  # passed batch refits

    def rows_of(self, j: int) -> np.ndarray:
        """Row indices (time order) of the chunk's ``j``-th object."""
        return np.flatnonzero(self.measurements.object_index == j)


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
    maneuvers: list[ManeuverFit] = field(default_factory=list)
    discovered: dict[int, Time] = field(default_factory=dict)  # new object -> fit epoch


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
        est, source, failure = fit_object(
            meas, OrbitPrior(prior, "catalog"), od_propagator(), FIT_OPTIONS, PUBLISH_GATE
        )
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
    prop = od_propagator()
    result = ekf_update(start, x0, p0, meas, prop)
    states = result.orbit_states()
    chi2, scalars = postfit_chi2(states, meas, result.accepted)
    chunk = EkfChunk(norad_ids, result, meas, chi2, scalars)
    unfit = [j for j in range(len(norad_ids)) if settled(chunk, j).startswith("the final")]
    return replace(chunk, refits=batch_refits(states, meas, unfit, prop))


def batch_refits(
    states: list[OrbitState], meas: MeasurementSet, objects: list[int], prop
) -> dict[int, OrbitEstimate]:
    """One vectorised batch LS of ``objects`` (indices into ``states``/``object_index``)
    from their filter states, at the latest of their measurement times, with C_R solved
    for; the estimates that pass ``PUBLISH_GATE``. (Why C_R: the filter holds the nominal
    C_R; where the object's differs, the filter's process noise absorbs it but its final
    state does not fit the day's rows, and a fit without C_R is overconfident: position
    NEES of hundreds in the exercise day, 4-5 with it.)"""
    if not objects:
        return {}
    rows = np.flatnonzero(np.isin(meas.object_index, objects))
    sub = meas[rows]
    local = np.searchsorted(np.array(objects), sub.object_index)
    sub = replace(sub, object_index=local)
    epoch = sub.times[int(np.argmax(tai_seconds_since_j2000(sub.times)))]
    x = states_at([states[j] for j in objects], Time([epoch]))[:, 0]
    out = {}
    cr_sigma = float(np.max(FIT_OPTIONS.cr_apriori_sigma))
    try:
        fits = batch_least_squares_each(sub, epoch, x, prop, FIT_OPTIONS)
    except np.linalg.LinAlgError:  # then each goes to recheck_task, which reports why
        return {}
    for i, est in enumerate(fits):
        if est is None:  # its iterations diverged: recheck_task reports why
            continue
        est = PUBLISH_GATE.assess(est, sub[np.flatnonzero(local == i)], cr_sigma)
        if est.quality is not None and est.quality.passed:
            out[objects[i]] = est
    return out


def settled(chunk: EkfChunk, j: int) -> str:
    """Why the chunk's ``j``-th object is not settled by its filter ("" when it is): a
    failed innovation test, refused tracklets in a row, or a final state that does not
    fit its own accepted rows (post-fit chi-square through the batch gate)."""
    res, rows = chunk.result, chunk.rows_of(j)
    if res.consistent is not None and not bool(res.consistent[j]):
        return res.reason[j] if j < len(res.reason) else "innovation test failed"
    sub = chunk.measurements[rows]
    if first_refused_run(res.accepted[rows], tracklet_index(sub), MANEUVER_MIN_TRACKLETS):
        return "refused tracklets in a row"
    gate = ConsistencyGate()
    dof = int(chunk.postfit_scalars[j]) - 6
    chi2 = float(chunk.postfit_chi2[j])
    if dof > 0 and chi2 > gate.threshold(dof):
        return (
            f"the final state does not fit its own observations (post-fit chi2 {chi2:.0f} "
            f"> {gate.threshold(dof):.0f} for {dof} dof, weighted rms "
            f"{np.sqrt(chi2 / (dof + 6)):.2f})"
        )
    return ""


def postfit_chi2(
    states: list[OrbitState], meas: MeasurementSet, use: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per object (``meas.object_index``): the sum of squared normalised residuals of its
    ``use`` rows against its orbit propagated without process noise, and the number of
    scalar measurements in that sum."""
    n = len(states)
    if len(meas) == 0:
        return np.zeros(n), np.zeros(n, dtype=np.int64)
    key = np.round(tai_seconds_since_j2000(meas.times) * 1e3).astype(np.int64)
    _, first, col = np.unique(key, return_index=True, return_inverse=True)
    # to one epoch (a propagation per distinct epoch, one time each), then all together
    anchor = meas.times[first[-1]]
    x_anchor = states_at(states, Time([anchor]))[:, 0]
    x_all, _ = od_propagator().propagate(anchor, x_anchor, meas.times[first])
    x = x_all[meas.object_index, col]
    pred, _ = predict(meas, x[:, :3], x[:, 3:])
    z2 = np.nansum((residuals(meas, pred) / meas.sigmas) ** 2, axis=1)
    use = np.asarray(use, bool)
    chi2 = np.bincount(meas.object_index[use], weights=z2[use], minlength=n)
    scalars = np.bincount(meas.object_index[use], weights=meas.n_scalar[use], minlength=n)
    return chi2, scalars.astype(np.int64)


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


def publish(out: Orbits, norad: int, orbit: OrbitState, how: str, rms: float) -> None:
    """``orbit`` into ``out`` as the object's orbit, or into its failures when its position
    1-sigma is above ``PUBLISH_MAX_POSITION_SIGMA_KM``."""
    sigma = position_sigma_km(orbit.covariance)
    if sigma > PUBLISH_MAX_POSITION_SIGMA_KM:
        out.failed[norad] = (
            f"arc too short for the catalog: {how} orbit with position 1-sigma {sigma:.3g} km "
            f"(> {PUBLISH_MAX_POSITION_SIGMA_KM:g} km)"
        )
        return
    cov = None if orbit.covariance is None else orbit.covariance[:6, :6]  # C_R marginalised
    out.states[norad] = replace(orbit, norad_id=norad, covariance=cov)
    out.method[norad] = how
    if np.isfinite(rms):
        out.rms_arcsec[norad] = rms


def ekf_outcomes(
    chunk: EkfChunk, out: Orbits, priors: dict[int, OrbitState], start: Time, min_obs: int
) -> list[tuple]:
    """Publishes the chunk's settled objects (innovation test and post-fit chi-square
    passed, no refused run); returns :func:`recheck_task` arguments for the others."""
    states = chunk.result.orbit_states()
    recheck = []
    for j, norad in enumerate(chunk.norad_ids.tolist()):
        rows = chunk.rows_of(j)
        if not rows.size:
            continue
        if j in chunk.refits:
            est = chunk.refits[j]
            publish(out, norad, est.orbit, "batch-ls (ekf refit)", float(est.rms_arcsec))
            continue
        reason = settled(chunk, j)
        if reason:
            meas = replace(chunk.measurements[rows], object_index=np.zeros(rows.size, np.int64))
            recheck.append((norad, meas, chunk.result.accepted[rows], priors[norad], start,
                            f"ekf: {reason}", min_obs))  # fmt: skip
            continue
        publish(out, norad, states[j], "ekf", float("nan"))
    return recheck


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
        out.discovered[obj.object_id] = obj.estimate.orbit.epoch
        publish(out, obj.object_id, obj.estimate.orbit, "new object (batch-ls)",
                float(obj.estimate.rms_arcsec))  # fmt: skip
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
            publish(out, norad, orbit, how, rms)

    chunk_args = []
    priors: dict[int, OrbitState] = {}
    for k in range(0, len(ekf_ids), settings.ekf_chunk):
        chunk = np.array(ekf_ids[k : k + settings.ekf_chunk], dtype=np.int64)
        parts = [measurements(table, by_object[int(n)], j) for j, n in enumerate(chunk)]
        meas = MeasurementSet.concatenate(parts)
        chunk_priors = element_set_state(catalog, chunk, start)
        priors.update(zip(chunk.tolist(), chunk_priors, strict=True))
        chunk_args.append((chunk, meas, chunk_priors, start))
    recheck_args = []
    for res in executor.map(ekf_task, chunk_args):
        out.ekf.append(res)
        recheck_args += ekf_outcomes(res, out, priors, start, settings.min_observations)
    for r in executor.map(recheck_task, recheck_args):
        if r.orbit is None:
            out.failed[r.norad_id] = r.how
            continue
        publish(out, r.norad_id, r.orbit, r.how, r.rms_arcsec)
        if r.maneuver is not None and r.norad_id in out.states:
            out.maneuvers.append(r.maneuver)
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
