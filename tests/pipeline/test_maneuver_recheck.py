"""The maneuver recheck on the exercise's maneuvered object (the shipped exercise scenario
on its first 150 objects, stages run directly up to correlation): with two post-burn
tracklets marked refused (what the filter does when it sees the burn), the split and its
refinement put the burn near the injected epoch with the injected delta-v, even though a
split before the burn also passes its own gates (a short post-burn arc absorbs pre-burn
rows, and that split alone says 3.8 m/s at 05:45 for 1 m/s at 09:00)."""

from __future__ import annotations

import numpy as np
import pytest

from beltwatch.orbit_determination import tracklet_index
from beltwatch.pipeline import embedded_scenarios
from beltwatch.pipeline._correlate import correlate_and_discover
from beltwatch.pipeline._executor import LocalExecutor
from beltwatch.pipeline._observe import observe
from beltwatch.pipeline._orbits import element_set_state, measurements
from beltwatch.pipeline._recheck import recheck_task
from beltwatch.pipeline._run import RunOptions, effective_config
from beltwatch.pipeline._truth import build_truth
from beltwatch.sensors import default_scenario

from .conftest import write_scenario

pytestmark = pytest.mark.xdist_group("pipeline_maneuver_recheck")


@pytest.fixture(scope="module")
def maneuvered(tmp_path_factory):
    text = embedded_scenarios()["exercise"] + "\n[truth]\nmax_objects = 150\n"
    path = write_scenario(tmp_path_factory.mktemp("exercise"), text)
    config, _ = effective_config(RunOptions(scenario=path))
    sensors = default_scenario()
    truth = build_truth(config, sensors)
    observed = observe(truth, sensors, config.observe, LocalExecutor())
    corr = correlate_and_discover(observed.table, truth.catalog, config.association)
    m = truth.injected.maneuver
    rows, ids = corr.tagged()
    meas = measurements(corr.result.table, rows[ids == m["norad_id"]])
    prior = element_set_state(truth.catalog, np.array([m["norad_id"]]), truth.start)[0]
    return truth, m, meas, prior


def test_a_split_maneuver_is_refined_to_the_injected_epoch_and_delta_v(maneuvered):
    truth, m, meas, prior = maneuvered
    tracklets = tracklet_index(meas)
    after = int(tracklets[np.flatnonzero(meas.times > m["time"])[0]])
    assert tracklets.max() >= after + 1, "two post-burn tracklets"
    accepted = ~np.isin(tracklets, [after, after + 1])
    why = "ekf: refused tracklets in a row"
    result = recheck_task(m["norad_id"], meas, accepted, prior, truth.start, why, 6)
    fit = result.maneuver
    assert fit is not None and result.orbit is not None, result.how
    assert fit.method == "split, solved for"
    assert abs(float((fit.time - m["time"]).to_value("h"))) <= 2.0
    dv = float(np.linalg.norm(fit.delta_v_m_s))
    assert abs(dv - m["delta_v_m_s"]) <= 0.3 * m["delta_v_m_s"], dv
    assert fit.time_sigma_s <= 6 * 3600.0
