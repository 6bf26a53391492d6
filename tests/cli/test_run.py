"""``beltwatch run`` on embedded defaults: the main job a new user starts with."""

from __future__ import annotations

import json

import numpy as np

from beltwatch.catalog import synthetic_geo_population
from beltwatch.propagation import Sgp4Propagator


def test_run_writes_summary(tmp_path, run_cli) -> None:
    result = run_cli("run", "--out", str(tmp_path), "--hours", "6", "--step", "600")
    assert result.returncode == 0, result.stderr
    assert "summary written to" in result.stdout
    summaries = list(tmp_path.glob("*/summary.json"))
    assert len(summaries) == 1
    summary = json.loads(summaries[0].read_text())
    assert summary["objects"] == 600
    assert summary["by_orbit_class"]["GEO"] == 600
    assert summary["propagation_errors"] == 0
    assert summary["states_computed"] == 600 * 37
    belt = summary["belt"]
    assert belt["stationary"] + belt["drifting"] == belt["geo_objects"] == 600
    assert sum(belt["objects_per_30deg_longitude"].values()) == 600
    plot = summaries[0].parent / "belt-longitude-time.html"
    assert summary["plots"]["belt_longitude_time"] == str(plot)
    html = plot.read_text()
    assert "station-kept (" in html and "drifting (" in html and "plotly" in html
    coverage = summary["coverage"]
    assert set(coverage["per_sensor"]) == {"qzs6-wfc", "qzs7-wfc", "bisei-1m", "jp-dsr"}
    per_sensor_max = max(s["objects_observed"] for s in coverage["per_sensor"].values())
    assert per_sensor_max <= coverage["objects_observed"] <= coverage["objects_total"] == 600
    assert (summaries[0].parent / "coverage.html").stat().st_size > 10_000


def test_synthetic_population_is_seeded_and_realistic() -> None:
    a = synthetic_geo_population(seed=7)
    b = synthetic_geo_population(seed=7)
    c = synthetic_geo_population(seed=8)
    np.testing.assert_array_equal(a.mean_anomaly_rad, b.mean_anomaly_rad)
    assert not np.array_equal(a.mean_anomaly_rad, c.mean_anomaly_rad)
    assert len(np.unique(a.norad_id)) == len(a)
    assert np.all(np.isfinite(a.radius_m)) and np.all((a.albedo > 0) & (a.albedo < 1))
    eph = Sgp4Propagator(workers=1).propagate(a, a.epoch[:1], "itrs")
    assert np.all(eph.error_code == 0)
    radius = np.linalg.norm(eph.position_km[:, 0], axis=1)
    assert np.all(np.abs(radius - 42_164) < 1_500)  # debris: e up to 0.02
    station_kept = np.array([n.startswith("SYN-GEO") for n in a.name])
    lon = np.degrees(
        np.arctan2(eph.position_km[station_kept, 0, 1], eph.position_km[station_kept, 0, 0])
    )
    # slots were drawn around operator clusters: the orbits land in the clustered longitudes
    assert np.histogram(lon, bins=12, range=(-180, 180))[0].max() > 40
    assert np.degrees(a.inclination_rad[station_kept]).max() < 0.1
