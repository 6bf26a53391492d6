"""Batch least squares and the EKF against truth the estimator did not produce.

Truth: real GEO objects (SGP4 state at t0) propagated with EGM2008 gravity to degree and
order 8 (independently written, _truth.py), Sun, Moon and SRP with a per-object
area-to-mass ratio; the estimator has gravity 4x4, Sun, Moon and a nominal SRP
(A/m 0.01 m^2/kg, C_R 1.3) and solves for C_R.
Observations: two nights of QZS-6 survey tracklets with 1 arcsec noise, where the sensor
model can see each object (see _scenario.two_night_scenario).
"""

from __future__ import annotations

from dataclasses import replace

import astropy.units as u
import numpy as np
import pytest
from astropy.time import Time
from scipy.stats import chi2

from beltwatch.constants import ARCSEC_RAD, SPEED_OF_LIGHT_KM_S
from beltwatch.errors import PropagationError
from beltwatch.orbit_determination import (
    BatchOptions,
    MeasurementSet,
    batch_least_squares,
    batch_least_squares_each,
    ekf_update,
    propagator_with_cr,
    radar_measurements,
    radec_measurements,
)
from beltwatch.sensors import GroundSite

from ._scenario import (
    estimator_propagator,
    first_night,
    fit_at_own_epochs,
    grid,
    predict_24h,
    simulate_space_radec,
    truth_propagator,
    two_night_scenario,
)

N_OBJECTS = 100
T0 = Time("2026-05-30T12:00:00", scale="utc")


@pytest.fixture(scope="module")
def scenario(geo_catalog):
    return two_night_scenario(geo_catalog, T0, N_OBJECTS, np.random.default_rng(7))


@pytest.fixture(scope="module")
def space_fit(scenario):
    """A new object's fit: C_R free."""
    return _fit(scenario, scenario["meas"])


@pytest.fixture(scope="module")
def catalog_fit(scenario):
    """Catalog maintenance: C_R weighted towards the catalog's value from earlier fits."""
    return _fit(scenario, scenario["meas"], cr="catalog")


def _truth_at_epochs(sc):
    return sc["truth"][np.arange(sc["truth"].shape[0]), sc["epoch_index"]]


def _fit(sc, meas, cr="free"):
    est = fit_at_own_epochs(sc, meas, estimator_propagator(), cr)
    truth = _truth_at_epochs(sc)
    err = np.array([np.linalg.norm(e.position_km - truth[i, :3]) for i, e in enumerate(est)])
    return est, err


def _truth_at_own_times(sc, times: Time) -> np.ndarray:
    """Object i's truth state at times[i]: all objects integrated together, then the diagonal."""
    states, _ = truth_propagator(sc["amr"]).propagate(T0, sc["truth"][:, 0], times)
    n = len(times)
    return states[np.arange(n), np.arange(n)]


def _nees(est, truth):  # normalised estimation error squared, 6 dof
    return np.array(
        [
            (e.state - truth[i]) @ np.linalg.solve(e.covariance, e.state - truth[i])
            for i, e in enumerate(est)
        ]
    )


def _report(name, sc, est, err):
    truth = sc["truth"]
    n = truth.shape[0]
    pred = predict_24h(sc, est, estimator_propagator())
    err24 = np.linalg.norm(pred[:, :3] - truth[np.arange(n), sc["pred_index"], :3], axis=1)
    conv = np.array([e.converged for e in est])
    nees = _nees(est, _truth_at_epochs(sc))[conv]
    lo, hi = chi2.ppf([0.025, 0.975], 6)
    in_band = float(np.mean((nees > lo) & (nees < hi)))
    print(
        f"\n{name}, {n} objects ({np.median(sc['tracklets']):.0f} tracklets median): position "
        f"error at epoch median {np.median(err) * 1e3:.0f} m, <=200 m {np.mean(err <= 0.2):.0%},"
        f" p90 {np.percentile(err, 90) * 1e3:.0f} m; 24 h prediction median "
        f"{np.median(err24):.2f} km, <=1 km {np.mean(err24 <= 1):.0%}; NEES in 95% band "
        f"{in_band:.0%}; converged {conv.mean():.0%}; "
        f"rms {np.median([e.rms_arcsec for e in est]):.2f} arcsec"
    )
    return err24, conv, in_band


