"""The uniform-grid fast path of the interpolated ephemeris equals its point-by-point path."""

from __future__ import annotations

import numpy as np
import pytest

from beltwatch.catalog import synthetic_geo_population
from beltwatch.propagation import InterpolatedEphemeris


@pytest.fixture(scope="module")
def ephemeris() -> InterpolatedEphemeris:
    catalog = synthetic_geo_population(seed=7)[:40]
    return InterpolatedEphemeris.build(catalog, catalog.epoch.max(), 2 * 86400.0)


@pytest.mark.parametrize(
    ("first_s", "step_s", "count"),
    [(0.0, 60.0, 2881), (3620.0, 20.0, 500), (0.0, 600.0, 289), (7.5, 45.0, 300)],
)
def test_grid_equals_pointwise_states(ephemeris, first_s, step_s, count) -> None:
    offsets = first_s + step_s * np.arange(count)
    r, v, ok = ephemeris.grid(offsets)
    objects = np.arange(len(ephemeris))
    r_p, v_p, ok_p = ephemeris.states(objects[:, None], offsets[None, :])
    assert ok.all()
    np.testing.assert_array_equal(ok, ok_p.reshape(ok.shape))
    np.testing.assert_allclose(r, r_p.reshape(r.shape), rtol=0, atol=1e-9)  # km
    np.testing.assert_allclose(v, v_p.reshape(v.shape), rtol=0, atol=1e-12)  # km/s
    # ...and the grid ends on the last node where the span ends there.
    assert np.all(np.isfinite(r[:, -1]))
