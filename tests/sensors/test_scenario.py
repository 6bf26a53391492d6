"""Scenario files: the embedded default loads; bad files give one error naming the key."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from beltwatch.errors import InputError
from beltwatch.sensors import (
    GeoSlotHost,
    GroundSite,
    HostPlatform,
    default_scenario,
    default_scenario_path,
    load_scenario,
    scenario_from_dict,
)


@pytest.fixture
def default_data() -> dict:
    return tomllib.loads(default_scenario_path().read_text())


def test_default_scenario_contents():
    scenario = default_scenario()
    assert isinstance(scenario.hosts["QZS-6"], HostPlatform)
    assert int(scenario.hosts["QZS-6"].element_set.norad_id[0]) == 62876
    assert isinstance(scenario.hosts["QZS-7"], GeoSlotHost)
    assert set(scenario.sensors) == {"qzs6-wfc", "qzs7-wfc", "bisei-1m", "jp-dsr"}
    assert isinstance(scenario.sensors["jp-dsr"].platform, GroundSite)
    assert scenario.sensors["jp-dsr"].radar.max_range_km == 42_000.0
    assert scenario.sensors["qzs6-wfc"].constraints.sun_exclusion_rad == pytest.approx(
        np.radians(40.0)
    )


def test_load_scenario_from_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(default_scenario_path().read_text())
    assert load_scenario(path).sensors.keys() == default_scenario().sensors.keys()


def _error(data: dict) -> InputError:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, "bad.toml")
    return info.value


def test_unknown_key(default_data):
    default_data["sensors"][0]["camera"]["apertur_m"] = 0.2
    err = _error(default_data)
    assert err.field == "sensors[0].camera.apertur_m"
    assert "unknown key" in str(err) and "bad.toml" in str(err)


def test_unknown_top_level_key(default_data):
    default_data["sensorz"] = []
    assert _error(default_data).field == "sensorz"


def test_negative_aperture(default_data):
    default_data["sensors"][1]["camera"]["aperture_m"] = -0.15
    err = _error(default_data)
    assert err.field == "sensors[1].camera.aperture_m"
    assert "greater than 0" in str(err)


def test_field_of_view_over_180_degrees(default_data):
    default_data["sensors"][0]["camera"]["focal_length_m"] = 0.0001
    err = _error(default_data)
    assert err.field == "sensors[0].camera"
    assert "exceeds 180 deg" in str(err)


def test_field_of_regard_over_180_degrees(default_data):
    default_data["sensors"][0]["mount"]["field_of_regard_deg"] = 200.0
    assert _error(default_data).field == "sensors[0].mount.field_of_regard_deg"


def test_missing_host(default_data):
    default_data["hosts"] = [h for h in default_data["hosts"] if h["id"] != "QZS-7"]
    err = _error(default_data)
    assert err.field == "sensors[1].host"
    assert "'QZS-7' is not defined" in str(err)


def test_sensor_without_host_or_site(default_data):
    del default_data["sensors"][0]["host"]
    err = _error(default_data)
    assert err.field == "sensors[0]"
    assert "host" in str(err)


def test_host_without_source(default_data):
    del default_data["hosts"][0]["tle"]
    assert _error(default_data).field == "hosts[0]"


def test_missing_required_camera_key(default_data):
    del default_data["sensors"][0]["camera"]["exposure_s"]
    err = _error(default_data)
    assert err.field == "sensors[0].camera.exposure_s" and "missing" in str(err)


def test_duplicate_sensor_id(default_data):
    default_data["sensors"][1]["id"] = "qzs6-wfc"
    assert _error(default_data).field == "sensors[1].id"


def test_bad_toml_and_missing_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[[sensors]\nid = 1\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(path)
    with pytest.raises(InputError, match="no such file"):
        load_scenario(tmp_path / "absent.toml")