def test_two_nights_catalog_maintenance(scenario, catalog_fit):
    """The issue's criterion, for cataloged objects (C_R known from earlier fits to 0.3)."""
    est, err = catalog_fit
    err24, conv, in_band = _report("catalog maintenance", scenario, est, err)
    assert conv.mean() >= 0.95
    assert np.median([e.rms_arcsec for e in est]) == pytest.approx(1.0, abs=0.1)
    # Measured (seed 7, 8x8 truth): <=200 m 94 %, 24 h <=1 km 100 %, NEES in band 91 %.
    assert np.mean(err <= 0.2) >= 0.9
    assert np.mean(err24 <= 1.0) >= 0.9
    assert in_band >= 0.9


def test_one_night_reported(scenario):
    """One night of tracklets (the issue asks for the figure): weaker, still honest."""
    sc = first_night(scenario)
    est, err = _fit(sc, sc["meas"], cr="catalog")
    _err24, conv, in_band = _report("one night (catalog C_R)", sc, est, err)
    # Measured (seed 7): median 119 m, 57 % <= 200 m, p90 1.4 km, NEES in band 91 %.
    assert conv.mean() >= 0.9
    assert np.median(err) < 2.0
    assert in_band >= 0.8


def test_two_nights_new_object(scenario, space_fit):
    """The same data with C_R free (an object with no history): honest, weaker."""
    sc = scenario
    est, err = space_fit
    err24, conv, in_band = _report("new object (C_R free)", sc, est, err)
    # Effective C_R = 1.3 x true A/m / assumed A/m; its error against its own sigma.
    cr_z = np.array([(e.cr - c) / e.cr_sigma for e, c in zip(est, sc["cr_true"], strict=True)])
    print(f"C_R error / sigma: median |z| {np.median(np.abs(cr_z)):.2f}")
    assert conv.mean() >= 0.95
    # Measured (seed 7, 8x8 truth): <=200 m 85 %, 24 h <=1 km 98 %, NEES in band 92 %.
    assert np.mean(err <= 0.2) >= 0.8
    assert np.mean(err24 <= 1.0) >= 0.85
    assert in_band >= 0.9
    assert np.median(np.abs(cr_z)) < 1.5  # |z| of a unit normal has median 0.67


def test_two_nights_new_object_population_prior(scenario):
    """A new object with the catalog population's C_R prior (mean +- spread of the
    cataloged objects' fitted C_R, their fit error removed: ``population_cr_prior``; what
    `beltwatch od`'s --cr/--cr-sigma default stands for)."""
    est, err = _fit(scenario, scenario["meas"], cr="population")
    _err24, conv, in_band = _report("new object (population C_R prior)", scenario, est, err)
    assert all(e.cr >= 0 for e in est)
    # Measured (seed 7): <=200 m 90 %, NEES in band 90 % (3 seeds, bench_od: 88.7 %).
    assert conv.mean() >= 0.95
    assert np.mean(err <= 0.2) >= 0.88
    assert in_band >= 0.85


