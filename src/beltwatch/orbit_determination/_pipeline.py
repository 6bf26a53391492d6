"""From a list of observations to orbits: screening, grouping by object, a start (a prior
orbit where one is known, else IOD), batch LS.

Screening never raises on bad rows: each rejected observation gets a reason
(non-finite angles or observer state, duplicate id, non-positive sigma); rows out of
time order are sorted (and counted); observations without a catalog number are
kept aside as uncorrelated (UCT) for the association stage.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from astropy.time import Time

from beltwatch.constants import ARCSEC_RAD
from beltwatch.errors import InputError
from beltwatch.orbit_determination._batch import (
    BatchOptions,
    OrbitEstimate,
    StmPropagator,
    batch_least_squares,
    propagator_with_cr,
)
from beltwatch.orbit_determination._iod import gooding_solutions
from beltwatch.orbit_determination._kepler import kepler_propagate, semi_major_axis_km
from beltwatch.orbit_determination._measurements import (
    MeasurementSet,
    radec_measurements,
)
from beltwatch.timescales import seconds_between, tai_seconds_since_j2000
from beltwatch.values import Observation

DEFAULT_SIGMA_ARCSEC = 1.0
IOD_WINDOW_S = 8 * 3600.0


@dataclass(frozen=True, eq=False)
class OrbitPrior:
    """What is known of an object before this run (catalog maintenance): a GCRS state
    (km, km/s) at ``epoch``, from an element set or an earlier fit, and optionally the SRP
    coefficient C_R with its sigma from earlier fits, which becomes the C_R a priori."""

    epoch: Time
    state: np.ndarray
    cr: float | None = None
    cr_sigma: float | None = None
    source: str = "prior"


@dataclass
class OdRun:
    """Estimates per object, rejected observations (id -> reason), UCT observations, and
    how each estimate started ("prior" source or "iod")."""

    estimates: dict[int, OrbitEstimate] = field(default_factory=dict)
    started_from: dict[int, str] = field(default_factory=dict)
    measurements: dict[int, MeasurementSet] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    uct: list[Observation] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    reordered: int = 0


def screen(observations: Sequence[Observation], run: OdRun) -> list[Observation]:
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
    """IOD state (6,) at the last measurement time: Gooding's double-r on every row of the
    first ``IOD_WINDOW_S`` (several range hypotheses and the Gauss roots as starts; the
    best fit wins), moved to the last time on the two-body orbit."""
    if len(meas) < 3:
        return None
    t = np.atleast_1d(seconds_between(meas.times[0], meas.times))
    # Lambert arcs here are single-revolution: take the first IOD_WINDOW_S of data.
    k = max(int(np.searchsorted(t, IOD_WINDOW_S, side="right")), 3)
    ra, dec = meas.values[:k, 0], meas.values[:k, 1]
    los = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    noise_rad = float(np.median(meas.sigmas[:k, :2]))
    with np.errstate(all="ignore"):
        try:
            solutions = gooding_solutions(
                t[:k], los, meas.observer_position_km[:k], noise_rad=noise_rad
            )
        except ValueError:  # no Lambert arc for any start
            return None
    for sol in solutions:
        a_km = float(semi_major_axis_km(sol.position_km, sol.velocity_km_s))
        if np.isfinite(sol.residual_rad) and 6600.0 < a_km < 1.0e6:
            r, v = kepler_propagate(sol.position_km, sol.velocity_km_s, t[-1] - sol.time_s)
            return np.concatenate([r, v])
    return None


def _prior_start(prior: OrbitPrior, epoch: Time, propagator: StmPropagator) -> np.ndarray | None:
    """The prior's state moved to ``epoch`` (with its C_R when the model has SRP)."""
    if abs(float(seconds_between(prior.epoch, epoch))) < 1e-6:
        return np.asarray(prior.state, float)
    if prior.cr is not None:
        with contextlib.suppress(InputError):  # a model without SRP propagates without it
            propagator = propagator_with_cr(propagator, [prior.cr])
    states, _ = propagator.propagate(
        prior.epoch, np.asarray(prior.state, float)[None], Time([epoch])
    )
    x = states[0, -1]
    return x if np.all(np.isfinite(x)) else None


def _options_for(prior: OrbitPrior | None, options: BatchOptions | None) -> BatchOptions | None:
    """A prior's C_R (and sigma) becomes the C_R a priori when C_R is estimated."""
    if prior is None or prior.cr is None or options is None or not options.estimate_cr:
        return options
    sigma = options.cr_apriori_sigma if prior.cr_sigma is None else prior.cr_sigma
    return replace(options, cr_apriori=prior.cr, cr_apriori_sigma=sigma)


def _fit_object(
    meas: MeasurementSet,
    prior: OrbitPrior | None,
    propagator: StmPropagator,
    options: BatchOptions | None,
) -> tuple[OrbitEstimate | None, str, str]:
    """(estimate or None, where it started, why it failed): the prior's start first, IOD
    when there is no prior or its fit does not converge."""
    epoch = meas.times[-1]
    why = "initial orbit determination found no orbit"
    starts = [(prior.source, prior)] if prior is not None else []
    for source, origin in [*starts, ("iod", None)]:
        x0 = initial_state(meas) if origin is None else _prior_start(origin, epoch, propagator)
        if x0 is None:
            continue
        (est,) = batch_least_squares(meas, epoch, x0[None], propagator, options)
        if est.converged:
            return est, source, ""
        why = f"least squares did not converge (rms {est.rms_arcsec:.1f} arcsec)"
    return None, "", why


def determine_orbits(
    observations: Sequence[Observation],
    propagator: StmPropagator,
    options: BatchOptions | None = None,
    min_observations: int = 6,
    priors: Mapping[int, OrbitPrior] | None = None,
) -> OdRun:
    """Screen, group by catalog number, then batch least squares per object with the epoch
    at its last observation time, started from the object's prior (if any) and otherwise,
    or if that fit does not converge, from IOD."""
    run = OdRun()
    good = screen(observations, run)
    by_object: dict[int, list[Observation]] = {}
    for ob in good:
        if ob.norad_id is not None:  # always: screen set the UCTs aside
            by_object.setdefault(int(ob.norad_id), []).append(ob)
    for norad, obs in sorted(by_object.items()):
        if len(obs) < min_observations:
            run.failed[norad] = f"only {len(obs)} observations (need {min_observations})"
            continue
        meas = measurements_from_observations(obs)
        prior = (priors or {}).get(norad)
        est, source, why = _fit_object(meas, prior, propagator, _options_for(prior, options))
        if est is None:
            run.failed[norad] = why
            continue
        run.started_from[norad] = source
        run.estimates[norad] = replace(est, norad_id=norad)
        run.measurements[norad] = meas
    return run
