"""A 3-day survey of the real GEO catalog by the default scenario's two hosts (QZS-6 and
the QZS-7 slot, so that the whole belt is seen) with 5 % of the objects removed (cached):
correlation, UCT linking with batch least squares, re-correlation against the new objects."""

from __future__ import annotations

import functools

import numpy as np
from astropy.time import Time

from beltwatch.association import correlate
from beltwatch.association._linking import link_ucts
from beltwatch.association._maintain import maintain
from beltwatch.propagation import ForceModel, NumericalPropagator
from beltwatch.sensors import default_scenario
from beltwatch.simulation import simulate_survey

QZS6 = 62876
T0 = Time("2026-05-31T00:00:00", scale="utc")


@functools.cache
def survey(path: str):
    from beltwatch.catalog import load_catalog

    catalog = load_catalog(path).catalog
    hosts = list(default_scenario().hosts.values())  # QZS-6 (element set), QZS-7 (slot)
    targets = catalog[catalog.norad_id != QZS6]
    rng = np.random.default_rng(1)
    table = simulate_survey(targets, hosts, T0, days=3.0, rng=rng)
    removed = rng.choice(targets.norad_id, round(0.05 * len(targets)), replace=False)
    kept = targets[~np.isin(targets.norad_id, removed)]
    result = correlate(table, kept)
    # the estimator's force model: nominal A/m (the truth's is random per object)
    prop = NumericalPropagator(
        ForceModel.geo_default(0.01, 1.3, degree=4), rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9
    )
    new, _ = link_ucts(result, propagator=prop)
    maintained, new = maintain(result, new, prop)
    return table, removed, kept, result, maintained, new


@functools.cache
def survey_qzs6(path: str):
    """The same survey seen by QZS-6 alone, through correlation, linking, maintenance and
    correlation against OD orbits: (table, removed, maintained, refined, new, fits)."""
    from beltwatch.association import correlate_with_orbits
    from beltwatch.catalog import load_catalog

    catalog = load_catalog(path).catalog
    hosts = [default_scenario().hosts["QZS-6"]]
    targets = catalog[catalog.norad_id != QZS6]
    rng = np.random.default_rng(1)
    table = simulate_survey(targets, hosts, T0, days=3.0, rng=rng)
    removed = rng.choice(targets.norad_id, round(0.05 * len(targets)), replace=False)
    kept = targets[~np.isin(targets.norad_id, removed)]
    result = correlate(table, kept)
    prop = NumericalPropagator(
        ForceModel.geo_default(0.01, 1.3, degree=4), rtol=1e-10, atol_km=1e-6, atol_km_s=1e-9
    )
    new, _ = link_ucts(result, propagator=prop)
    maintained, new = maintain(result, new, prop)
    refined, fits = correlate_with_orbits(maintained, kept, prop, new)
    return table, removed, maintained, refined, new, fits