def test_ground_radar_fusion_reduces_error(scenario, space_fit):
    sc = scenario
    meas = sc["meas"]
    _, err_space = space_fit
    # A partner radar near Kwajalein-like longitude cannot see 90.5 E; use a site under the
    # Indian Ocean part of the belt: Diego Garcia-like (7.3 S, 72.4 E).
    site = GroundSite("partner-radar", np.radians(-7.3), np.radians(72.4), 0.0)
    offsets = np.arange(0, 2 * 86400, 4 * 3600.0)
    times = grid(T0, offsets)
    r_site, _ = site.states_gcrs(times)
    up = site.up_gcrs(times)
    # Radar truth: the same per-object dynamics as the angles' truth, all objects integrated
    # together (one call), each read at its own times.
    truth = truth_propagator(sc["amr"])
    at_grid, _ = truth.propagate(T0, sc["truth"][:, 0], times)
    d = at_grid[:, :, :3] - r_site
    el = np.arcsin(np.sum(d * up, axis=-1) / np.linalg.norm(d, axis=-1))
    vis = el > np.radians(10)
    radar_objects = np.flatnonzero(vis.sum(axis=1) >= 2)
    # The model's convention: range and direction from the site at the reception time to the
    # target at the emission time (down leg); the truth is re-propagated there.
    tau_s = np.linalg.norm(d, axis=-1) / SPEED_OF_LIGHT_KM_S
    emission_s = np.concatenate([offsets[vis[i]] - tau_s[i, vis[i]] for i in radar_objects])
    at_emission, _ = truth.propagate(T0, sc["truth"][:, 0], grid(T0, emission_s))
    parts, first = [meas], 0
    for i in radar_objects:
        count = int(vis[i].sum())
        emitted = at_emission[i, first : first + count, :3]
        first += count
        rng_km, az, elv = site.range_az_el(emitted, times[vis[i]])
        noise = sc["rng"].standard_normal((count, 3)) * [
            0.02,
            np.radians(0.01),
            np.radians(0.01),
        ]
        parts.append(
            radar_measurements(
                times[vis[i]],
                site,
                rng_km + noise[:, 0],
                az + noise[:, 1] / np.cos(elv),
                elv + noise[:, 2],
                (0.02, np.radians(0.01), np.radians(0.01)),
                object_index=i,
            )
        )
    fused = MeasurementSet.concatenate(parts)
    n_radar = sum(len(p) for p in parts[1:])
    seen = np.unique(np.concatenate([p.object_index for p in parts[1:]]))
    # The radar rows end before each object's epoch (its last angles row), so epochs hold.
    _, err_fused = _fit(sc, fused)
    a, b = err_space[seen], err_fused[seen]
    print(
        f"\nradar rows {n_radar} on {seen.size} objects: median error {np.median(a) * 1e3:.0f} m"
        f" -> {np.median(b) * 1e3:.0f} m, p90 {np.percentile(a, 90) * 1e3:.0f} m -> "
        f"{np.percentile(b, 90) * 1e3:.0f} m"
    )
    assert seen.size >= 10
    # Measured (seed 7, 70 objects): median 69 m -> 37 m, p90 214 m -> 93 m.
    assert np.percentile(b, 90) < 0.7 * np.percentile(a, 90)
    assert np.median(b) < 0.8 * np.median(a)


def test_ekf_second_night_update(scenario):
    """Night-1 batch fit, then the EKF absorbs night 2: error falls, NEES stays realistic."""
    sc = scenario
    meas, night2 = sc["meas"], sc["night2"]
    n1 = meas[~night2]
    last1 = float((n1.times - T0).to_value("sec").max())
    epoch = grid(T0, last1)
    truth_e, _ = truth_propagator(sc["amr"]).propagate(T0, sc["truth"][:, 0], Time([epoch]))
    guess = truth_e[:, 0] + sc["perturbation"]
    est = batch_least_squares(n1, epoch, guess, estimator_propagator())
    x = np.array([e.state for e in est])
    P = np.array([e.covariance for e in est]) + np.diag([1.0, 1.0, 1.0, 1e-7, 1e-7, 1e-7])
    res = ekf_update(epoch, x, P, meas[night2], estimator_propagator(), q_km2_s3=1e-16)
    last = res.times
    truth_last = _truth_at_own_times(sc, last)
    before, _ = estimator_propagator().propagate(epoch, x, last)
    err_before = np.linalg.norm(
        before[np.arange(len(est)), np.arange(len(est)), :3] - truth_last[:, :3], axis=1
    )
    err_after = np.linalg.norm(res.states[:, :3] - truth_last[:, :3], axis=1)
    print(
        f"\nEKF: median error {np.median(err_before):.2f} km -> {np.median(err_after):.2f} km; "
        f"accepted {res.accepted.mean():.0%}"
    )
    assert np.median(err_after) < 0.5 * np.median(err_before)
    assert res.accepted.mean() > 0.9


