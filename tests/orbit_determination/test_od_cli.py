"""``beltwatch od`` end to end on simulated QZS-6 observations, with bad rows mixed in."""

from __future__ import annotations

import json
import math

import numpy as np
from astropy.time import Time

from beltwatch.cli import main
from beltwatch.formats import udl_records
from beltwatch.values import Markings, Observation

from ._scenario import (
    grid,
    host_states,
    simulate_space_radec,
    target_states,
    tracklet_offsets_s,
    truth_propagator,
)

T0 = Time("2026-05-30T12:00:00", scale="utc")
MARK = Markings("USA", "PARTNER", frozenset({"JPN"}))


def _observations(geo_catalog):
    ids, r, v = target_states(geo_catalog, T0)
    rng = np.random.default_rng(3)
    offs = tracklet_offsets_s(2)
    times = grid(T0, offs)
    ro, vo = host_states(geo_catalog, times)
    # First object seen on both nights from QZS-6.
    for i in range(len(ids)):
        if not np.isfinite(r[i, 0, 0]):
            continue
        x0 = np.concatenate([r[i, 0], v[i, 0]])[None]
        truth, _ = truth_propagator(0.02).propagate(T0, x0, times)
        meas = simulate_space_radec(truth, ro, vo, times, 1.0, rng)
        if len(meas) == len(times):
            break
    obs = [
        Observation(
            obs_id=f"ob{k}",
            time=meas.times[k].utc,
            ra_rad=float(meas.values[k, 0]),
            dec_rad=float(meas.values[k, 1]),
            ra_sigma_rad=float(meas.sigmas[k, 0]),
            dec_sigma_rad=float(meas.sigmas[k, 1]),
            observer_position_km=meas.observer_position_km[k],
            observer_velocity_km_s=meas.observer_velocity_km_s[k],
            sensor_id="QZS-6",
            markings=MARK,
            norad_id=int(ids[i]),
        )
        for k in range(len(meas))
    ]
    return int(ids[i]), truth[0, -1], obs


def test_od_cli_with_bad_rows(geo_catalog, tmp_path):
    norad, truth_last, obs = _observations(geo_catalog)
    records = udl_records(obs)
    records[5]["declination"] += 10.0  # 10 deg off any object: edited out as an outlier
    records.append(dict(records[7]))  # duplicate id
    uct = dict(records[8], id="uct-1", uct=True)
    uct.pop("satNo")
    records.append(uct)
    records = records[::-1]  # out of time order
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(records))
    main(["od", "--obs", str(path), "--out", str(tmp_path / "out")])  # returns, no SystemExit
    orbits = json.loads((tmp_path / "out" / "orbits.json").read_text())
    report = json.loads((tmp_path / "out" / "rejected.json").read_text())
    (orbit,) = orbits
    assert orbit["norad_id"] == norad
    assert orbit["frame"] == "GCRS"
    err_km = np.linalg.norm(np.array(orbit["position_km"]) - truth_last[:3])
    assert err_km < 2.0, err_km
    assert orbit["n_obs_rejected"] >= 1
    assert report["rejected_observations"] == {"ob7": "duplicate observation id"}
    assert report["uct_observation_ids"] == ["uct-1"]
    assert report["reordered_observations"] > 0
    cov = np.array(orbit["covariance"])
    assert cov.shape == (6, 6) and np.all(np.linalg.eigvalsh(cov) > 0)
    assert orbit["cr"] is not None and orbit["cr_sigma"] > 0  # SRP solved for by default
    # The residual plot: plotly HTML (replaced the SVG), axes titled with units.
    html = (tmp_path / "out" / "residuals" / f"{norad}.html").read_text()
    assert "<html>" in html and "residual (arcsec)" in html and "hours since first" in html
    assert orbit["quality"]["consistent"] and orbit["quality"]["n_tracklets"] == 10


def test_od_cli_nan_angle_is_a_clear_error_or_rejected(geo_catalog, tmp_path, capsys):
    _, _, obs = _observations(geo_catalog)
    records = udl_records(obs)
    records[2]["ra"] = math.nan
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(records))
    try:
        main(["od", "--obs", str(path), "--out", str(tmp_path / "out")])
    except SystemExit as exc:  # the UDL reader refuses the file: one line, exit code 2
        assert exc.code == 2
        assert "ra" in capsys.readouterr().err
        return
    report = json.loads((tmp_path / "out" / "rejected.json").read_text())
    assert "ob2" in report["rejected_observations"]


