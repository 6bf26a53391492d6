"""GCRS and ITRS positions of the real GEO catalog against skyfield over 24 h.

skyfield propagates from the original TLE lines (its own Satrec, its own
TEME->GCRS/ITRS chain); both sides get the same Earth orientation data (the
bundled IERS table) so that the comparison isolates the frame models.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.utils import iers

from beltwatch.propagation import Sgp4Propagator
from beltwatch.timescales import time_grid

skyfield_api = pytest.importorskip("skyfield.api")
from skyfield.data import iers as skyfield_iers  # noqa: E402
from skyfield.framelib import itrs  # noqa: E402
from skyfield.timelib import Timescale  # noqa: E402

TOLERANCE_KM = 1e-3  # 1 m
MJD_1973_01_02 = 41684.0  # skyfield's leap-second bookkeeping starts where finals2000A does


def skyfield_timescale_with_astropy_eop() -> Timescale:
    """A skyfield timescale built from the same IERS table beltwatch uses (UT1-UTC, x_p, y_p)."""
    table = iers.IERS_Auto.open()
    mjd = np.asarray(table["MJD"].to_value("d"))
    dut1 = np.asarray(table["UT1_UTC"].to_value("s"))
    xp = np.asarray(table["PM_x"].to_value("arcsec"))
    yp = np.asarray(table["PM_y"].to_value("arcsec"))
    keep = (mjd >= MJD_1973_01_02) & np.isfinite(dut1) & np.isfinite(xp) & np.isfinite(yp)
    mjd, dut1, xp, yp = mjd[keep], dut1[keep], xp[keep], yp[keep]
    daily_tt, daily_delta_t, leap_dates, leap_offsets = skyfield_iers.build_timescale_arrays(
        mjd, dut1
    )
    ts = Timescale((daily_tt, daily_delta_t), leap_dates, leap_offsets)
    finals = np.zeros(
        mjd.size, dtype=[("utc_mjd", float), ("x_arcseconds", float), ("y_arcseconds", float)]
    )
    finals["utc_mjd"], finals["x_arcseconds"], finals["y_arcseconds"] = mjd, xp, yp
    skyfield_iers.install_polar_motion_table(ts, finals)
    return ts


@pytest.mark.slow
def test_gcrs_and_itrs_agree_with_skyfield(geo_latest_path, geo_catalog) -> None:
    times = time_grid("2026-05-30T00:00:00Z", "2026-05-31T00:00:00Z", 300.0)  # 289 epochs, 24 h
    ours_gcrs = Sgp4Propagator().propagate(geo_catalog, times, "gcrs")
    ours_itrs = ours_gcrs.to_frame("itrs")
    ts = skyfield_timescale_with_astropy_eop()
    t = ts.from_astropy(times)
    lines = geo_latest_path.read_text().splitlines()
    worst_gcrs = worst_itrs = 0.0
    for i in range(0, len(lines) - 2, 3):
        sat = skyfield_api.EarthSatellite(lines[i + 1], lines[i + 2], lines[i], ts)
        row = int(np.flatnonzero(geo_catalog.norad_id == sat.model.satnum)[0])
        position = sat.at(t)
        gcrs_km = position.position.km.T
        itrs_km = position.frame_xyz(itrs).km.T
        valid = ours_gcrs.valid[row]
        worst_gcrs = max(
            worst_gcrs,
            np.max(np.linalg.norm(ours_gcrs.position_km[row, valid] - gcrs_km[valid], axis=1)),
        )
        worst_itrs = max(
            worst_itrs,
            np.max(np.linalg.norm(ours_itrs.position_km[row, valid] - itrs_km[valid], axis=1)),
        )
    assert geo_catalog.norad_id.size == len(lines) // 3 == 574
    print(f"worst GCRS difference {worst_gcrs * 1e3:.3f} m, ITRS {worst_itrs * 1e3:.3f} m")
    assert worst_gcrs <= TOLERANCE_KM
    assert worst_itrs <= TOLERANCE_KM


def test_round_trip_between_frames_is_identity(geo_catalog) -> None:
    from beltwatch.frames import transform_states

    times = time_grid("2026-05-30T00:00:00Z", "2026-05-30T02:00:00Z", 600.0)
    eph = Sgp4Propagator(workers=1).propagate(geo_catalog[:20], times, "teme")
    for a, b in (("teme", "itrs"), ("teme", "gcrs"), ("gcrs", "itrs")):
        r1, v1 = transform_states(eph.position_km, eph.velocity_km_s, times, "teme", a)
        r2, v2 = transform_states(r1, v1, times, a, b)
        r3, v3 = transform_states(r2, v2, times, b, "teme")
        np.testing.assert_allclose(r3, eph.position_km, atol=1e-9)
        np.testing.assert_allclose(v3, eph.velocity_km_s, atol=1e-12)


def test_itrs_velocity_is_the_time_derivative_of_itrs_position() -> None:
    """v_itrs must include the Earth-rotation term: check it on an analytic TEME circle."""
    from beltwatch.frames import transform_states

    times = time_grid("2026-05-30T00:00:00Z", "2026-05-30T00:00:02Z", 1.0)
    seconds = np.array([-1.0, 0.0, 1.0])
    radius_km, rate_rad_s = 42164.0, 7.29e-5
    angle = rate_rad_s * seconds
    r_teme = radius_km * np.stack(
        [np.cos(angle), np.sin(angle) * 0.9, np.sin(angle) * 0.43], axis=-1
    )
    v_teme = (
        radius_km
        * rate_rad_s
        * np.stack([-np.sin(angle), np.cos(angle) * 0.9, np.cos(angle) * 0.43], axis=-1)
    )
    r_itrs, v_itrs = transform_states(r_teme, v_teme, times, "teme", "itrs")
    finite_difference = (r_itrs[2] - r_itrs[0]) / 2.0
    np.testing.assert_allclose(v_itrs[1], finite_difference, atol=1e-8)
    assert np.linalg.norm(v_itrs[1] - v_teme[1]) > 1.0  # the rotation term is large and present
