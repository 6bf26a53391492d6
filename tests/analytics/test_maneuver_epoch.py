"""North-south maneuver epochs: a normal burn's h-vector jump dates it only modulo half a
sidereal day, so the sets around it leave several candidate times. Constructed case: a
normal burn injected into a quiet real history between two sets about 30 h apart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from beltwatch.analytics import detect_maneuvers, maneuver_events
from beltwatch.catalog import Catalog, load_catalog
from beltwatch.values import Markings

GAP_H = 30.0
DELTA_V_M_S = 1.0
SPEED_M_S = 3075.0
HALF_SIDEREAL_DAY_H = 0.5 * 23.9345

pytestmark = pytest.mark.xdist_group("maneuvers")


@pytest.fixture(scope="module")
def real_history(shared_data: Path) -> Catalog:
    return load_catalog(shared_data / "geo" / "geo-tle-history.tle").catalog


@pytest.fixture(scope="module")
def quiet_with_gap(real_history) -> tuple[Catalog, int, int]:
    """A history of one object without maneuvers, and two of its sets (rows) whose epochs
    are GAP_H +- 1.5 h apart, with sets before and after (the sets between get dropped)."""
    busy = {m.norad_id for m in detect_maneuvers(real_history).maneuvers}
    for norad in np.unique(real_history.norad_id):
        one = real_history.history(int(norad))
        if int(norad) in busy or len(one) < 15:
            continue
        hours = (one.epoch - one.epoch[0]).to_value("hour")
        for i in range(2, len(one) - 3):
            j = int(np.argmin(np.abs(hours - hours[i] - GAP_H)))
            if abs(hours[j] - hours[i] - GAP_H) < 1.5 and j < len(one) - 2:
                return one, i, j
    raise AssertionError("no quiet object with two sets 30 h apart")


def _with_normal_burn(
    one: Catalog, before: int, after: int, burn: Time, tangential_m_s: float = 0.0
) -> Catalog:
    """Sets ``before`` and earlier unchanged, sets from ``after`` on with the orbit normal
    turned by a DELTA_V_M_S normal burn at ``burn`` (sets between dropped); with
    ``tangential_m_s`` too, the same burn also raises a and moves e (circular orbit:
    da = 2 a dv / v, de = 2 dv / v towards the burn's right ascension)."""
    quiet = detect_maneuvers(one)  # the history's own synchronous elements, no maneuver
    assert not quiet.maneuvers
    row = int(np.argmin(np.abs((quiet.sets.catalog.epoch - one.epoch[before]).to_value("s"))))
    n_rad_s = 2 * np.pi * float(one.mean_motion_rev_per_day[before]) / 86400.0
    # Near-circular, near-equatorial: the right ascension is the inertial mean longitude.
    alpha = float(quiet.sets.mean_longitude_rad[row]) + n_rad_s * float(
        (burn - one.epoch[before]).to_value("s")
    )
    dh = DELTA_V_M_S / SPEED_M_S * np.array([np.sin(alpha), -np.cos(alpha)])
    later = np.arange(len(one)) >= after
    i, raan = one.inclination_rad, one.raan_rad
    hx = np.sin(i) * np.sin(raan) + np.where(later, dh[0], 0.0)
    hy = -np.sin(i) * np.cos(raan) + np.where(later, dh[1], 0.0)
    new_raan = np.arctan2(hx, -hy)
    # e vector (of longitude of perigee raan + w), moved by a tangential part
    de = 2 * tangential_m_s / SPEED_M_S * np.array([np.cos(alpha), np.sin(alpha)])
    perigee = raan + one.arg_perigee_rad
    ex = one.eccentricity * np.cos(perigee) + np.where(later, de[0], 0.0)
    ey = one.eccentricity * np.sin(perigee) + np.where(later, de[1], 0.0)
    new_perigee = np.arctan2(ey, ex)
    # the new mean motion (da / a = 2 dv / v, n ~ a^-3/2) and the longitude it gains since
    dn = np.where(later, -3.0 * tangential_m_s / SPEED_M_S, 0.0) * one.mean_motion_rev_per_day
    since_days = np.clip((one.epoch - burn).to_value("day"), 0.0, None)
    turned = replace(
        one,
        inclination_rad=np.arcsin(np.hypot(hx, hy)),
        raan_rad=np.mod(new_raan, 2 * np.pi),
        arg_perigee_rad=np.mod(new_perigee - new_raan, 2 * np.pi),
        eccentricity=np.hypot(ex, ey),
        mean_motion_rev_per_day=one.mean_motion_rev_per_day + dn,
        # keep the mean longitude (raan + w + M) where it was, plus the drift since the burn
        mean_anomaly_rad=np.mod(
            one.mean_anomaly_rad + perigee - new_perigee + 2 * np.pi * dn * since_days, 2 * np.pi
        ),
    )
    keep = (np.arange(len(one)) <= before) | later
    return turned[np.flatnonzero(keep)]


# Where in the gap the burn is: the middle candidate of three (0.3, 0.55), the last (0.85).
@pytest.mark.parametrize("share", [0.3, 0.55, 0.85])
def test_normal_burn_between_sets_30_h_apart(quiet_with_gap, share: float) -> None:
    one, before, after = quiet_with_gap
    gap_s = float((one.epoch[after] - one.epoch[before]).to_value("s"))
    burn = one.epoch[before] + TimeDelta(share * gap_s, format="sec")
    found = detect_maneuvers(_with_normal_burn(one, before, after, burn))
    assert len(found.maneuvers) == 1
    event = maneuver_events(found, Markings("TEST", "PUBLIC"))[0]
    assert event.evidence["type"] == "north-south"
    assert event.figures["delta_v_m_s"] == pytest.approx(DELTA_V_M_S, rel=0.1)
    candidates = Time(list(event.evidence["epoch_candidates_utc"]))
    hours = np.sort((candidates - burn).to_value("hour"))
    # 30 h of sets leave two or three times, half a sidereal day apart, one of them the burn.
    assert 2 <= hours.size <= 3
    assert np.allclose(np.diff(hours), HALF_SIDEREAL_DAY_H, atol=0.1)
    assert np.min(np.abs(hours)) < 0.5
    interval = Time(list(event.evidence["epoch_interval_utc"]))
    assert interval[0] <= burn + TimeDelta(1800, format="sec")
    assert interval[1] >= burn - TimeDelta(1800, format="sec")
    # The chosen epoch is the one whose worst case over the candidates is the least: at
    # most one candidate spacing (with the direction's own error) from the burn for three.
    error_h = abs((event.time - burn).to_value("hour"))
    assert error_h <= HALF_SIDEREAL_DAY_H + 0.1
    worst_h = np.max(np.abs((candidates - event.time).to_value("hour")))
    assert worst_h <= 0.5 * np.ptp(hours) + 0.05
    # The uncertainty says the epoch is ambiguous (not the 0.5 h of a single candidate).
    assert event.time_sigma_s is not None
    assert 0.4 * np.ptp(hours) * 3600 <= event.time_sigma_s <= 0.6 * np.ptp(hours) * 3600 + 1800


def test_in_plane_part_of_a_combined_burn_picks_the_candidate(quiet_with_gap) -> None:
    """A 1 m/s normal burn with 0.1 m/s along track at the same time, late in the gap (the
    minimax candidate would be 12 h off): the longitude lag and the e-vector date it."""
    one, before, after = quiet_with_gap
    gap_s = float((one.epoch[after] - one.epoch[before]).to_value("s"))
    burn = one.epoch[before] + TimeDelta(0.85 * gap_s, format="sec")
    found = detect_maneuvers(_with_normal_burn(one, before, after, burn, tangential_m_s=0.1))
    assert len(found.maneuvers) == 1
    m = found.maneuvers[0]
    assert m.kind == "combined"
    assert len(m.evidence["epoch_candidates_utc"]) >= 2
    assert m.evidence["epoch_chosen_by"] == "in-plane timing"
    error_h = abs((found.maneuver_epochs()[0] - burn).to_value("hour"))
    assert error_h < 1.0
    assert m.tangential_m_s == pytest.approx(0.1, rel=0.3)