def test_ekf_innovation_test(scenario):
    """The filter's innovation test: night 2 as observed passes for nearly every object;
    night 2 with every Dec 20 arcsec off (a maneuver or a bad sensor) fails for each."""
    sc = scenario
    meas, night2 = sc["meas"], sc["night2"]
    n1 = meas[~night2]
    epoch = grid(T0, float((n1.times - T0).to_value("sec").max()))
    truth_e, _ = truth_propagator(sc["amr"]).propagate(T0, sc["truth"][:, 0], Time([epoch]))
    est = batch_least_squares(
        n1, epoch, truth_e[:, 0] + sc["perturbation"], estimator_propagator(),
        BatchOptions(estimate_cr=True),
    )  # fmt: skip
    x = np.array([e.state for e in est])
    P = np.array([e.full_covariance for e in est])
    cr = np.array([e.cr for e in est])
    good = ekf_update(epoch, x, P, meas[night2], estimator_propagator(), 1e-16, cr=cr)
    values = meas[night2].values.copy()
    values[:, 1] += 20 * ARCSEC_RAD
    bad = ekf_update(
        epoch, x, P, replace(meas[night2], values=values), estimator_propagator(), 1e-16, cr=cr
    )
    print(f"\ninnovation test passed: {good.consistent.mean():.0%} as observed, "
          f"{bad.consistent.mean():.0%} with Dec +20 arcsec; e.g. {bad.reason[0]}")  # fmt: skip
    assert good.consistent.mean() >= 0.9
    assert bad.consistent.mean() <= 0.05
    states = good.orbit_states()  # the filter's output as OrbitState values (7x7 with C_R)
    assert states[0].cr == good.cr[0] and states[0].covariance.shape == (7, 7)


def test_ekf_carries_cr(scenario):
    """Night-1 batch fit with C_R, then the 7-state EKF absorbs night 2: the error falls,
    C_R tightens, and the covariance stays realistic (NEES of the state)."""
    sc = scenario
    meas, night2 = sc["meas"], sc["night2"]
    n1 = meas[~night2]
    epoch = grid(T0, float((n1.times - T0).to_value("sec").max()))
    truth_e, _ = truth_propagator(sc["amr"]).propagate(T0, sc["truth"][:, 0], Time([epoch]))
    guess = truth_e[:, 0] + sc["perturbation"]
    est = batch_least_squares(
        n1, epoch, guess, estimator_propagator(), BatchOptions(estimate_cr=True)
    )
    x = np.array([e.state for e in est])
    cr = np.array([e.cr for e in est])
    P = np.array([e.full_covariance for e in est])
    res = ekf_update(epoch, x, P, meas[night2], estimator_propagator(), q_km2_s3=1e-16, cr=cr)
    truth_last = _truth_at_own_times(sc, res.times)
    d = res.states - truth_last
    nees = np.einsum("ki,kij,kj->k", d, np.linalg.inv(res.covariances[:, :6, :6]), d)
    lo, hi = chi2.ppf([0.025, 0.975], 6)
    in_band = np.mean((nees > lo) & (nees < hi))
    sigma_before = np.sqrt(P[:, 6, 6])
    sigma_after = np.sqrt(res.covariances[:, 6, 6])
    cr_z = (res.cr - sc["cr_true"]) / sigma_after
    err = np.linalg.norm(d[:, :3], axis=1)
    print(
        f"\nEKF with C_R: median error at the last row {np.median(err) * 1e3:.0f} m, NEES in "
        f"band {in_band:.0%}; C_R sigma median {np.median(sigma_before):.2f} -> "
        f"{np.median(sigma_after):.2f}, |z| median {np.median(np.abs(cr_z)):.2f}"
    )
    assert res.covariances.shape == (len(est), 7, 7)
    assert np.median(sigma_after) < 0.7 * np.median(sigma_before)
    assert np.median(np.abs(cr_z)) < 1.5
    assert in_band >= 0.8
    assert np.median(err) < 0.3


