"""The host never observes itself (issue 13): QZS-6 (NORAD 62876) is in the real GEO catalog.

Visibility flags it ``host`` for QZS-6's own sensor only, coverage names it
``host_itself``, and frame and survey simulation leave it out of QZS-6's targets
without a RuntimeWarning (pytest turns warnings into errors).
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import FLAGS, default_scenario, is_observer, sensor_visibility
from beltwatch.simulation import simulate_sequence, simulate_survey
from beltwatch.tasking import run_coverage
from beltwatch.timescales import parse_utc, time_grid

QZS6 = 62876
START = parse_utc("2026-05-30T00:00:00Z")


@pytest.fixture(scope="module")
def scenario():
    return default_scenario()


def test_the_host_knows_its_catalog_number(scenario, geo_catalog) -> None:
    host = scenario.sensors["qzs6-wfc"].platform
    assert host.norad_id == QZS6
    mask = is_observer(geo_catalog.norad_id, host)
    assert mask.sum() == 1 and geo_catalog.norad_id[mask][0] == QZS6
    slot = scenario.sensors["qzs7-wfc"].platform  # a slot host without a catalog number
    assert not is_observer(geo_catalog.norad_id, slot).any()


def test_visibility_flags_the_host_for_its_own_sensor_only(scenario, geo_catalog) -> None:
    times = time_grid(START, START + TimeDelta(3 * 3600, format="sec"), 1800.0)
    eph = Sgp4Propagator(workers=1).propagate(geo_catalog, times, "gcrs")
    row = int(np.flatnonzero(geo_catalog.norad_id == QZS6)[0])
    own = sensor_visibility(scenario.sensors["qzs6-wfc"], eph)
    other = sensor_visibility(scenario.sensors["qzs7-wfc"], eph)
    assert np.all(own.flags[row] & FLAGS["host"])
    assert np.count_nonzero(own.flags & FLAGS["host"]) == times.size  # nobody else
    assert not np.any(other.flags & FLAGS["host"])
    assert np.any(other.visible[row])  # QZS-7 does see QZS-6


def test_coverage_names_the_host_instead_of_observing_it(scenario, geo_catalog) -> None:
    result = run_coverage(scenario.select(["qzs6-wfc", "qzs7-wfc"]), geo_catalog, START, 2.0, 300.0)
    row = int(np.flatnonzero(result.norad_id == QZS6)[0])
    assert not result.per_sensor["qzs6-wfc"].observed[row]
    reasons = result.summary()["per_sensor"]["qzs6-wfc"]["not_observed_because"]
    assert reasons["host_itself"] == 1
    assert "host_itself" not in result.summary()["per_sensor"]["qzs7-wfc"]["not_observed_because"]


def test_frames_of_the_host_leave_it_out_without_warnings(scenario, geo_catalog) -> None:
    sensor = scenario.sensors["qzs6-wfc"]
    frames = simulate_sequence(
        sensor.camera, sensor.platform, geo_catalog, START, 2, 0.0, 0.0
    )  # any direction: the host is in the catalog and must not produce NaN geometry
    assert len(frames) == 2
    for frame in frames:
        assert QZS6 not in {r["norad_id"] for r in frame.truth["rsos"]}


def test_survey_hosts_do_not_observe_themselves(scenario, geo_catalog) -> None:
    host6, host7 = (scenario.sensors[s].platform for s in ("qzs6-wfc", "qzs7-wfc"))
    targets = geo_catalog[np.isin(geo_catalog.norad_id, [QZS6, 41836, 42917, 49336, 40267])]
    assert QZS6 in targets.norad_id
    obs = simulate_survey(targets, [host6, host7], START, days=0.5, n_sectors=6)
    own = (obs.sensor_id == host6.platform_id) & (obs.truth_id == QZS6)
    assert not own.any()
    assert np.any((obs.sensor_id == host7.platform_id) & (obs.truth_id == QZS6))
