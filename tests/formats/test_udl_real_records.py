"""UDL EO observation records as a real UDL feed writes them: plain markings (``U``),
J2000 angles and sensor states, no ``uct``, and many fields beltwatch does not use.

Truth: exchange-convention directions of a real GEO object from QZS-6, rotated into
J2000 with skyfield's frame-bias matrix (independent of ``frames.eme2000_to_gcrs``)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from beltwatch.errors import InputError
from beltwatch.formats import observations_from_udl, read_udl_observations
from beltwatch.frames import light_time_direction, radec_from_unit_vector
from beltwatch.propagation import Sgp4Propagator
from beltwatch.sensors import HostPlatform
from beltwatch.sharing import load_policy

T0 = Time("2026-05-30T12:00:00", scale="utc")
TARGET = 29526  # a GEO object of the real catalog, visible from QZS-6 at T0


@pytest.fixture(scope="module")
def truth(geo_catalog):
    """GCRS directions and QZS-6 states of 5 observations 1 min apart."""
    times = T0 + TimeDelta(np.arange(5) * 60.0, format="sec")
    target = geo_catalog[geo_catalog.norad_id == TARGET]
    eph = Sgp4Propagator(workers=1).propagate(target, times, "gcrs")
    host_r, host_v = HostPlatform.from_catalog("QZS-6", geo_catalog, 62876).states_gcrs(times)
    unit, _, _ = light_time_direction(eph.position_km[0], eph.velocity_km_s[0], host_r)
    return times, unit, host_r, host_v


def udl_feed_records(truth) -> list[dict]:
    """Records as a UDL EO observation feed writes them (J2000 frames, plain marking)."""
    from skyfield.framelib import ICRS_to_J2000

    bias = np.asarray(ICRS_to_J2000)  # GCRS (ICRS axes) -> mean J2000
    times, unit, host_r, host_v = truth
    ra, dec = radec_from_unit_vector(unit @ bias.T)
    records = []
    for k in range(len(times)):
        records.append(
            {
                "id": f"5e0c5a3c-{k:04d}-4b1e-9f0e-1c2d3e4f5a6b",
                "classificationMarking": "U",
                "obTime": times[k].utc.isot + "Z",
                "corrQuality": 0.93,
                "idOnOrbit": str(TARGET),
                "idSensor": "QZS6-HP-1",
                "origSensorId": "HP1",
                "satNo": TARGET,
                "origObjectId": "OBJ-17",
                "ra": float(np.degrees(ra[k]) % 360.0),
                "declination": float(np.degrees(dec[k])),
                "raUnc": 1.0 / 3600.0,
                "declinationUnc": 1.0 / 3600.0,
                "referenceFrame": "J2000",
                "senReferenceFrame": "J2000",
                **dict(zip(("senx", "seny", "senz"), map(float, host_r[k] @ bias.T), strict=True)),
                **dict(
                    zip(
                        ("senvelx", "senvely", "senvelz"),
                        map(float, host_v[k] @ bias.T),
                        strict=True,
                    )
                ),
                "mag": 12.7,
                "magUnc": 0.1,
                "solarPhaseAngle": 31.5,
                "taskId": "TASK-4471",
                "trackId": "TRK-17",
                "source": "Bluestaq",
                "origin": "THIRD_PARTY_DATASOURCE",
                "dataMode": "REAL",
                "createdAt": "2026-05-30T12:06:00.000Z",
                "createdBy": "ingest.user",
                "sourceDL": "AXE",
                "tags": ["QZSS-HP"],
                "descriptor": "PROVIDED_DATA1",
            }
        )
    return records


def separation_mas(observations, unit) -> np.ndarray:
    """Angle between each observation's direction and ``unit`` (atan2: exact when small)."""
    got = np.array(
        [[math.cos(o.dec_rad) * math.cos(o.ra_rad), math.cos(o.dec_rad) * math.sin(o.ra_rad),
          math.sin(o.dec_rad)] for o in observations]
    )  # fmt: skip
    sine = np.linalg.norm(np.cross(got, unit), axis=1)
    return np.degrees(np.arctan2(sine, np.sum(got * unit, axis=1))) * 3.6e6


