"""From a list of observations to orbits that never fail silently: screening, grouping by
object, starts (a prior orbit where one is known, IOD on windows across the arc), batch
least squares, and the consistency gate on every result.

Screening never raises on bad rows: each rejected observation gets a reason
(non-finite angles or observer state, duplicate id, |Dec| > 90 deg); rows out of time
order are sorted (and counted); observations without a catalog number are kept aside as
uncorrelated (UCT) for the association stage.

Per object (:func:`fit_object`): the prior's start first (data alone); when the arc cannot
determine the orbit and the prior carries a covariance, the prior is updated (its
information added) instead. Then IOD: the first start alone, and when that fit fails the
gate every other start together (one vectorised fit); the consistent fit with the lowest
chi-square per degree of freedom wins. An object with no consistent, observable fit goes
to ``OdRun.failed`` with the reason and its best RMS, never to ``estimates``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from astropy.time import Time

from beltwatch.constants import ARCSEC_RAD
from beltwatch.orbit_determination._batch import (
    BatchOptions,
    StmPropagator,
    batch_least_squares_each,
)
from beltwatch.orbit_determination._gate import ConsistencyGate
from beltwatch.orbit_determination._measurements import MeasurementSet, radec_measurements
from beltwatch.orbit_determination._starts import iod_starts
from beltwatch.propagation import propagate_covariance
from beltwatch.timescales import seconds_between, tai_seconds_since_j2000
from beltwatch.values import Observation, OrbitEstimate, OrbitState

DEFAULT_SIGMA_ARCSEC = 1.0


@dataclass(frozen=True, eq=False)
class OrbitPrior:
    """What is known of an object before this run (catalog maintenance): its
    :class:`~beltwatch.values.OrbitState` (from an element set or an earlier fit; with a
    covariance when known, and C_R +- sigma from earlier fits, which become the C_R a
    priori) and where it came from ("catalog", "prior")."""

    state: OrbitState
    source: str = "prior"


@dataclass(frozen=True)
class FailedObject:
    """Why an object has no orbit, and the weighted RMS of its best fit (NaN: none)."""

    reason: str
    best_rms_arcsec: float = float("nan")

    def __str__(self) -> str:
        if np.isfinite(self.best_rms_arcsec):
            return f"{self.reason} (best rms {self.best_rms_arcsec:.2f} arcsec)"
        return self.reason


@dataclass
class OdRun:
    """Estimates per object (each passed the gate), rejected observations (id -> reason),
    UCT observations, how each estimate started ("iod", or the prior's source, with
    " (updated)" when the prior's information was needed) and failed objects."""

    estimates: dict[int, OrbitEstimate] = field(default_factory=dict)
    started_from: dict[int, str] = field(default_factory=dict)
    measurements: dict[int, MeasurementSet] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    uct: list[Observation] = field(default_factory=list)
    failed: dict[int, FailedObject] = field(default_factory=dict)
    reordered: int = 0


def screen_observations(observations: Sequence[Observation], run: OdRun) -> list[Observation]:
    """Observations fit for OD, in time order; rejects and UCTs recorded in ``run``."""
    seen: set[str] = set()
    good = []
    for ob in observations:
        reason = None
        if ob.obs_id in seen:
            reason = "duplicate observation id"
        elif not (np.isfinite(ob.ra_rad) and np.isfinite(ob.dec_rad)):
            reason = "RA or Dec is not a finite number"
        elif abs(ob.dec_rad) > np.pi / 2:
            reason = "declination outside [-90, 90] deg"
        elif not np.all(np.isfinite(ob.observer_position_km)):
            reason = (
                "observer position missing or not finite (UDL senx/seny/senz; in a TDM, "
                "an observer the scenario does not name)"
            )
        seen.add(ob.obs_id)
        if reason:
            run.rejected[ob.obs_id] = reason
        elif ob.norad_id is None:
            run.uct.append(ob)
        else:
            good.append(ob)
    keys = [float(tai_seconds_since_j2000(o.time)) for o in good]
    order = np.argsort(keys, kind="stable")
    run.reordered = int(np.sum(order != np.arange(len(order))))
    return [good[i] for i in order]


def measurements_from_observations(obs: Sequence[Observation]) -> MeasurementSet:
    """RA/Dec rows from observations of one object (sigmas default to 1 arcsec)."""
    times = Time([o.time.utc.isot for o in obs], format="isot", scale="utc")
    sig = np.array([[o.ra_sigma_rad, o.dec_sigma_rad] for o in obs], dtype=float)
    sig = np.where(np.isfinite(sig) & (sig > 0), sig, DEFAULT_SIGMA_ARCSEC * ARCSEC_RAD)
    vel = np.array(
        [
            o.observer_velocity_km_s if o.observer_velocity_km_s is not None else np.zeros(3)
            for o in obs
        ],
        dtype=float,
    )
    return radec_measurements(
        times,
        np.array([o.ra_rad for o in obs]),
        np.array([o.dec_rad for o in obs]),
        sig,
        np.array([o.observer_position_km for o in obs], dtype=float),
        np.nan_to_num(vel),
        np.array([o.sensor_id for o in obs], dtype=object),
        obs_id=np.array([o.obs_id for o in obs], dtype=object),
    )


def initial_state(meas: MeasurementSet) -> np.ndarray | None:
    """The first IOD start (6,) at the last measurement time (see ``_starts``), or None."""
    starts = iod_starts(meas)
    return starts[0].state if starts else None


def _prior_at(prior: OrbitState, epoch: Time, propagator) -> OrbitState | None:
    """The prior moved to ``epoch`` (with its C_R; its covariance mapped when it has one)."""
    if abs(float(seconds_between(prior.epoch, epoch))) < 1e-6:
        return prior
    x, cov = propagate_covariance(
        propagator, prior.epoch, prior.state, prior.covariance, Time([epoch]), prior.cr
    )
    if not np.all(np.isfinite(x)):
        return None
    return replace(
        prior,
        epoch=epoch,
        position_km=x[-1, :3],
        velocity_km_s=x[-1, 3:],
        covariance=None if cov is None else cov[-1],
    )


def _options_for(prior: OrbitState | None, options: BatchOptions) -> BatchOptions:
    """A prior's C_R (and sigma) becomes the C_R a priori when C_R is estimated."""
    if prior is None or prior.cr is None or not options.estimate_cr:
        return options
    sigma = options.cr_apriori_sigma if prior.cr_sigma is None else prior.cr_sigma
    return replace(options, cr_apriori=prior.cr, cr_apriori_sigma=sigma)


@dataclass
class _Attempts:
    """The fits of one object so far, assessed by the gate."""

    meas: MeasurementSet
    propagator: StmPropagator
    options: BatchOptions
    gate: ConsistencyGate
    tried: list[tuple[OrbitEstimate, str]] = field(default_factory=list)
    diverged: int = 0  # starts whose iterations could not be propagated

    def fit(self, starts: list[np.ndarray], source: str, apriori=None) -> list[OrbitEstimate]:
        """Batch LS from every start at once (the rows repeated per start), assessed."""
        if not starts:
            return []
        k = len(starts)
        meas = MeasurementSet.concatenate(
            [replace(self.meas, object_index=np.full(len(self.meas), i)) for i in range(k)]
        )
        cov = None if apriori is None else np.broadcast_to(apriori, (k, 6, 6))
        epoch = self.meas.times[-1]
        ests = batch_least_squares_each(
            meas, epoch, np.array(starts), self.propagator, self.options, cov
        )
        self.diverged += sum(e is None for e in ests)
        prior_sigma = (
            float(np.max(self.options.cr_apriori_sigma)) if self.options.estimate_cr else None
        )
        out = [self.gate.assess(e, self.meas, prior_sigma) for e in ests if e is not None]
        self.tried += [(e, source) for e in out]
        return out

    def best_passed(self) -> tuple[OrbitEstimate, str] | None:
        ok = [(e, s) for e, s in self.tried if e.quality is not None and e.quality.passed]
        return min(ok, key=lambda es: es[0].chi2 / max(es[0].dof, 1)) if ok else None

    def failure(self, n_starts: int) -> FailedObject:
        if not self.tried:
            lost = f" ({self.diverged} start(s) diverged)" if self.diverged else ""
            return FailedObject(f"initial orbit determination found no orbit{lost}")
        best, _ = min(self.tried, key=lambda es: es[0].rms_weighted)
        why = best.quality.reason if best.quality is not None else ""
        return FailedObject(f"no consistent orbit from {n_starts} start(s): {why}", best.rms_arcsec)


def fit_object(
    meas: MeasurementSet,
    prior: OrbitPrior | None,
    propagator: StmPropagator,
    options: BatchOptions | None = None,
    gate: ConsistencyGate | None = None,
) -> tuple[OrbitEstimate | None, str, FailedObject | None]:
    """(estimate or None, where it started, why it failed): see the module docstring."""
    epoch = meas.times[-1]
    prior_state = None if prior is None else _prior_at(prior.state, epoch, propagator)
    opts = _options_for(None if prior is None else prior.state, options or BatchOptions())
    tries = _Attempts(meas, propagator, opts, gate or ConsistencyGate())
    n_starts = 0
    if prior is not None and prior_state is not None:
        n_starts += 1
        fitted = tries.fit([prior_state.state], prior.source)  # [] when it diverged
        q = fitted[0].quality if fitted else None
        if q is not None and q.passed:
            return fitted[0], prior.source, None
        if q is not None and q.consistent and prior_state.state_covariance is not None:
            # The data agree with the prior but cannot fix the orbit: update the prior.
            cov = prior_state.state_covariance
            for est in tries.fit([prior_state.state], prior.source, cov):
                if est.quality is not None and est.quality.passed:
                    return est, f"{prior.source} (updated)", None
    starts = [s.state for s in iod_starts(meas)]
    n_starts += len(starts)
    if starts:
        tries.fit(starts[:1], "iod")
        if tries.best_passed() is None and len(starts) > 1:
            tries.fit(starts[1:], "iod")
    best = tries.best_passed()
    if best is not None:
        return best[0], best[1], None
    return None, "", tries.failure(n_starts)


def determine_orbits(
    observations: Sequence[Observation],
    propagator: StmPropagator,
    options: BatchOptions | None = None,
    min_observations: int = 6,
    priors: Mapping[int, OrbitPrior] | None = None,
    gate: ConsistencyGate | None = None,
) -> OdRun:
    """Screen, group by catalog number, then fit each object at its last observation
    time (:func:`fit_object`); only orbits that pass the consistency gate are kept."""
    run = OdRun()
    good = screen_observations(observations, run)
    by_object: dict[int, list[Observation]] = {}
    for ob in good:
        if ob.norad_id is not None:  # always: screening set the UCTs aside
            by_object.setdefault(int(ob.norad_id), []).append(ob)
    for norad, obs in sorted(by_object.items()):
        if len(obs) < min_observations:
            run.failed[norad] = FailedObject(
                f"arc too short: only {len(obs)} observations (need {min_observations})"
            )
            continue
        meas = measurements_from_observations(obs)
        prior = (priors or {}).get(norad)
        est, source, failure = fit_object(meas, prior, propagator, options, gate)
        if est is None:
            run.failed[norad] = failure or FailedObject("no orbit")
            continue
        run.started_from[norad] = source
        run.estimates[norad] = replace(est, orbit=replace(est.orbit, norad_id=norad))
        run.measurements[norad] = meas
    return run
