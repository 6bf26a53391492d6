"""The coverage figure: one longitude convention, labelled axes, a colour-blind-safe palette
with "not observed" in grey, the sensors' own longitudes marked (the offline HTML is checked
in test_coverage_cli.py)."""

from __future__ import annotations

import numpy as np
import pytest

from beltwatch.sensors import default_scenario
from beltwatch.tasking import coverage_figure, run_coverage
from beltwatch.tasking._plots import COMBINED_COLOUR, NOT_OBSERVED_COLOUR, OKABE_ITO
from beltwatch.timescales import parse_utc


@pytest.fixture(scope="module")
def figure(geo_catalog):
    scenario = default_scenario()
    result = run_coverage(scenario, geo_catalog, parse_utc("2026-05-30T00:00:00Z"), 2.0, 600.0)
    return result, coverage_figure(result)


def test_longitudes_in_one_convention(figure) -> None:
    result, fig = figure
    assert np.all(np.abs(np.degrees(result.longitude_rad)) <= 180.0)
    for axis in ("xaxis", "xaxis2"):
        lo, hi = fig.layout[axis].range
        assert -190 < lo < -180 and 180 < hi < 190
    for trace in fig.data[:]:
        if trace.xaxis in ("x", "x2") and trace.x is not None and len(trace.x):
            x = np.asarray(trace.x, dtype=float)
            assert np.nanmin(x) >= -180.0 and np.nanmax(x) <= 180.0


def test_every_axis_has_a_title_with_units(figure) -> None:
    _, fig = figure
    titles = [fig.layout[f"{a}axis{n}"].title.text for a in "xy" for n in ("", "2", "3")]
    assert all(titles), titles
    assert all("(" in t for t in titles if t != "sensor"), titles


def test_palette_is_okabe_ito_with_grey_for_not_observed(figure) -> None:
    result, fig = figure
    colours = set()
    for trace in fig.data:
        colour = trace.marker.color if trace.mode == "markers" else trace.line.color
        colours.add(colour)
        if trace.name == "not observed":
            assert colour == NOT_OBSERVED_COLOUR
    assert colours <= {*OKABE_ITO, COMBINED_COLOUR, NOT_OBSERVED_COLOUR}
    sensors = list(result.per_sensor)
    shown = [t for t in fig.data if t.showlegend is not False]
    legend = [t.name for t in sorted(shown, key=lambda t: t.legendrank)]
    assert legend[: len(sensors)] == sensors and "not observed" in legend
    assert len(set(colours) & set(OKABE_ITO)) == len(sensors)  # a colour each


def test_sensor_positions_are_marked(figure) -> None:
    result, fig = figure
    marks = {t.y[0]: t.x[0] for t in fig.data if t.name == "sensor's own longitude"}
    assert set(marks) == set(result.per_sensor)
    assert abs(marks["qzs6-wfc"] - 90.5) < 0.2  # QZS-6's slot
    assert abs(marks["qzs7-wfc"] - (190.0 - 360.0)) < 0.2  # QZS-7's assumed slot, 190 E
    assert abs(marks["bisei-1m"] - 133.544) < 1e-6  # the Bisei site
