"""Shared scenario for OD tests: QZS-6 host (sensors API), real GEO targets, truth propagation.

Truth: SGP4 states of real catalog objects at t0 propagated with forces the estimator does
not model: EGM2008 gravity to degree and order 8 (an independently written field,
tests/orbit_determination/_truth.py), Sun, Moon, and SRP with a per-object area-to-mass
ratio. The estimator has gravity 4x4 and only a nominal SRP (A/m 0.01 m^2/kg, C_R 1.3),
which batch LS corrects by solving for C_R.
"""

from __future__ import annotations

import numpy as np
from astropy.time import Time, TimeDelta

from beltwatch.constants import ARCSEC_RAD, EARTH_RADIUS_WGS84_KM
from beltwatch.frames import light_time_direction
from beltwatch.orbit_determination import (
    MeasurementSet,
    radec_measurements,
)
from beltwatch.propagation import (
    ForceModel,
    NumericalPropagator,
    PointMassEarth,
    Sgp4Propagator,
    SolarRadiationPressure,
    ThirdBody,
    ZonalHarmonics,
)
from beltwatch.sensors import HostPlatform, default_scenario, sensor_visibility

QZS6_NORAD = 62876


def truth_propagator(area_to_mass_m2_kg) -> NumericalPropagator:
    """EGM2008 8x8 (independent code), Sun, Moon, SRP with the given A/m (C_R 1.3)."""
    from ._truth import truth_propagator as independent_truth

    return independent_truth(area_to_mass_m2_kg)


def estimator_propagator() -> NumericalPropagator:
    """The truth's force model minus what is genuinely unknown: the per-object SRP
    (the estimator assumes A/m 0.01 m^2/kg, C_R 1.3; batch LS may solve for C_R)."""
    forces = ForceModel.geo_default(0.01, 1.3, degree=4)
    return NumericalPropagator(forces, rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9)


def legacy_estimator_propagator() -> NumericalPropagator:
    """The earlier, lower-fidelity estimator (J2 only, cylindrical shadow), for comparison."""
    forces = (
        PointMassEarth(),
        ZonalHarmonics(degree=2),
        ThirdBody("sun"),
        ThirdBody("moon"),
        SolarRadiationPressure(0.01, 1.3, "cylindrical"),
    )
    return NumericalPropagator(ForceModel(forces), rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9)


def host(catalog) -> HostPlatform:
    return HostPlatform.from_catalog("QZS-6", catalog, QZS6_NORAD)


def host_states(catalog, times: Time) -> tuple[np.ndarray, np.ndarray]:
    """QZS-6 GCRS position/velocity (m, 3)."""
    return host(catalog).states_gcrs(times)