def test_od_cli_catalog_and_prior_starts(geo_catalog, geo_latest_path, tmp_path):
    """--catalog starts from the element set, --prior from an earlier orbits.json (whose
    C_R and sigma become the C_R a priori); the orbits agree with the IOD-started fit."""
    norad, truth_last, obs = _observations(geo_catalog)
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(udl_records(obs)))
    main(["od", "--obs", str(path), "--out", str(tmp_path / "iod")])
    main(
        [
            "od",
            "--obs",
            str(path),
            "--out",
            str(tmp_path / "cat"),
            "--catalog",
            str(geo_latest_path),
        ]
    )
    prior = tmp_path / "iod" / "orbits.json"
    main(["od", "--obs", str(path), "--out", str(tmp_path / "pri"), "--prior", str(prior)])
    runs = {
        k: json.loads((tmp_path / k / "orbits.json").read_text())[0] for k in ("iod", "cat", "pri")
    }
    assert [runs[k]["started_from"] for k in ("iod", "cat", "pri")] == ["iod", "catalog", "prior"]
    for k in ("cat", "pri"):
        assert runs[k]["norad_id"] == norad
        diff = np.linalg.norm(np.subtract(runs[k]["position_km"], runs["iod"]["position_km"]))
        assert diff < 0.05, (k, diff)  # the same minimum, wherever it started
    # The prior's C_R sigma tightens the new C_R (the same data counted twice would be a
    # misuse in practice; here it shows the a priori is applied).
    assert runs["pri"]["cr_sigma"] < runs["iod"]["cr_sigma"]
    err_km = np.linalg.norm(np.array(runs["pri"]["position_km"]) - truth_last[:3])
    assert err_km < 2.0


def test_od_cli_bad_prior_file_names_the_field(geo_catalog, tmp_path, run_cli):
    _, _, obs = _observations(geo_catalog)
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(udl_records(obs)))
    bad = tmp_path / "prior.json"
    bad.write_text(
        json.dumps(
            [{"norad_id": 1, "epoch_utc": "2026-05-30T12:00:00Z", "velocity_km_s": [0, 3, 0]}]
        )
    )
    result = run_cli("od", "--obs", str(path), "--out", str(tmp_path / "out"), "--prior", str(bad))
    assert result.returncode == 2
    assert "prior.json" in result.stderr and "position_km" in result.stderr
    assert not (tmp_path / "out" / "orbits.json").exists()


def test_od_cli_tdm_input_and_marked_products(geo_catalog, tmp_path):
    """A TDM (no observer state) names its sensor; the scenario supplies the observer.
    Products: an OPM and an OEM per object, marked with the combined markings, readable
    by the formats reader and consistent with orbits.json."""
    from dataclasses import replace

    from beltwatch.formats import (
        encode_message,
        read_message,
        states_from_message,
        tdm_from_observations,
        write_message,
    )

    norad, truth_last, obs = _observations(geo_catalog)
    jpn = Markings("JPN", "PARTNER", frozenset({"USA"}))
    # "qzs6-wfc" is the default scenario's QZS-6 sensor; half the rows come from Japan.
    obs = [
        replace(o, sensor_id="qzs6-wfc", markings=jpn if k % 2 else o.markings)
        for k, o in enumerate(obs)
    ]
    unknown = replace(obs[5], obs_id="x", sensor_id="nobody")
    tdms = [tdm_from_observations(obs[::2]), tdm_from_observations([*obs[1::2], unknown])]
    path = tmp_path / "obs.tdm"
    path.write_text(encode_message(tdms, "kvn"))  # two messages in one file
    main(["od", "--obs", str(path), "--out", str(tmp_path / "out"), "--oem-hours", "6"])
    (orbit,) = json.loads((tmp_path / "out" / "orbits.json").read_text())
    report = json.loads((tmp_path / "out" / "rejected.json").read_text())
    assert orbit["norad_id"] == norad
    assert np.linalg.norm(np.array(orbit["position_km"]) - truth_last[:3]) < 2.0
    # The unknown observer's row is rejected with a reason, not silently used.
    (reason,) = report["rejected_observations"].values()
    assert "observer" in reason
    # Markings: the highest level; joint owners; releasable only where both inputs are.
    assert orbit["markings"] == "PARTNER//OWNER JPN+USA//REL TO JPN,USA"
    opm = read_message(tmp_path / "out" / "opm" / f"{norad}.opm")
    (state,) = states_from_message(opm)
    assert opm.header_value("CLASSIFICATION") == orbit["markings"]
    np.testing.assert_allclose(state.position_km, orbit["position_km"], atol=1e-6)
    np.testing.assert_allclose(state.covariance, orbit["covariance"], rtol=1e-6, atol=1e-18)
    oem = read_message(tmp_path / "out" / "oem" / f"{norad}.oem")
    trajectory = states_from_message(oem)
    assert len(trajectory) == 6 * 6 + 1  # 6 h every 600 s, both ends
    np.testing.assert_allclose(trajectory[0].position_km, orbit["position_km"], atol=1e-6)
    # The OEM's last state is the orbit's 6-h prediction; an independent check: it lies on
    # the truth within the 24-h bound the OD tests use.
    assert 40000 < np.linalg.norm(trajectory[-1].position_km) < 44000
    write_message(opm, tmp_path / "again.opm", "xml")  # the product re-encodes cleanly
