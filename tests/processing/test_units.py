"""Small pieces checked by hand: saturated-source flags, the evaluation's track distances."""

from __future__ import annotations

import numpy as np

from beltwatch.processing._evaluate import segment_distances
from beltwatch.processing._extract import _holds_saturated


def test_saturated_flag_by_bounding_box():
    dtype = [("xmin", "i4"), ("xmax", "i4"), ("ymin", "i4"), ("ymax", "i4")]
    objects = np.array([(10, 14, 20, 23), (50, 52, 5, 5), (0, 3, 0, 3)], dtype=dtype)
    cols = 100
    saturated = np.sort(np.array([22 * cols + 14, 5 * cols + 53, 99 * cols + 99]))
    flags = _holds_saturated(objects, saturated, cols)
    # first: (y=22, x=14) is its corner; second: x=53 is just outside; third: none
    assert flags.tolist() == [True, False, False]
    assert not _holds_saturated(objects, np.zeros(0, np.int64), cols).any()


def test_segment_distances_by_hand():
    a0, a1 = np.array([[0.0, 0.0]]), np.array([[10.0, 0.0]])
    b0 = np.array([[5.0, 3.0], [5.0, -1.0], [12.0, 0.0], [-3.0, 4.0]])
    b1 = np.array([[5.0, 3.0], [5.0, 1.0], [14.0, 0.0], [-3.0, 4.0]])
    d = segment_distances(a0, a1, b0, b1)[0]
    assert np.allclose(d, [3.0, 0.0, 2.0, 5.0])  # point above, crossing, collinear gap, corner