def target_states(catalog, times: Time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(norad ids, r (n, m, 3), v) GCRS of every catalog object except QZS-6 (SGP4)."""
    rows = catalog[catalog.norad_id != QZS6_NORAD]
    eph = Sgp4Propagator(workers=1).propagate(rows, times, "gcrs")
    return rows.norad_id, eph.position_km, eph.velocity_km_s


def earth_clear(target_km: np.ndarray, observer_km: np.ndarray, margin_km: float = 500.0):
    """True where the segment observer->target passes the Earth by more than ``margin_km``."""
    d = target_km - observer_km
    s = np.clip(-np.sum(observer_km * d, axis=-1) / np.sum(d * d, axis=-1), 0.0, 1.0)
    closest = observer_km + s[..., None] * d
    return np.linalg.norm(closest, axis=-1) > EARTH_RADIUS_WGS84_KM + margin_km


def grid(start: Time, seconds) -> Time:
    return start + TimeDelta(np.asarray(seconds, dtype=float), format="sec")


def tracklet_offsets_s(nights: int = 2, per_night: int = 5) -> np.ndarray:
    """Each night: ``per_night`` tracklets 2 h apart, six observations 2 min apart; nights 24 h
    apart (a "night" of a space-based sensor: the hours the target is observable)."""
    one = np.concatenate([k * 2 * 3600.0 + np.arange(6) * 120.0 for k in range(per_night)])
    return np.concatenate([n * 86400.0 + one for n in range(nights)])


def simulate_space_radec(
    states: np.ndarray,
    observer_r: np.ndarray,
    observer_v: np.ndarray,
    times: Time,
    sigma_arcsec: float,
    rng: np.random.Generator,
    sensor_id: str = "QZS-6",
) -> MeasurementSet:
    """RA/Dec rows for objects (n, m, 6) at times (m) seen from the observer, Earth-clear only,
    object_index = object row; noise on-sky ``sigma_arcsec``."""
    parts = []
    for i in range(states.shape[0]):
        r, v = states[i, :, :3], states[i, :, 3:]
        ok = earth_clear(r, observer_r)
        u, _, _ = light_time_direction(r[ok], v[ok], observer_r[ok])
        ra = np.mod(np.arctan2(u[:, 1], u[:, 0]), 2 * np.pi)
        dec = np.arcsin(u[:, 2])
        sig = sigma_arcsec * ARCSEC_RAD
        dec = dec + rng.standard_normal(dec.size) * sig
        ra = ra + rng.standard_normal(ra.size) * sig / np.cos(dec)
        parts.append(
            radec_measurements(
                times[ok],
                ra,
                dec,
                sig,
                observer_r[ok],
                observer_v[ok],
                sensor_id,
                object_index=i,
            )
        )
    return MeasurementSet.concatenate(parts)


# The survey cadence of the QZS-6 wide-field sensor measured by tasking (docs/sensors.md:
# median revisit 1.88 h); each visit of an object yields one tracklet.
REVISIT_S = 1.9 * 3600.0
FRAMES_PER_TRACKLET = 10
FRAME_SPACING_S = 60.0
NIGHT_S = 86400.0


def survey_visibility(catalog, t0: Time, hours: float = 48.0) -> tuple[np.ndarray, np.ndarray]:
    """Visit start times (s after ``t0``, every ``REVISIT_S``) and which objects (rows of
    :func:`target_states`) the default scenario's QZS-6 sensor can observe at each visit
    (n_objects, n_visits): Sun, Moon and Earth-limb exclusion, eclipse, field of regard and
    SNR (phase angle), planned from the element sets as the scheduler plans."""
    visits_s = np.arange(0.0, hours * 3600.0 - 1.0, REVISIT_S)
    rows = catalog[catalog.norad_id != QZS6_NORAD]
    eph = Sgp4Propagator(workers=1).propagate(rows, grid(t0, visits_s), "gcrs")
    sensor = default_scenario().sensors["qzs6-wfc"]
    return visits_s, sensor_visibility(sensor, eph).visible


def two_night_scenario(
    catalog, t0: Time, n_draw: int, rng: np.random.Generator, cr_prior_sigma: float = 0.3
) -> dict:
    """QZS-6 angles (1 arcsec) of ``n_draw`` random GEO objects over two nights.

    A "night" of a space-based sensor is the part of a day an object is observable; over
    48 h every visit of the survey (every ``REVISIT_S``) at which the sensor model can see
    the object gives a tracklet of ``FRAMES_PER_TRACKLET`` frames ``FRAME_SPACING_S``
    apart. Objects are drawn among those with >= 2 tracklets on each night.
    Truth: numerical propagation with each object's own area-to-mass from its SGP4
    state at ``t0``. Each object's epoch is its last observation (as `beltwatch od`
    reports); ``times`` also holds every epoch + 24 h for the prediction check.

    Returns measurements, truth at ``times`` (n, m, 6), per-object ``epoch_index`` and
    ``pred_index`` into ``times``, a first guess at each epoch (truth + 20 km / 2 m/s),
    the night-2 mask per row, the area-to-mass ratios and a catalog C_R prior (the
    effective C_R plus N(0, ``cr_prior_sigma``): what earlier fits of a cataloged object
    would carry).
    """
    from dataclasses import replace

    visits_s, visible = survey_visibility(catalog, t0)
    second = visits_s >= NIGHT_S
    eligible = (visible[:, ~second].sum(1) >= 2) & (visible[:, second].sum(1) >= 2)
    pick = rng.choice(np.flatnonzero(eligible), n_draw, replace=False)
    _, r, v = target_states(catalog, t0)
    x0 = np.concatenate([r[pick, 0], v[pick, 0]], axis=1)
    amr = rng.uniform(0.005, 0.03, n_draw)
    frames = np.arange(FRAMES_PER_TRACKLET) * FRAME_SPACING_S
    obs_s = (visits_s[:, None] + frames).ravel()
    visit_of_time = np.repeat(np.arange(visits_s.size), frames.size)
    ends_s = visits_s + frames[-1]
    seconds = np.unique(np.r_[0.0, obs_s, ends_s + NIGHT_S])
    times = grid(t0, seconds)
    truth, _ = truth_propagator(amr).propagate(t0, x0, times)
    at_obs = np.searchsorted(seconds, obs_s)
    ro, vo = host_states(catalog, times[at_obs])
    meas = simulate_space_radec(truth[:, at_obs], ro, vo, times[at_obs], 1.0, rng)
    row_time = np.searchsorted(seconds, (meas.times - t0).to_value("sec").round(3))
    row_visit = visit_of_time[np.searchsorted(obs_s, seconds[row_time])]
    keep = visible[pick][meas.object_index, row_visit]
    meas, row_time = meas[keep], row_time[keep]
    obj = meas.object_index
    epoch_index = np.array([row_time[obj == i].max() for i in range(n_draw)])
    pred_index = np.searchsorted(seconds, seconds[epoch_index] + NIGHT_S)
    perturbation = np.concatenate(
        [rng.normal(0, 20, (n_draw, 3)), rng.normal(0, 2e-3, (n_draw, 3))], axis=1
    )
    cr_true = 1.3 * amr / 0.01  # the estimator's effective C_R for its assumed A/m 0.01
    return {
        "meas": replace(meas, object_index=obj),
        "truth": truth,
        "times": times,
        "epoch_index": epoch_index,
        "pred_index": pred_index,
        "perturbation": perturbation,
        "guess": truth[np.arange(n_draw), epoch_index] + perturbation,
        "rng": rng,
        "night2": seconds[row_time] >= NIGHT_S,
        "row_visit": row_visit[keep],
        "tracklets": _tracklets_per_object(row_visit[keep], obj, n_draw),
        "amr": amr,
        "cr_true": cr_true,
        "cr_prior": cr_true + rng.normal(0.0, cr_prior_sigma, n_draw),
        "cr_prior_sigma": cr_prior_sigma,
    }


def _tracklets_per_object(row_visit: np.ndarray, obj: np.ndarray, n: int) -> np.ndarray:
    return np.array([np.unique(row_visit[obj == i]).size for i in range(n)])


def fit_at_own_epochs(sc: dict, meas: MeasurementSet, propagator, cr: str = "free"):
    """Batch LS of every object at its own epoch (its last observation in ``sc``), one
    vectorised call per distinct epoch. ``cr``: "free" solves for C_R from the data alone (a
    new object), "population" weights it towards the catalog population (mean and spread of
    the cataloged objects' fitted C_R, their fit error removed: ``population_cr_prior``),
    "catalog" weights it towards the scenario's catalog prior (catalog maintenance),
    "fixed" keeps the propagator's C_R (state only). Returns the estimates in object
    order."""
    from dataclasses import replace

    from beltwatch.orbit_determination import (
        BatchOptions,
        batch_least_squares,
        population_cr_prior,
    )

    out: list = [None] * sc["guess"].shape[0]
    cr_mean, cr_spread = population_cr_prior(sc["cr_prior"], sc["cr_prior_sigma"])
    for e in np.unique(sc["epoch_index"]):
        group = np.flatnonzero(sc["epoch_index"] == e)
        remap = np.full(len(out), -1)
        remap[group] = np.arange(group.size)
        rows = np.isin(meas.object_index, group)
        sub = replace(meas[rows], object_index=remap[meas.object_index[rows]])
        opts = {
            "free": BatchOptions(estimate_cr=True),
            "catalog": BatchOptions(
                estimate_cr=True,
                cr_apriori=sc["cr_prior"][group],
                cr_apriori_sigma=sc["cr_prior_sigma"],
            ),
            "fixed": BatchOptions(),
            "population": BatchOptions(
                estimate_cr=True, cr_apriori=cr_mean, cr_apriori_sigma=cr_spread
            ),
        }[cr]
        fits = batch_least_squares(sub, sc["times"][e], sc["guess"][group], propagator, opts)
        for i, fit in zip(group, fits, strict=True):
            out[i] = fit
    return out


def predict_24h(sc: dict, estimates, propagator) -> np.ndarray:
    """Each estimate propagated (with its C_R, if solved for) to its epoch + 24 h: (n, 6)."""
    from beltwatch.orbit_determination import propagator_with_cr

    out = np.empty((len(estimates), 6))
    for e in np.unique(sc["epoch_index"]):
        group = np.flatnonzero(sc["epoch_index"] == e)
        prop = propagator
        if estimates[group[0]].cr is not None:
            prop = propagator_with_cr(propagator, [estimates[i].cr for i in group])
        x = np.array([estimates[i].state for i in group])
        states, _ = prop.propagate(sc["times"][e], x, sc["times"][sc["pred_index"][group[:1]]])
        out[group] = states[:, 0]
    return out


def first_night(sc: dict) -> dict:
    """The scenario cut to its first night: rows, epochs (each object's last night-1
    observation) and first guesses re-derived."""
    meas = sc["meas"][~sc["night2"]]
    seconds = (sc["times"] - sc["times"][0]).to_value("sec")
    row_time = np.searchsorted(seconds, (meas.times - sc["times"][0]).to_value("sec").round(3))
    n = sc["truth"].shape[0]
    epoch_index = np.array([row_time[meas.object_index == i].max() for i in range(n)])
    return {
        **sc,
        "meas": meas,
        "row_visit": sc["row_visit"][~sc["night2"]],
        "tracklets": _tracklets_per_object(sc["row_visit"][~sc["night2"]], meas.object_index, n),
        "night2": np.zeros(len(meas), dtype=bool),
        "epoch_index": epoch_index,
        "pred_index": np.searchsorted(seconds, seconds[epoch_index] + NIGHT_S),
        "guess": sc["truth"][np.arange(n), epoch_index] + sc["perturbation"],
    }
