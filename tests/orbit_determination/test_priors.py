"""The population C_R prior of a new object, against a population whose spread is known."""

from __future__ import annotations

import numpy as np
import pytest

from beltwatch.orbit_determination import population_cr_prior


def test_population_spread_has_the_fit_error_removed():
    """Effective C_R uniform on [0.65, 3.9] (true spread 3.25 / sqrt(12) = 0.938), each
    cataloged fit off by N(0, 0.3): the prior's spread is the population's, not the wider
    scatter of the fitted values."""
    rng = np.random.default_rng(5)
    true_cr = rng.uniform(0.65, 3.9, 20000)
    fitted = true_cr + rng.normal(0.0, 0.3, true_cr.size)
    mean, spread = population_cr_prior(fitted, 0.3)
    assert mean == pytest.approx(0.5 * (0.65 + 3.9), abs=0.02)
    assert spread == pytest.approx(3.25 / np.sqrt(12.0), abs=0.02)
    assert np.std(fitted) > 3.25 / np.sqrt(12.0) + 0.04  # the raw scatter overstates it


def test_population_spread_with_per_object_sigmas_and_a_floor():
    rng = np.random.default_rng(6)
    sig = rng.uniform(0.1, 0.6, 20000)
    fitted = 1.5 + rng.normal(0.0, 0.5, sig.size) + rng.normal(0.0, 1.0, sig.size) * sig
    assert population_cr_prior(fitted, sig)[1] == pytest.approx(0.5, abs=0.02)
    # Fits noisier than the population's spread: the floor, never zero or NaN.
    same = np.full(50, 1.3) + rng.normal(0.0, 0.3, 50)
    assert population_cr_prior(same, 0.5, min_spread=0.1)[1] == 0.1


def test_population_prior_needs_two_values():
    with pytest.raises(ValueError, match="at least two"):
        population_cr_prior(np.array([1.3, np.nan]), 0.3)
