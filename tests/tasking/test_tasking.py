"""Survey tiles, the scheduler and coverage metrics, checked by independent recomputation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.catalog import synthetic_geo_population
from beltwatch.frames import light_time_direction, transform_states
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import FLAGS, default_scenario, observer_context, sensor_visibility
from beltwatch.tasking import (
    belt_points_itrs,
    belt_tiles,
    in_field,
    limiting_reason,
    revisit_intervals_h,
    run_coverage,
    schedule,
)
from beltwatch.tasking._coverage import _tile_visibility
from beltwatch.tasking._scheduler import TILE_FLAGS
from beltwatch.timescales import parse_utc, time_grid

START = parse_utc("2026-05-30T00:00:00Z")


@pytest.fixture(scope="module")
def scenario():
    return default_scenario()


def test_in_field():
    b = np.array([1.0, 0.0, 0.0])
    half = np.radians(1.0)
    inside = np.array([np.cos(0.9 * half), np.sin(0.9 * half), 0.0])
    outside = np.array([np.cos(1.1 * half), 0.0, np.sin(1.1 * half)])
    corner = np.array([1.0, np.tan(0.95 * half), np.tan(0.95 * half)])
    corner /= np.linalg.norm(corner)
    assert in_field(np.stack([inside, outside, corner, -b]), b, half, half).tolist() == [
        True,
        False,
        True,
        False,
    ]


def test_revisit_intervals_merge_tracklets():
    times = [np.array([0.0, 30.0, 60.0, 7200.0, 7230.0, 18000.0]), np.array([5.0]), np.zeros(0)]
    assert revisit_intervals_h(times).tolist() == pytest.approx([2.0, 18000 / 3600 - 2.0])


def test_limiting_reason_order():
    occ, sun, faint = FLAGS["occulted"], FLAGS["sun"], FLAGS["faint"]
    flags = np.array(
        [
            [occ, occ | sun],  # never geometrically visible
            [occ, sun],  # geometry passes once, then the Sun excludes it
            [sun, faint],  # geometry fine; Sun, then faint
            [0, occ],  # visible once, not pointed at
            [0, 0],  # observed
        ],
        dtype=np.uint16,
    )
    observed = np.array([False, False, False, False, True])
    assert limiting_reason(flags, observed).tolist() == [
        "earth_blockage",
        "sun_moon_exclusion",
        "magnitude",
        "scheduling",
        "observed",
    ]


def test_tiles_cover_the_visible_equatorial_belt(scenario):
    sensor = scenario.sensors["qzs6-wfc"]
    band = np.radians(scenario.tasking.belt_latitude_band_deg)
    tiles = belt_tiles(sensor, START, band, scenario.tasking.tile_overlap)
    assert 100 < len(tiles) < 2000
    r, v = sensor.platform.states_gcrs(START)
    obs, _ = transform_states(r, v, START, "gcrs", "itrs")
    obs = obs[0]
    host_lon = np.arctan2(obs[1], obs[0])
    # Belt points 20..150 deg either side of the host: in the field of regard and clear of Earth.
    dlon = np.radians(np.r_[np.arange(20.0, 150.0, 0.5), -np.arange(20.0, 150.0, 0.5)])
    for lat_deg in (0.0, 5.0, -5.0):
        points = belt_points_itrs(host_lon + dlon, np.full(dlon.size, np.radians(lat_deg)))
        los = points - obs
        los /= np.linalg.norm(los, axis=1, keepdims=True)
        tile_dirs = tiles.position_itrs_km - obs
        tile_dirs /= np.linalg.norm(tile_dirs, axis=1, keepdims=True)
        half_w, half_h = (np.radians(a) / 2 for a in sensor.camera.fov_deg)
        covered = np.zeros(dlon.size, dtype=bool)
        for d in tile_dirs:  # fields are squares around each tile direction (ITRS axes here)
            covered |= in_field(los, d, half_w * 1.0001, half_h * 1.0001)
        assert covered.mean() >= (1.0 if lat_deg == 0.0 else 0.9), lat_deg


@pytest.fixture(scope="module")
def small_case(scenario):
    """QZS-6 over 6 h at 120 s against a 120-object synthetic GEO population."""
    sensor = scenario.sensors["qzs6-wfc"]
    catalog = synthetic_geo_population(epoch=START)[:120]
    times = time_grid(START, START + TimeDelta(6 * 3600.0, format="sec"), 120.0)
    grid_s = (times - times[0]).to_value("sec")
    eph = Sgp4Propagator().propagate(catalog, times, "gcrs")
    context = observer_context(sensor, times)
    vis = sensor_visibility(sensor, eph, context=context)
    band = np.radians(scenario.tasking.belt_latitude_band_deg)
    tiles = belt_tiles(sensor, times[0], band, scenario.tasking.tile_overlap)
    tile_vis = _tile_visibility(sensor, tiles, times, context)
    return sensor, catalog, times, grid_s, vis, tile_vis


def test_schedule_respects_timing_slew_and_exclusions(small_case, scenario):
    sensor, _, times, grid_s, _, tile_vis = small_case
    plan = schedule(sensor, grid_s, times[0], tiles=tile_vis, config=scenario.tasking)
    assert len(plan) > 100 and plan.count("survey") == len(plan)
    ends = plan.start_s + plan.duration_s
    assert np.all(ends <= grid_s[-1] + 1e-9)
    gaps = plan.start_s[1:] - ends[:-1]
    slew_angle = np.arccos(
        np.clip(np.sum(plan.direction_gcrs[1:] * plan.direction_gcrs[:-1], 1), -1, 1)
    )
    needed = slew_angle / sensor.mount.slew_rate_rad_s + sensor.mount.settle_s
    # Directions are stored at mid-dwell and tiles drift across the sky at up to ~15"/s:
    # allow 0.1 deg of drift between two mid-dwell directions.
    assert np.all(gaps >= needed - np.radians(0.1) / sensor.mount.slew_rate_rad_s)
    # Each pointed tile is clear of the Sun, the Earth and the field-of-regard limit.
    ok = (tile_vis.flags & TILE_FLAGS) == 0
    j = np.floor(plan.start_s / 120.0 + 1e-9).astype(int)
    assert ok[plan.target, j].all()
    sun = tile_vis.sun_angle_rad[plan.target, j]
    assert sun.min() >= sensor.constraints.sun_exclusion_rad


def test_followup_priority_trades_against_survey(small_case, scenario):
    sensor, _, times, grid_s, vis, tile_vis = small_case
    ever = np.flatnonzero(vis.visible.any(axis=1))[:5]
    targets = dataclasses.replace(
        vis, **{k: getattr(vis, k)[ever] for k in ("flags", "los_unit_gcrs", "norad_id")}
    )
    counts = []
    for priority in (0.0, 3.0, 30.0):
        cfg = scenario.tasking.model_copy(
            update={"followup_priority": priority, "custody_revisit_h": 1.0}
        )
        plan = schedule(sensor, grid_s, times[0], tiles=tile_vis, targets=targets, config=cfg)
        counts.append(plan.count("followup"))
        followed = plan.norad_id[plan.kind == "followup"]
        assert set(followed.tolist()) <= set(targets.norad_id.tolist())
    assert counts[0] == 0 < counts[1] < counts[2]


def test_coverage_observations_are_in_the_field_at_their_times(scenario):
    """Recompute each observed object's line of sight by SGP4 at the exact pointing time."""
    catalog = synthetic_geo_population(epoch=START)[:150]
    one = scenario.select(["qzs6-wfc"])
    result = run_coverage(one, catalog, START, hours=3.0, step_s=120.0)
    cov = result.per_sensor["qzs6-wfc"]
    sensor = one.sensors["qzs6-wfc"]
    assert 0 < cov.observed.sum() < len(catalog)
    half_w, half_h = (np.radians(a) / 2 for a in sensor.camera.fov_deg)
    mids = cov.plan.mid_s
    checked = 0
    for i, seen in enumerate(cov.times_seen_s):
        for t_s in seen[:3]:
            k = int(np.argmin(np.abs(mids - t_s)))
            when = START + TimeDelta(t_s, format="sec")
            eph = Sgp4Propagator(workers=1).propagate(catalog[[i]], when, "gcrs")
            r_o, _ = sensor.platform.states_gcrs(when)
            los, _, _ = light_time_direction(eph.position_km[0], eph.velocity_km_s[0], r_o)
            # 0.2 % margin: directions are interpolated between 120 s grid samples.
            assert in_field(los, cov.plan.direction_gcrs[k], half_w * 1.002, half_h * 1.002)[0]
            checked += 1
    assert checked > 20
    summary = result.summary()
    assert summary["objects_observed"] == int(cov.observed.sum())
    assert summary["fraction_observed"] == pytest.approx(cov.observed.mean(), abs=1e-4)


@pytest.mark.shared_data
def test_second_host_extends_real_catalog_coverage(geo_catalog, scenario):
    result = run_coverage(
        scenario.select(["qzs6-wfc", "qzs7-wfc"]), geo_catalog, START, hours=6.0, step_s=120.0
    )
    alone = np.array([t.size > 0 for t in result.combined_times(["qzs6-wfc"])])
    both = np.array([t.size > 0 for t in result.combined_times()])
    assert both.sum() > alone.sum() + 50
    # What QZS-6 cannot see is mostly behind the Earth from 90.5 E (longitudes far from it).
    reasons = limiting_reason(result.per_sensor["qzs6-wfc"].visibility.flags, alone)
    far = np.abs(np.angle(np.exp(1j * (result.longitude_rad - np.radians(90.5))))) > np.radians(150)
    assert (reasons[far] == "earth_blockage").mean() > 0.8
