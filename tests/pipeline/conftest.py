"""Short scenarios for the main job's tests (minutes of CPU, not the 24-h default), and
runs shared by the tests of a module."""

from __future__ import annotations

from pathlib import Path

import pytest

# 12 h over the first 100 objects of the synthetic population: two 6-h "nights" so that
# UCT linking can confirm new objects, and enough tracklets for OD.
SHORT = """
name = "short-test"
[run]
hours = 12.0
seed = 7
[truth]
max_objects = 100
[catalog]
missing_fraction = 0.06
stale_fraction = 0.1
[association]
night_length_s = 21600.0
[orbits]
batch_max_objects = 6
ekf_chunk = 32
[analytics]
screening_days = 0.5
"""

# The exercise injections on the short scenario (times inside the 12 h).
EXERCISE = (
    SHORT.replace('name = "short-test"', 'name = "short-exercise"')
    + """
[inject.maneuver]
after_hours = 4.0
delta_v_m_s = 0.2
[inject.close_approach]
asset = "QZS-6"
after_hours = 7.0
miss_km = 1.0
relative_speed_m_s = 50.0
[inject.new_object]
longitude_deg = 150.0
"""
)


def write_scenario(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def short_scenario(tmp_path_factory) -> Path:
    return write_scenario(tmp_path_factory.mktemp("scenario"), SHORT)


@pytest.fixture(scope="session")
def exercise_scenario(tmp_path_factory) -> Path:
    return write_scenario(tmp_path_factory.mktemp("exercise"), EXERCISE)
