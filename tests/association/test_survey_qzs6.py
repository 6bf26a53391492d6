"""QZS-6 alone (one geometry: co-located pairs are harder to tell apart): correlating the
ambiguous tracklets against our own OD orbits of their cataloged candidates lifts the
correct tags above 99 % (98.996 % with element sets alone), with no wrong tag."""

from __future__ import annotations

import numpy as np
import pytest
from tests.association._survey import survey_qzs6


@pytest.fixture(scope="module")
def run(geo_latest_path):
    return survey_qzs6(str(geo_latest_path))


def test_qzs6_alone_correct_tags_with_od_orbits(run):
    table, removed, maintained, refined, _, fits = run
    cataloged = ~np.isin(table.truth_id, removed)

    def figures(r):
        ok = (r.obs_status == "correlated") & (r.obs_object_id == table.truth_id)
        wrong = (r.obs_status == "correlated") & (r.obs_object_id != table.truth_id)
        return ok[cataloged].mean(), int(wrong.sum()), int(np.sum(r.obs_status == "ambiguous"))

    before, after = figures(maintained), figures(refined)
    print(f"\nQZS-6 alone: correct {before[0]:.5f} -> {after[0]:.5f}, wrong {after[1]}, "
          f"ambiguous {before[2]} -> {after[2]} ({len(fits)} cataloged orbits fitted)")  # fmt: skip
    assert set(table.sensor_id) == {"QZS-6"}
    assert after[0] >= 0.99
    assert after[1] == 0
    assert after[2] < before[2]
    assert all(f.fitted for f in fits)


# One xdist worker runs these tests (make test: --dist loadgroup): the expensive fixture
# they share is built once, not once per worker.
pytestmark = pytest.mark.xdist_group("survey")