def test_a_udl_feed_record_is_read_with_frames_and_markings_mapped(truth):
    _, unit, host_r, _ = truth
    policy = load_policy()
    obs = observations_from_udl(
        udl_feed_records(truth), "feed.json", foreign_markings=policy.foreign_markings
    )
    assert len(obs) == 5
    assert separation_mas(obs, unit).max() < 0.01  # the ~23 mas frame bias is removed
    np.testing.assert_allclose([o.observer_position_km for o in obs], host_r, atol=1e-6)
    first = obs[0]
    assert first.norad_id == TARGET and first.sensor_id == "QZS6-HP-1"
    assert first.markings == policy.foreign_markings.markings("U")
    assert (first.markings.owner, first.markings.level) == ("USA", "PUBLIC")


def test_frames_other_than_gcrs_matter(truth):
    """Read as if GCRF, the same numbers are off by the frame bias: the conversion is real."""
    records = udl_feed_records(truth)
    for r in records:
        r["referenceFrame"] = "GCRF"
    plain = observations_from_udl(
        records, "x.json", foreign_markings=load_policy().foreign_markings
    )
    unit = truth[1]
    assert separation_mas(plain, unit).min() > 10.0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.update(classificationMarking="U//FOUO"), ("USA", "PUBLIC", frozenset())),
        (
            lambda r: r.update(classificationMarking="U//REL TO USA, AUS, GBR"),
            ("USA", "PUBLIC", frozenset({"AUS", "GBR"})),
        ),
        (
            lambda r: r.update(classificationMarking="PARTNER//OWNER JPN//REL TO USA"),
            ("JPN", "PARTNER", frozenset({"USA"})),
        ),
    ],
)
def test_marking_forms(truth, change, expected):
    record = udl_feed_records(truth)[0]
    change(record)
    (ob,) = observations_from_udl(
        [record], "x.json", foreign_markings=load_policy().foreign_markings
    )
    assert (ob.markings.owner, ob.markings.level, ob.markings.releasable_to) == expected


def test_uct_and_missing_optional_fields(truth):
    record = {k: v for k, v in udl_feed_records(truth)[0].items() if k not in ("id", "satNo")}
    record["uct"] = True
    record.pop("idSensor")  # origSensorId stands in
    (ob,) = observations_from_udl(
        [record], "feed.json", foreign_markings=load_policy().foreign_markings
    )
    assert ob.norad_id is None and ob.sensor_id == "HP1" and ob.obs_id == "feed-0"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(classificationMarking="S//REL TO USA"), "no level"),
        (lambda r: r.pop("dataMode"), "dataMode"),
        (lambda r: r.pop("ra"), "'ra' is a required property"),
        (lambda r: r.update(referenceFrame="MOD"), "referenceFrame"),
        (lambda r: r.pop("idSensor") and r.pop("origSensorId"), "idSensor"),
        (lambda r: r.update(obTime="2026-02-30T00:00:00Z"), "obTime"),
    ],
)
def test_meaning_is_strict(truth, change, message):
    record = udl_feed_records(truth)[0]
    change(record)
    with pytest.raises(InputError, match=message) as info:
        observations_from_udl(
            [record], "feed.json", foreign_markings=load_policy().foreign_markings
        )
    assert info.value.source == "feed.json"


def test_plain_markings_need_the_policy_table(truth):
    with pytest.raises(InputError, match=r"\[markings\] table"):
        observations_from_udl(udl_feed_records(truth)[:1], "feed.json")


def test_commands_read_a_udl_feed_file(truth, tmp_path, run_cli, geo_latest_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(udl_feed_records(truth)))
    assert len(read_udl_observations(path, foreign_markings=load_policy().foreign_markings)) == 5
    check = run_cli("formats", "check", str(path))
    assert check.returncode == 0 and "UDL-JSON observations: 5" in check.stdout, check.stderr
    export = run_cli(
        "export", "--as", "SSN", "--what", "observations", "--format", "tdm",
        "--from", str(path), "--out", str(tmp_path / "ssn.tdm"),
        "--audit", str(tmp_path / "audit.jsonl"),
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    rows = [
        ln for ln in (tmp_path / "ssn.tdm").read_text().splitlines() if ln.startswith("ANGLE_1 ")
    ]
    assert len(rows) == 5  # U//OWNER USA goes to SSN
    corr = run_cli(
        "correlate", "--obs", str(path), "--catalog", str(geo_latest_path),
        "--out", str(tmp_path / "corr"), "--no-fit",
    )  # fmt: skip
    assert corr.returncode == 0, corr.stderr