def _object_rows(sc, i):
    """Rows of object ``i`` as a one-object set, its epoch and first guess."""
    meas = sc["meas"]
    one = np.flatnonzero(meas.object_index == i)
    sub = replace(meas[one], object_index=np.zeros(one.size, dtype=np.int64))
    return sub, sc["times"][sc["epoch_index"][i]], sc["guess"][i : i + 1]


def test_batch_rejects_outliers(scenario):
    one, epoch, guess = _object_rows(scenario, 0)
    values = one.values.copy()
    values[[3, 10], 1] += 60 * ARCSEC_RAD
    (est,) = batch_least_squares(replace(one, values=values), epoch, guess, estimator_propagator())
    assert est.n_rejected >= 2
    assert not est.used[[3, 10]].any()
    # Rows stop flipping in and out after edit_max_flips changes; with none allowed, the
    # outliers stay in the fit.
    opts = BatchOptions(edit_max_flips=0)
    (kept,) = batch_least_squares(
        replace(one, values=values), epoch, guess, estimator_propagator(), opts
    )
    assert kept.n_rejected == 0
    assert kept.rms_arcsec > 3 * est.rms_arcsec


def test_radec_model_matches_light_time_convention():
    """A measurement row built from a known geometry predicts itself (zero residual)."""
    from beltwatch.orbit_determination import predict

    t = Time(["2026-05-30T12:00:00"], scale="utc")
    target = np.array([[42164.0, 100.0, 50.0]])
    vel = np.array([[0.0, 3.07, 0.0]])
    obs = np.array([[-42164.0, 500.0, 0.0]])
    m = radec_measurements(t, [0.0], [0.0], ARCSEC_RAD, obs)
    pred, H = predict(m, target, vel)
    # Finite-difference check of the RA/Dec partials (what batch LS and the EKF rely on); the
    # light-time term of the partials (order v/c of 1/range) is neglected by design.
    eps = 1e-3
    for k in range(3):
        d = np.zeros((1, 3))
        d[0, k] = eps
        p2, _ = predict(m, target + d, vel)
        np.testing.assert_allclose(
            (p2[0, :2] - pred[0, :2]) / eps, H[0, :2, k], rtol=1e-4, atol=1e-4 / 84000.0
        )


def test_cr_solve_for_recovers_coefficient(scenario):
    """Noise-free angles of a truth with C_R 2.6 (the estimator assumes 1.3, same force
    terms otherwise): the C_R solve-for recovers it; the state-only fit cannot."""
    meas, epoch, guess = _object_rows(scenario, 0)
    prop = estimator_propagator()
    x_true = _truth_at_epochs(scenario)[:1]
    truth, _ = propagator_with_cr(prop, [2.6]).propagate(epoch, x_true, meas.times)
    # Practically noise-free (0.001 arcsec) rows at the same times from the same observer.
    clean = simulate_space_radec(
        truth,
        meas.observer_position_km,
        meas.observer_velocity_km_s,
        meas.times,
        1e-3,
        scenario["rng"],
    )
    (fit,) = batch_least_squares(clean, epoch, guess, prop, BatchOptions(estimate_cr=True))
    (plain,) = batch_least_squares(clean, epoch, guess, prop)
    err_cr = np.linalg.norm(fit.position_km - x_true[0, :3])
    err_plain = np.linalg.norm(plain.position_km - x_true[0, :3])
    print(
        f"\nC_R {fit.cr:.3f} +- {fit.cr_sigma:.3f}; "
        f"error {err_cr * 1e3:.1f} m (C_R solved) vs {err_plain * 1e3:.0f} m (state only)"
    )
    assert fit.cr == pytest.approx(2.6, abs=0.05)
    assert fit.full_covariance.shape == (7, 7)
    assert err_cr < 0.01
    assert err_plain > 5 * err_cr


