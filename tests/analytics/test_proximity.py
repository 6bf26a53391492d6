"""Proximity watch: a simulated approach to QZS-6 is reported at the right time and distance."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import TimeDelta

from beltwatch.analytics import (
    closely_spaced_pairs,
    proximity_events,
    proximity_figure,
    proximity_watch,
)
from beltwatch.catalog import Catalog
from beltwatch.frames import transform_states
from beltwatch.propagation import ForceModel, NumericalPropagator, Sgp4Propagator, fit_sgp4
from beltwatch.values import Markings

QZS6 = 62876


@pytest.fixture(scope="module")
def approach(geo_catalog):
    """QZS-6 plus an intruder passing 20 km below it (4 m/s in-track, 30 m/s cross-track),
    2.3 days in.

    Truth: the intruder's numerical trajectory (full GEO force model); its catalog entry is
    an SGP4 element set fitted to that trajectory (as a catalog would hold it)."""
    row = int(np.flatnonzero(geo_catalog.norad_id == QZS6)[0])
    start = geo_catalog.epoch.max()
    t_design = start + TimeDelta(2.3 * 86400.0, format="sec")
    _, r, v = Sgp4Propagator(workers=1).propagate_teme(geo_catalog[row], t_design)
    r_g, v_g = transform_states(r, v, t_design, "teme", "gcrs")
    rq, vq = r_g[0, 0], v_g[0, 0]
    radial = rq / np.linalg.norm(rq)
    along = np.cross(np.cross(rq, vq), rq)
    along /= np.linalg.norm(along)
    normal = np.cross(radial, along)
    # 30 m/s cross-track as well: the intruder's own inclination (~0.56 deg) keeps its SGP4
    # fit away from zero inclination, where fits are unstable.
    state = np.concatenate([rq - 20.0 * radial, vq + 0.004 * along + 0.03 * normal])
    prop = NumericalPropagator(ForceModel.geo_default())
    offsets = np.arange(-21600.0, 21600.0 + 1.0, 120.0)  # a fresh set: tracked about the pass
    truth, _ = prop.propagate_offsets(t_design, state[None], offsets)
    times = t_design + TimeDelta(offsets, format="sec")
    fit = fit_sgp4(
        times,
        truth[:, :, :3],
        truth[:, :, 3:],
        frame="gcrs",
        epoch=t_design,
        norad_id=np.array([99001]),
    )
    intruder = Catalog.from_columns(
        **{
            name: getattr(fit.catalog, name)
            for name in (
                "norad_id",
                "epoch",
                "mean_motion_rev_per_day",
                "eccentricity",
                "inclination_rad",
                "raan_rad",
                "arg_perigee_rad",
                "mean_anomaly_rad",
            )
        },
        name=np.array(["INTRUDER"], dtype=object),
    )
    catalog = Catalog.concatenate([geo_catalog, intruder])
    # The true closest approach: 1-s sampling of the truth against QZS-6's SGP4 near it.
    fine = np.arange(-3 * 3600.0, 3 * 3600.0 + 1.0, 1.0)
    near, _ = prop.propagate_offsets(t_design, state[None], fine)
    when = t_design + TimeDelta(fine, format="sec")
    _, rq_t, vq_t = Sgp4Propagator(workers=1).propagate_teme(geo_catalog[row], when)
    rq_g, _ = transform_states(rq_t, vq_t, when, "teme", "gcrs")
    d = np.linalg.norm(near[0, :, :3] - rq_g[0], axis=1)
    k = int(np.argmin(d))
    # And the closest approach of the element sets themselves (direct SGP4, 1-s steps).
    pair = catalog[[row, len(catalog) - 1]]
    _, r_sets, _ = Sgp4Propagator(workers=1).propagate_teme(pair, when)
    d_sets = np.linalg.norm(r_sets[1] - r_sets[0], axis=1)
    j = int(np.argmin(d_sets))
    truth = (t_design + TimeDelta(fine[k], format="sec"), float(d[k]))
    sets = (t_design + TimeDelta(fine[j], format="sec"), float(d_sets[j]))
    return catalog, row, start, truth, sets, fit


def test_simulated_approach_time_and_distance(approach) -> None:
    catalog, row, start, (t_true, d_true), (t_sets, d_sets), fit = approach
    assert fit.rms_km[0] < 0.6  # SGP4 follows the numerical truth to ~0.5 km over 12 h
    result = proximity_watch(catalog, row, start=start, days=4.0, within_km=50.0)
    track = next(t for t in result.tracks if t.norad_id == 99001)
    # Against the simulated truth (numerical trajectory): the requirement, 1 min and 1 km.
    assert abs((track.closest_time - t_true).to_value("sec")) <= 60.0
    assert abs(track.closest_km - d_true) <= 1.0
    # Against the element sets' own closest approach (1-s sampling of SGP4): much closer.
    assert abs((track.closest_time - t_sets).to_value("sec")) <= 1.0
    assert abs(track.closest_km - d_sets) <= 0.01
    assert track.entry_time is not None and track.entry_time < track.closest_time
    assert track.approach_rate_km_s < 0  # closing when it entered
    # At closest approach the intruder is below QZS-6 (negative radial) in its RIC frame.
    k = int(np.nanargmin(track.range_km))
    assert track.ric_km[k, 0] < -15.0
    events = proximity_events(result, Markings("TEST", "PUBLIC"))
    event = next(e for e in events if 99001 in e.norad_ids)
    assert event.norad_ids == (QZS6, 99001) and event.figures["within_km"] == 50.0
    html = proximity_figure(result).to_html(include_plotlyjs=False)
    for label in ("in-track (km)", "radial (km)", "cross-track (km)", "INTRUDER"):
        assert label in html


def test_closely_spaced_pairs_include_the_docked_pair(geo_catalog) -> None:
    pairs = closely_spaced_pairs(geo_catalog, days=0.5, within_km=20.0)
    names = {(geo_catalog.norad_id[p.index1], geo_catalog.norad_id[p.index2]): p for p in pairs}
    docked = names[(28358, 46113)]  # Intelsat 10-02 and MEV-2: one element set
    assert docked.closest_km == 0.0 and docked.fraction == 1.0
    assert all(0 < p.fraction <= 1 and p.closest_km < 20.0 for p in pairs)
