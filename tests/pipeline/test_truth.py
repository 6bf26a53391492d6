"""The truth of a simulated day: the truth model reproduces the simulated observations
(so the OD errors are measured against what the sensors really saw), the derived catalog
is aged, partly stale and misses what it should, and everything is seeded."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.constants import ARCSEC_RAD
from beltwatch.frames import light_time_direction, unit_vector_from_radec
from beltwatch.pipeline import build_truth, scenario_from_text, simulated_truth_states
from beltwatch.pipeline._executor import LocalExecutor
from beltwatch.pipeline._observe import observe
from beltwatch.sensors import default_scenario
from beltwatch.timescales import time_from_tai_seconds

from .conftest import EXERCISE, SHORT


@pytest.fixture(scope="module")
def short():
    config = scenario_from_text(SHORT.replace("hours = 12.0", "hours = 3.0"), "short")
    sensors = default_scenario()
    truth = build_truth(config, sensors)
    return config, sensors, truth, observe(truth, sensors, config.observe, LocalExecutor())


def test_truth_states_reproduce_the_simulated_observations(short):
    _config, _sensors, truth, observed = short
    table = observed.table
    rows = np.random.default_rng(0).choice(len(table), 200, replace=False)
    part = truth.parts[0]
    index = {int(n): k for k, n in enumerate(part.targets.norad_id)}
    times = time_from_tai_seconds(np.unique(table.t_s[rows]))
    states = simulated_truth_states(part.targets, truth.start, times, part.seed)
    t_index = {float(t): k for k, t in enumerate(np.unique(table.t_s[rows]))}
    sep = []
    for i in rows:
        x = states[index[int(table.truth_id[i])], t_index[float(table.t_s[i])]]
        u, _, _ = light_time_direction(x[None, :3], x[None, 3:], table.observer_position_km[i])
        obs = unit_vector_from_radec(table.ra_rad[i], table.dec_rad[i])
        sep.append(np.arccos(np.clip(np.dot(u[0], obs), -1, 1)) / ARCSEC_RAD)
    sep = np.array(sep)
    # 1 arcsec noise per axis: the separation is Rayleigh (median 1.18 arcsec)
    assert np.median(sep) < 2.0 and sep.max() < 6.0, np.percentile(sep, [50, 100])


def test_the_derived_catalog_is_aged_partly_stale_and_misses_objects(short):
    config, _sensors, truth, _observed = short
    pop, cat = truth.population, truth.catalog
    assert len(pop) == 100
    assert len(truth.missing) == round(config.catalog.missing_fraction * 100)
    assert not np.isin(truth.missing, cat.norad_id).any()
    assert len(cat) + len(truth.missing) == len(pop)
    age = (truth.start - cat.epoch).to_value("day")
    stale = np.isin(cat.norad_id, truth.stale)
    assert stale.sum() == round(config.catalog.stale_fraction * len(cat))
    assert np.all(age[stale] > 7.0) and np.all(age[~stale] >= config.catalog.age_days - 1e-6)
    # aged element sets disagree with the truth by kilometres, not metres or degrees
    common = np.isin(pop.norad_id, cat.norad_id)
    dm = np.angle(np.exp(1j * (pop.mean_anomaly_rad[common] - cat.mean_anomaly_rad)))
    along_km = np.abs(dm[~stale]) * pop.semi_major_axis_km[common][~stale]
    assert 0.1 < np.median(along_km) < 10.0


def test_truth_and_catalog_are_seeded():
    config = scenario_from_text(SHORT, "short")
    sensors = default_scenario()
    a, b = build_truth(config, sensors), build_truth(config, sensors)
    np.testing.assert_array_equal(a.catalog.mean_anomaly_rad, b.catalog.mean_anomaly_rad)
    np.testing.assert_array_equal(a.missing, b.missing)
    other = build_truth(
        config.model_copy(update={"run": config.run.model_copy(update={"seed": 8})}), sensors
    )
    assert not np.array_equal(a.missing, other.missing)


def test_exercise_injections_are_in_the_truth_as_configured():
    config = scenario_from_text(EXERCISE, "exercise")
    sensors = default_scenario()
    truth = build_truth(config, sensors)
    inj = truth.injected
    assert inj.new_object is not None and inj.new_object["norad_id"] in truth.missing
    assert inj.approach is not None and inj.approach["norad_id"] in truth.catalog.norad_id
    assert inj.maneuver is not None and inj.maneuver["norad_id"] in truth.catalog.norad_id
    expected = truth.start + TimeDelta(4 * 3600.0, format="sec")
    assert abs((inj.maneuver["time"] - expected).to_value("s")) < 1e-3
    # the maneuvered object's truth is two segments that meet at the burn
    pre, post = truth.parts[1], truth.parts[2]
    burn = time_from_tai_seconds(np.array([pre.keep_to_s]))
    x_pre = simulated_truth_states(pre.targets, truth.start, burn, pre.seed)[0, 0]
    x_post = simulated_truth_states(post.targets, truth.start, burn, post.seed)[0, 0]
    assert np.linalg.norm(x_pre[:3] - x_post[:3]) < 5.0  # km: the fit of the burned arc
    dv_m_s = 1000 * np.linalg.norm(x_post[3:] - x_pre[3:])
    assert 0.1 < dv_m_s < 0.3
