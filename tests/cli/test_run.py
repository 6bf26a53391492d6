"""``beltwatch run`` on embedded defaults: the main job a new user starts with."""

from __future__ import annotations

import numpy as np

from beltwatch.catalog import synthetic_geo_population
from beltwatch.propagation import Sgp4Propagator


def test_run_offers_the_main_job_options(run_cli) -> None:
    result = run_cli("run", "--help")
    assert result.returncode == 0, result.stderr
    for option in ("--scenario", "--catalog", "--hours", "--fidelity", "--out", "--db",
                   "--stream", "--scheduler", "--seed"):  # fmt: skip
        assert option in result.stdout


def test_run_refuses_a_bad_fidelity_in_one_line(tmp_path, run_cli) -> None:
    result = run_cli("run", "--fidelity", "pixels", "--out", str(tmp_path))
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "fidelity" in lines[0]
    assert list(tmp_path.iterdir()) == []


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
