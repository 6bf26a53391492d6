"""Correlation and UCT linking on a simulated 3-day QZS-6 survey of the real GEO catalog.

Truth: numerical propagation (J2..J4, Sun, Moon, SRP with random area-to-mass) of the
SGP4 states at the survey start, so SGP4 predictions carry realistic growing error;
1 arcsec noise; 5 % of the objects removed from the catalog handed to correlation.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.association._survey import survey


@pytest.fixture(scope="module")
def run(geo_latest_path):
    return survey(str(geo_latest_path))


def test_cataloged_observations_tagged(run):
    table, removed, _, result, _ = run
    cataloged = ~np.isin(table.truth_id, removed)
    correct = (result.obs_status == "correlated") & (result.obs_object_id == table.truth_id)
    assert len(table) > 30_000
    assert correct[cataloged].mean() >= 0.99
    # removed objects are mostly UCTs
    assert np.mean(result.obs_status[~cataloged] == "uct") > 0.95


def test_uct_numbers_from_range(run):
    _, _, _, result, _ = run
    ids = result.object_id[result.status == "uct"]
    assert np.all((ids >= 800_000_000) & (ids <= 899_999_999))
    assert len(np.unique(ids)) == len(ids)


@pytest.mark.xfail(
    reason="measured (seed 1): 23 of 29 removed objects recovered (27 observable), one "
    "new object merges two removed objects, 17 observations of removed objects tagged "
    "as a co-located cataloged object; requirement: >= 90 %, no merge",
    strict=True,  # seeded: when linking meets the target this fails, remove the mark
)
def test_removed_objects_recovered_without_merges(run):
    table, removed, _, result, new = run
    cataloged = set(np.setdiff1d(table.truth_id, removed).tolist())
    recovered = set()
    for obj in new:
        truths = set(table.truth_id[obj.rows].tolist())
        assert len(truths) == 1, f"new object {obj.object_id} merges {truths}"
        assert not truths & cataloged
        recovered |= truths
    wrong = (result.obs_status == "correlated") & (result.obs_object_id != table.truth_id)
    assert wrong.sum() == 0
    assert len(recovered) >= 0.9 * len(removed)