def test_cr_solve_for_needs_an_srp_term():
    from beltwatch.errors import InputError
    from beltwatch.propagation import ForceModel, NumericalPropagator

    with pytest.raises(InputError, match="SolarRadiationPressure"):
        propagator_with_cr(NumericalPropagator(ForceModel.two_body()), [1.3])


def test_impulsive_maneuver_solve_for(scenario):
    """Truth burns 0.3 m/s (mostly in-track) between two tracklets near the change of
    night; the maneuver solve-for (epoch after the burn) recovers the delta-v within its
    sigma and the orbit at epoch, the plain fit cannot."""
    sc = scenario
    i = int(np.argmax(sc["tracklets"]))  # a well-observed object
    meas, epoch, _ = _object_rows(sc, i)
    t_s = (meas.times - T0).to_value("sec")
    gaps = np.flatnonzero(np.diff(t_s) > 3000.0)  # between tracklets
    k = gaps[np.argmin(np.abs(t_s[gaps] - 86400.0))]  # the one nearest the night change
    burn_s = float(0.5 * (t_s[k] + t_s[k + 1]))
    burn = grid(T0, burn_s)
    prop = estimator_propagator()
    before, _ = prop.propagate(T0, sc["truth"][i, 0][None], Time([burn]))
    dv_true = np.array([1e-5, 2.8e-4, -1e-4])  # km/s in GCRS
    r_hat = before[0, 0, :3] / np.linalg.norm(before[0, 0, :3])
    along = before[0, 0, 3:] / np.linalg.norm(before[0, 0, 3:])
    dv_gcrs = dv_true[0] * r_hat + dv_true[1] * along + dv_true[2] * np.cross(r_hat, along)
    after_state = before[0, 0] + np.r_[0, 0, 0, dv_gcrs]
    early = t_s < burn_s
    pre, _ = prop.propagate(T0, sc["truth"][i, 0][None], meas.times[early])
    post, _ = prop.propagate(burn, after_state[None], Time([*meas.times[~early], epoch]))
    truth_rows = np.concatenate([pre[0], post[0, :-1]])
    truth_epoch = post[0, -1]
    clean = simulate_space_radec(
        truth_rows[None],
        meas.observer_position_km,
        meas.observer_velocity_km_s,
        meas.times,
        1.0,
        sc["rng"],
    )
    guess = truth_epoch[None] + sc["perturbation"][i : i + 1]
    (fit,) = batch_least_squares(clean, epoch, guess, prop, BatchOptions(maneuver_time=burn))
    (plain,) = batch_least_squares(clean, epoch, guess, prop)
    z = (fit.maneuver_dv_km_s - dv_gcrs) / np.sqrt(np.diag(fit.maneuver_covariance))
    err = np.linalg.norm(fit.position_km - truth_epoch[:3])
    err_plain = np.linalg.norm(plain.position_km - truth_epoch[:3])
    print(
        f"\nmaneuver: dv {np.linalg.norm(dv_gcrs) * 1e6:.0f} mm/s, estimated "
        f"{np.linalg.norm(fit.maneuver_dv_km_s) * 1e6:.0f} mm/s, |z| max {np.abs(z).max():.1f};"
        f" position error {err * 1e3:.0f} m (plain fit {err_plain * 1e3:.0f} m, rms "
        f"{fit.rms_arcsec:.2f} vs {plain.rms_arcsec:.2f} arcsec)"
    )
    assert fit.converged
    assert np.all(np.abs(z) < 4.0)
    assert np.linalg.norm(fit.maneuver_dv_km_s - dv_gcrs) < 0.3 * np.linalg.norm(dv_gcrs)
    assert err < 0.5
    assert plain.rms_arcsec > 1.5 * fit.rms_arcsec or err_plain > 3 * err
    # The same with the epoch at the first observation, before the burn.
    start = pre[0, :1] + sc["perturbation"][i : i + 1]
    opts = BatchOptions(maneuver_time=burn)
    (early_fit,) = batch_least_squares(clean, meas.times[0], start, prop, opts)
    assert np.linalg.norm(early_fit.maneuver_dv_km_s - dv_gcrs) < 0.3 * np.linalg.norm(dv_gcrs)
    assert np.linalg.norm(early_fit.position_km - pre[0, 0, :3]) < 0.5


