"""A fixed-boresight mount sees only its own field; a gimbal sees its field of regard."""

from __future__ import annotations

import dataclasses

import numpy as np

from beltwatch.catalog import synthetic_geo_population
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import Mount, default_scenario, sensor_visibility
from beltwatch.timescales import time_grid


def test_fixed_boresight_along_track():
    sensor = default_scenario().sensors["qzs6-wfc"]
    off = np.radians(80.0)
    fixed = dataclasses.replace(
        sensor, mount=Mount(kind="fixed", boresight_off_axis_rad=off, boresight_azimuth_rad=0.0)
    )
    times = time_grid("2026-05-30T00:00:00Z", "2026-05-30T02:00:00Z", 600.0)
    catalog = synthetic_geo_population(epoch="2026-05-30T00:00:00Z")
    eph = Sgp4Propagator().propagate(catalog, times, "gcrs")
    vis = sensor_visibility(fixed, eph)
    wide = sensor_visibility(sensor, eph)
    # Boresight by hand: nadir tilted 80 deg toward the velocity direction.
    r, v = sensor.platform.states_gcrs(times)
    nadir = -r / np.linalg.norm(r, axis=1, keepdims=True)
    along = v - np.sum(v * nadir, axis=1, keepdims=True) * nadir
    along /= np.linalg.norm(along, axis=1, keepdims=True)
    boresight = np.cos(off) * nadir + np.sin(off) * along
    sep = np.arccos(np.clip(np.sum(vis.los_unit_gcrs * boresight, axis=-1), -1, 1))
    half = np.radians(min(sensor.camera.fov_deg)) / 2
    in_view = ~vis.failing("field_of_regard")
    assert in_view.any() and (~in_view).any()
    assert np.array_equal(in_view, sep <= half)
    # Everything the fixed camera sees, the gimbal could see too, but not the reverse.
    assert not np.any(vis.visible & ~wide.visible)
    assert wide.visible.sum() > 5 * vis.visible.sum()
