"""How the run reports a conjunction's Pc: a Pc below PC_FLOOR (what Foster 2D gives for a
miss of tens of sigmas, e.g. the exercise's 7.4 km with ~0.2 km sigmas) is reported as 0
with a note; the miss in sigmas is checked against the closed form for isotropic
covariances, and the Pc of a 7.4 km miss against the 1D Gaussian tail bound."""

from __future__ import annotations

import numpy as np
from astropy.time import Time

from beltwatch.analytics import assess_collision_probability
from beltwatch.formats import ConjunctionEvent
from beltwatch.pipeline._analytics import PC_FLOOR, miss_sigma, reported_pc
from beltwatch.values import Markings, OrbitState

TCA = Time("2026-06-02T14:00:00", scale="utc")
R_GEO_KM = 42164.0


def _conjunction(miss_km: float, sigma_km: float) -> ConjunctionEvent:
    """Two objects at TCA, ``miss_km`` apart radially, crossing at 50 m/s along-track,
    each with an isotropic position sigma ``sigma_km``."""
    cov = np.diag([sigma_km**2] * 3 + [1e-8] * 3)
    r1 = np.array([R_GEO_KM, 0.0, 0.0])
    v1 = np.array([0.0, 3.0747, 0.0])
    s1 = OrbitState(TCA, r1, v1, "gcrs", cov, 1)
    dr, dv = np.array([miss_km, 0.0, 0.0]), np.array([0.0, 0.0, 0.05])
    s2 = OrbitState(TCA, r1 + dr, v1 + dv, "gcrs", cov, 2)
    return ConjunctionEvent("T", TCA, miss_km, s1, s2, Markings("USA", "PUBLIC"))


def test_miss_sigma_is_the_miss_over_the_combined_sigma():
    conj = _conjunction(7.4, 0.2)
    assert np.isclose(miss_sigma(conj), 7.4 / (0.2 * np.sqrt(2.0)), rtol=1e-9)


def test_a_pc_of_a_miss_of_tens_of_sigmas_is_reported_as_zero_with_a_note():
    conj = _conjunction(7.4, 0.2)
    pc = assess_collision_probability(conj).pc
    assert pc is not None
    # Upper bound: the whole 20 m disc at the 1D tail beyond miss - HBR.
    sigma = 0.2 * np.sqrt(2.0)
    bound = np.exp(-0.5 * ((7.4 - 0.02) / sigma) ** 2)
    assert 0.0 <= pc <= bound < PC_FLOOR
    value, note = reported_pc(pc, conj)
    assert value == 0.0
    assert "reported as 0" in note and "sigma" in note


def test_a_pc_above_the_floor_is_reported_as_computed():
    conj = _conjunction(0.3, 0.2)
    pc = assess_collision_probability(conj).pc
    assert pc is not None and pc > PC_FLOOR
    assert reported_pc(pc, conj) == (pc, "")
