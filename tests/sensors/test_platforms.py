"""Host platforms and ground sites: GCRS states against skyfield and against their definitions."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.constants import GEO_RADIUS_KM
from beltwatch.frames import transform_states
from beltwatch.sensors import (
    GeoSlotHost,
    GroundSite,
    default_scenario,
)
from beltwatch.timescales import parse_utc, time_grid

skyfield_api = pytest.importorskip("skyfield.api")
TIMES = time_grid("2026-05-30T00:00:00Z", "2026-05-31T00:00:00Z", 900.0)


def test_qzs6_host_matches_skyfield():
    host = default_scenario().hosts["QZS-6"]
    r, v = host.states_gcrs(TIMES)
    line1, line2 = (
        "1 62876U 25023A   26150.52106483 -.00000221  00000+0  00000+0 0  9998",
        "2 62876   0.0117 350.2138 0002600  81.9587  93.9462  1.00270124  4776",
    )
    ts = skyfield_api.load.timescale(builtin=True)
    sat = skyfield_api.EarthSatellite(line1, line2, "QZS-6", ts)
    at = sat.at(ts.tt_jd(TIMES.tt.jd1, TIMES.tt.jd2))
    assert np.max(np.linalg.norm(r - at.position.km.T, axis=1)) < 0.001  # 1 m
    assert np.max(np.linalg.norm(v - at.velocity.km_per_s.T, axis=1)) < 1e-6
    # QZS-6 sits near 90.5 E.
    itrs, _ = transform_states(r, v, TIMES, "gcrs", "itrs")
    lon = np.degrees(np.arctan2(itrs[:, 1], itrs[:, 0]))
    assert np.all(np.abs(lon - 90.5) < 0.2)


def test_geo_slot_host_follows_its_slot():
    host = GeoSlotHost(
        "slot", np.radians(190.0), np.radians(0.05), parse_utc("2026-05-30T00:00:00Z")
    )
    r, v = host.states_gcrs(TIMES)
    assert np.allclose(np.linalg.norm(r, axis=1), GEO_RADIUS_KM, atol=1e-6)
    itrs, v_itrs = transform_states(r, v, TIMES, "gcrs", "itrs")
    lon = np.degrees(np.arctan2(itrs[:, 1], itrs[:, 0])) % 360.0
    lat = np.degrees(np.arcsin(itrs[:, 2] / np.linalg.norm(itrs, axis=1)))
    assert np.all(np.abs(lon - 190.0) < 0.01)
    assert np.max(np.abs(lat)) == pytest.approx(0.05, abs=0.005)  # the figure-8's height
    assert np.max(np.linalg.norm(v_itrs, axis=1)) < 0.01  # nearly at rest on the rotating Earth
    # Velocity is the derivative of position (central difference over +-1 s).
    t = parse_utc("2026-05-30T06:00:00Z")
    plus, _ = host.states_gcrs(t + TimeDelta(1.0, format="sec"))
    minus, _ = host.states_gcrs(t - TimeDelta(1.0, format="sec"))
    _, v_mid = host.states_gcrs(t)
    assert np.allclose((plus - minus) / 2.0, v_mid, atol=1e-6)


def test_ground_site_matches_skyfield_wgs84():
    site = GroundSite("bisei", np.radians(34.672), np.radians(133.544), 0.41)
    ts = skyfield_api.load.timescale(builtin=True)
    topos = skyfield_api.wgs84.latlon(34.672, 133.544, 410.0)
    assert np.allclose(site.position_itrs_km, topos.itrs_xyz.km, atol=1e-6)
    r, v = site.states_gcrs(TIMES)
    at = topos.at(ts.tt_jd(TIMES.tt.jd1, TIMES.tt.jd2))
    # Different Earth-orientation data (skyfield ignores polar motion here): ~10 m.
    assert np.max(np.linalg.norm(r - at.position.km.T, axis=1)) < 0.03
    assert np.max(np.linalg.norm(v - at.velocity.km_per_s.T, axis=1)) < 1e-5
    up = site.up_gcrs(TIMES)
    assert np.allclose(np.linalg.norm(up, axis=1), 1.0)
    # Zenith elevation is 90 deg: a point straight up from the site.
    rng, _, el = site.range_az_el(r + 1000.0 * up, TIMES)
    assert np.allclose(el, np.pi / 2, atol=1e-9) and np.allclose(rng, 1000.0)
