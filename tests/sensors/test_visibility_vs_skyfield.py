"""Visibility decisions for the real GEO catalog seen from QZS-6, by an independent route.

Reference route: skyfield (its own SGP4 driver, TEME->GCRS and topocentric
transforms), the JPL DE421 Sun and Moon (``skyfield-data``), light time by
evaluating the target at t and at t - 0.13 s (one shared skyfield Time) and
interpolating to the emission time t - tau (error < 1 mm), and other formulas for each
decision (ray-sphere roots for occultation, arccos angles, Vallado's umbra and
penumbra cones for the shadow). Decisions must agree everywhere except at
samples whose reference decision changes within +-1 s (a boundary crossing).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.constants import EARTH_RADIUS_WGS84_KM, SUN_RADIUS_IAU2015_KM
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import (
    HostPlatform,
    default_scenario,
    sensor_visibility,
)
from beltwatch.timescales import time_grid

skyfield_api = pytest.importorskip("skyfield.api")
skyfield_data = pytest.importorskip("skyfield_data")

C_KM_S = 299_792.458
QZS6 = 62876
STEP_S = 120.0
NUDGE_S = 1.0
LIGHT_TIME_STEP_S = 0.13  # about the GEO-to-GEO light time


def _ephemeris():
    path = Path(skyfield_data.__file__).parent / "data"
    planets = skyfield_api.Loader(str(path), verbose=False)("de421.bsp")
    return planets


def _tle_records(path: Path) -> dict[int, tuple[str, str, str]]:
    lines = [ln.rstrip() for ln in path.read_text().splitlines() if ln.strip()]
    out = {}
    for i in range(0, len(lines) - 2, 3):
        out[int(lines[i + 2][2:7])] = (lines[i], lines[i + 1], lines[i + 2])
    return out


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _arccos_angle(a, b):
    return np.arccos(np.clip(np.sum(_unit(a) * _unit(b), axis=-1), -1.0, 1.0))


def _reference_decisions(p, o, sun, moon, c) -> dict[str, np.ndarray]:
    """Decisions by other formulas; p, o, sun, moon: (..., 3) GCRS km (target at emission)."""
    d = p - o
    radius = EARTH_RADIUS_WGS84_KM + c.atmosphere_height_km
    # Ray o + s d hits the sphere for s in [s1, s2]; blocked if that overlaps [0, 1].
    a2, b1, c0 = np.sum(d * d, -1), np.sum(o * d, -1), np.sum(o * o, -1) - radius**2
    disc = b1**2 - a2 * c0
    root = np.sqrt(np.maximum(disc, 0.0))
    s1, s2 = (-b1 - root) / a2, (-b1 + root) / a2
    occulted = (disc > 0) & (s1 < 1.0) & (s2 > 0.0)
    limb = _arccos_angle(d, -o) - np.arcsin(radius / np.linalg.norm(o, axis=-1))
    s_hat = _unit(sun)
    d_sun = np.linalg.norm(sun, axis=-1)
    behind = -np.sum(p * s_hat, -1)  # distance along the anti-Sun axis
    off_axis = np.linalg.norm(np.cross(p, s_hat), axis=-1)
    sin_u = (SUN_RADIUS_IAU2015_KM - EARTH_RADIUS_WGS84_KM) / d_sun
    sin_p = (SUN_RADIUS_IAU2015_KM + EARTH_RADIUS_WGS84_KM) / d_sun
    apex_u = EARTH_RADIUS_WGS84_KM / sin_u  # umbra cone apex behind Earth
    apex_p = EARTH_RADIUS_WGS84_KM / sin_p  # penumbra cone apex toward the Sun
    umbra = (behind > 0) & (off_axis < (apex_u - behind) * np.tan(np.arcsin(sin_u)))
    penumbra_or_umbra = (behind > 0) & (off_axis < (apex_p + behind) * np.tan(np.arcsin(sin_p)))
    return {
        "occulted": occulted,
        "sun": _arccos_angle(d, sun - o) < c.sun_exclusion_rad,
        "moon": _arccos_angle(d, moon - o) < c.moon_exclusion_rad,
        "earth_limb": limb < c.earth_limb_exclusion_rad,
        "cylindrical_shadow": (behind > 0) & (off_axis < EARTH_RADIUS_WGS84_KM),
        "umbra": umbra,
        "sunlit": ~penumbra_or_umbra,
    }


def _ours(vis) -> dict[str, np.ndarray]:
    return {
        "occulted": vis.occulted,
        "sun": vis.failing("sun"),
        "moon": vis.failing("moon"),
        "earth_limb": vis.failing("earth_limb"),
        "cylindrical_shadow": vis.cylindrical_shadow,
        "umbra": vis.sunlit_fraction == 0.0,
        "sunlit": vis.sunlit_fraction == 1.0,
    }


@pytest.fixture(scope="module")
def both_routes(geo_catalog, geo_latest_path):
    times = time_grid("2026-05-30T00:00:00Z", "2026-05-31T00:00:00Z", STEP_S)
    sensor = default_scenario().sensors["qzs6-wfc"]
    sensor = dataclasses.replace(
        sensor, platform=HostPlatform.from_catalog("QZS-6", geo_catalog, QZS6)
    )
    catalog = geo_catalog[geo_catalog.norad_id != QZS6]
    eph = Sgp4Propagator().propagate(catalog, times, "gcrs")
    ours = _ours(sensor_visibility(sensor, eph))

    ts = skyfield_api.load.timescale(builtin=True)
    planets = _ephemeris()
    earth = planets["earth"]
    # The sample times and the same times 1 s before and after, in one skyfield Time.
    grid = [
        times - TimeDelta(NUDGE_S, format="sec"),
        times,
        times + TimeDelta(NUDGE_S, format="sec"),
    ]
    tt1 = np.concatenate([g.tt.jd1 for g in grid])
    tt2 = np.concatenate([g.tt.jd2 for g in grid])
    t_sf = ts.tt_jd(tt1, tt2)
    sun = (planets["sun"] - earth).at(t_sf).position.km.T
    moon = (planets["moon"] - earth).at(t_sf).position.km.T
    planets.close()
    t_early = ts.tt_jd(tt1, tt2 - LIGHT_TIME_STEP_S / 86400.0)
    records = _tle_records(geo_latest_path)
    host = skyfield_api.EarthSatellite(*records[QZS6][1:], records[QZS6][0], ts)
    o = host.at(t_sf).position.km.T
    ref = {key: np.zeros((len(catalog), 3, times.size), dtype=bool) for key in ours}
    ranges = np.zeros((len(catalog), times.size))
    phases = np.zeros((len(catalog), times.size))
    for i, norad in enumerate(catalog.norad_id):
        sat = skyfield_api.EarthSatellite(*records[int(norad)][1:], records[int(norad)][0], ts)
        p_t = sat.at(t_sf).position.km.T
        tau = np.linalg.norm(p_t - o, axis=-1) / C_KM_S
        p_early = sat.at(t_early).position.km.T
        p = p_t + (p_early - p_t) * (tau / LIGHT_TIME_STEP_S)[:, None]  # at emission time
        for key, value in _reference_decisions(p, o, sun, moon, sensor.constraints).items():
            ref[key][i] = value.reshape(3, times.size)
        mid = slice(times.size, 2 * times.size)
        ranges[i] = np.linalg.norm(p[mid] - o[mid], axis=-1)
        phases[i] = _arccos_angle(sun[mid] - p[mid], o[mid] - p[mid])
    vis = sensor_visibility(sensor, eph)
    return ours, ref, ranges, phases, vis


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "decision",
    ["occulted", "sun", "moon", "earth_limb", "cylindrical_shadow", "umbra", "sunlit"],
)
def test_decisions_agree_away_from_crossings(both_routes, decision):
    ours, ref, *_ = both_routes
    before, now, after = ref[decision][:, 0], ref[decision][:, 1], ref[decision][:, 2]
    near_crossing = (before != now) | (after != now)
    disagree = (ours[decision] != now) & ~near_crossing
    # The comparison means something: both outcomes occur, crossings are rare.
    assert now.any() and (~now).any(), f"{decision}: only one outcome in the sample"
    assert near_crossing.mean() < 0.01
    assert int(disagree.sum()) == 0, (
        f"{decision}: {int(disagree.sum())} disagreements away from crossings "
        f"(of {now.size} samples, {int(near_crossing.sum())} excluded near crossings)"
    )


@pytest.mark.shared_data
def test_range_and_phase_angle_match(both_routes):
    *_, ranges, phases, vis = both_routes
    assert np.nanmax(np.abs(vis.range_km - ranges)) < 0.01  # 10 m
    assert np.nanmax(np.abs(vis.phase_angle_rad - phases)) < 1e-5  # 2 arcsec


@pytest.mark.shared_data
def test_ground_radar_range_azimuth_elevation(geo_catalog, geo_latest_path):
    """Site range/az/el against skyfield's topocentric (sat - wgs84 site).altaz()."""
    scenario = default_scenario()
    radar = scenario.sensors["jp-dsr"]
    site = radar.platform
    times = time_grid("2026-05-30T00:00:00Z", "2026-05-30T12:00:00Z", 1800.0)
    catalog = geo_catalog[::10]
    eph = Sgp4Propagator().propagate(catalog, times, "gcrs")
    rng, az, el = site.range_az_el(eph.position_km, times)
    ts = skyfield_api.load.timescale(builtin=True)
    t_sf = ts.tt_jd(times.tt.jd1, times.tt.jd2)
    topos = skyfield_api.wgs84.latlon(
        np.degrees(site.latitude_rad), np.degrees(site.longitude_rad), site.altitude_km * 1e3
    )
    records = _tle_records(geo_latest_path)
    for i, norad in enumerate(catalog.norad_id):
        sat = skyfield_api.EarthSatellite(*records[int(norad)][1:], records[int(norad)][0], ts)
        alt_sf, az_sf, dist_sf = (sat - topos).at(t_sf).altaz()
        assert np.max(np.abs(rng[i] - dist_sf.km)) < 0.05
        assert np.max(np.abs(el[i] - alt_sf.radians)) < 1e-5
        daz = np.angle(np.exp(1j * (az[i] - az_sf.radians)))
        assert np.max(np.abs(daz * np.cos(el[i]))) < 1e-5


# One xdist worker runs these tests (make test: --dist loadgroup): the expensive fixture
# they share is built once, not once per worker.
pytestmark = pytest.mark.xdist_group("skyfield-visibility")
