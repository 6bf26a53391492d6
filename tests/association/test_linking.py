"""Linking building blocks: the admissible-region hypothesis family of one tracklet."""

from __future__ import annotations

import numpy as np
import pytest

from beltwatch.association import AssociationConfig
from beltwatch.association._linking import admissible_hypotheses
from beltwatch.constants import GEO_RADIUS_KM, GM_EARTH_EGM2008_KM3_S2
from beltwatch.orbit_determination import kepler_propagate


def state_from_elements(a, e, i_deg, node_deg, argp_deg, nu_deg):
    """GCRS-like state (6,) of a two-body orbit from classical elements (km, deg)."""
    i, node, argp, nu = np.radians([i_deg, node_deg, argp_deg, nu_deg])
    p = a * (1 - e * e)
    r_pf = p / (1 + e * np.cos(nu)) * np.array([np.cos(nu), np.sin(nu), 0.0])
    v_pf = np.sqrt(GM_EARTH_EGM2008_KM3_S2 / p) * np.array([-np.sin(nu), e + np.cos(nu), 0.0])
    cn, sn, ci, si, cw, sw = (
        np.cos(node),
        np.sin(node),
        np.cos(i),
        np.sin(i),
        np.cos(argp),
        np.sin(argp),
    )
    R = np.array(
        [
            [cn * cw - sn * sw * ci, -cn * sw - sn * cw * ci, sn * si],
            [sn * cw + cn * sw * ci, -sn * sw + cn * cw * ci, -cn * si],
            [sw * si, cw * si, ci],
        ]
    )
    return np.concatenate([R @ r_pf, R @ v_pf])


def apparent(target, observer):
    """Unit direction and its rate (rad/s, 3-vector) of a target seen from an observer."""
    rel, vrel = target[:3] - observer[:3], target[3:] - observer[3:]
    rng = np.linalg.norm(rel)
    u = rel / rng
    return u, (vrel - np.dot(vrel, u) * u) / rng


HOST = state_from_elements(GEO_RADIUS_KM, 0.0, 0.0, 0.0, 0.0, 0.0)
CASES = {
    "circular GEO 20 deg ahead": (GEO_RADIUS_KM, 0.0003, 0.05, 0.0, 0.0, 20.0),
    "drifting, 300 km below GEO": (GEO_RADIUS_KM - 300.0, 0.001, 1.0, 10.0, 30.0, 300.0),
    "inclined 13 deg": (GEO_RADIUS_KM, 0.001, 13.4, 350.0, 70.0, 100.0),
    "QZS-1R-like, e 0.075, i 37 deg": (GEO_RADIUS_KM, 0.075, 37.4, 80.0, 270.0, 60.0),
}


def best_score(elements, cfg):
    """Best linking-gate score (< 1: inside) of the family, 3 h after the tracklet."""
    target = state_from_elements(*elements)
    direction, rate = apparent(target, HOST)
    hyp = admissible_hypotheses(direction, rate, HOST[:3], HOST[3:], cfg)
    if not len(hyp):
        return np.inf
    dt = 3 * 3600.0
    r, v = kepler_propagate(target[:3], target[3:], dt)
    hr, hv = kepler_propagate(HOST[:3], HOST[3:], dt)
    u_next, rate_next = apparent(np.concatenate([r, v]), np.concatenate([hr, hv]))
    pr, pv = kepler_propagate(hyp[:, :3], hyp[:, 3:], dt)
    off_deg, rate_off = [], []
    for x in np.concatenate([pr, pv], axis=1):
        u, w = apparent(x, np.concatenate([hr, hv]))
        off_deg.append(np.degrees(np.arccos(np.clip(u @ u_next, -1, 1))))
        rate_off.append(np.linalg.norm(w - rate_next) / np.radians(1 / 3600))
    gate = cfg.link_circular_gate_deg + cfg.link_circular_gate_deg_per_hour * 3
    score = np.maximum(np.array(off_deg) / gate, np.array(rate_off) / cfg.link_rate_gate_arcsec_s)
    return score.min()


@pytest.mark.parametrize("elements", CASES.values(), ids=CASES.keys())
def test_hypothesis_family_predicts_the_next_visit(elements):
    """The best member of the family, propagated 3 h, lands well inside the linking gate
    (position and angular rate) of the object's next tracklet."""
    assert best_score(elements, AssociationConfig()) < 0.5


def test_circular_hypothesis_alone_misses_the_eccentric_orbit():
    circular_only = AssociationConfig(link_radial_velocity_km_s=0.0, link_sma_factors=())
    assert best_score(CASES["QZS-1R-like, e 0.075, i 37 deg"], circular_only) > 1.0
    assert best_score(CASES["circular GEO 20 deg ahead"], circular_only) < 0.5