def test_pipeline_iod_start(scenario):
    """The start `beltwatch od` uses without a prior: Gooding on the first 8 h of rows."""
    from beltwatch.orbit_determination import initial_state

    sc = scenario
    errors = []
    for i in range(30):
        one, _, _ = _object_rows(sc, i)
        x0 = initial_state(one)
        truth = sc["truth"][i, sc["epoch_index"][i]]
        errors.append(np.inf if x0 is None else np.linalg.norm(x0[:3] - truth[:3]))
    errors = np.array(errors)
    print(
        f"\nIOD start at the last observation (30 objects): median {np.median(errors):.0f} km, "
        f"<=100 km {np.mean(errors <= 100):.0%}, <=1000 km {np.mean(errors <= 1000):.0%}"
    )
    assert np.median(errors) < 300.0
    assert np.mean(errors <= 1000.0) >= 0.8


def test_propagate_estimate_maps_cr_uncertainty(scenario):
    """A one-night estimate with a loose C_R moved 3 days ahead: its covariance (C_R
    included) matches the spread of 400 samples of the 7x7 covariance propagated one by
    one, each with its own C_R (leaving C_R out misses it by ~25 %)."""
    from beltwatch.orbit_determination import propagate_estimate

    sc = first_night(scenario)
    one, epoch, guess = _object_rows(sc, 0)
    prop = estimator_propagator()
    (est,) = batch_least_squares(one, epoch, guess, prop, BatchOptions(estimate_cr=True))
    later = est.epoch + 3 * 86400.0 * u.s
    moved = propagate_estimate(est, prop, later)
    rng = np.random.default_rng(0)
    draws = rng.multivariate_normal(np.r_[est.state, est.cr], est.full_covariance, 400)
    states, _ = propagator_with_cr(prop, draws[:, 6]).propagate(
        est.epoch, draws[:, :6], Time([later])
    )
    sigma_sampled = np.sqrt(np.diag(np.cov(states[:, 0].T))[:3])
    sigma_mapped = np.sqrt(np.diag(moved.covariance)[:3])
    print(f"\nmapped {sigma_mapped} km, sampled {sigma_sampled} km, C_R sigma {est.cr_sigma:.2f}")
    np.testing.assert_allclose(sigma_mapped, sigma_sampled, rtol=0.12)
    assert moved.full_covariance.shape == (7, 7)


# One xdist worker runs these tests (make test: --dist loadgroup): the expensive fixture
# they share is built once, not once per worker.
pytestmark = pytest.mark.xdist_group("two-night-od")


def test_a_start_that_cannot_be_propagated_fails_alone(scenario):
    """A start at the Earth's centre makes the integrator give up: the vectorised fit
    raises, ``batch_least_squares_each`` returns None for that object and the same fit as
    a call of its own for the others."""
    sc = scenario
    e = int(sc["epoch_index"][0])
    group = np.flatnonzero(sc["epoch_index"] == e)[:2]
    assert group.size == 2, "two objects sharing an epoch"
    rows = np.isin(sc["meas"].object_index, group)
    remap = {int(g): i for i, g in enumerate(group)}
    meas = replace(
        sc["meas"][rows],
        object_index=np.array([remap[int(i)] for i in sc["meas"].object_index[rows]]),
    )
    starts = np.array([sc["guess"][group[0]], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    prop, epoch = estimator_propagator(), sc["times"][e]
    with pytest.raises(PropagationError):
        batch_least_squares(meas, epoch, starts, prop)
    good, bad = batch_least_squares_each(meas, epoch, starts, prop)
    assert bad is None and good is not None
    alone = batch_least_squares(meas[meas.object_index == 0], epoch, starts[:1], prop)[0]
    assert np.allclose(good.state, alone.state, atol=1e-6)
