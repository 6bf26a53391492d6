"""Belt drift estimation against analytic longitude histories and the real catalog."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.analytics import BeltTrack, belt_summary, belt_tracks
from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import parse_utc

SIDEREAL_RAD_PER_DAY = 2 * np.pi * 1.00273790935


@pytest.mark.parametrize("hours", [6.0, 24.0, 72.0])
def test_drift_recovered_despite_daily_libration(hours: float) -> None:
    rng = np.random.default_rng(1)
    n = 200
    t0 = parse_utc("2026-05-30T00:00:00Z")
    days = np.arange(0, hours * 3600 + 1, 300.0) / 86400.0
    drift = rng.uniform(-3, 3, n)
    eccentric = np.degrees(2 * rng.uniform(0, 5e-3, n))[:, None] * np.sin(
        SIDEREAL_RAD_PER_DAY * days + rng.uniform(0, 6, (n, 1))
    )
    inclined = np.degrees(rng.uniform(0, 0.26, n) ** 2 / 4)[:, None] * np.sin(
        2 * SIDEREAL_RAD_PER_DAY * days + 1.0
    )
    lon = rng.uniform(-180, 180, (n, 1)) + drift[:, None] * days + eccentric + inclined
    track = BeltTrack(
        np.arange(n),
        np.array(["x"] * n, dtype=object),
        t0 + TimeDelta(days * 86400, format="sec"),
        lon,
        np.zeros(n),
    )
    np.testing.assert_allclose(track.drift_deg_per_day, drift, atol=1e-8)
    naive = (lon[:, -1] - lon[:, 0]) / days[-1]
    if hours < 24:
        assert np.max(np.abs(naive - drift)) > 0.05  # what the harmonic terms protect against


def test_real_catalog_summary_is_consistent(geo_catalog) -> None:
    start = geo_catalog.epoch.max()
    times = start + TimeDelta(np.arange(0, 86400 + 1, 900.0), format="sec")
    track = belt_tracks(geo_catalog, Sgp4Propagator().propagate(geo_catalog, times, "itrs"))
    summary = belt_summary(track)
    assert summary["geo_objects"] == track.norad_id.size > 560
    assert summary["stationary"] + summary["drifting"] == summary["geo_objects"]
    qzs6 = np.flatnonzero(track.norad_id == 62876)[0]
    assert abs(track.start_longitude_deg[qzs6] - 90.5) < 1.5  # QZS-6 sits near 90.5 E
    assert abs(track.drift_deg_per_day[qzs6]) < 0.05
