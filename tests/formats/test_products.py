"""Typed products round-trip to their printed precision: TDM, UDL-style JSON, B3, OEM, CDM."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time, TimeDelta
from jsonschema import Draft202012Validator

from beltwatch.errors import InputError
from beltwatch.formats import (
    ConjunctionEvent,
    b3_lines,
    cdm_from_event,
    encode_message,
    event_from_cdm,
    observations_from_tdm,
    observations_from_udl,
    oem_from_states,
    parse_b3,
    parse_messages,
    read_message,
    read_udl_observations,
    states_from_message,
    tdm_from_observations,
    udl_records,
    udl_schema,
    write_udl_observations,
)
from beltwatch.values import Markings, Observation, OrbitState

MARK = Markings("USA", "PARTNER", frozenset({"JPN", "FVEY"}))
DEG = math.pi / 180.0


def make_observations(n: int = 40, seed: int = 1) -> list[Observation]:
    rng = np.random.default_rng(seed)
    t0 = Time("2026-05-24T00:00:00", scale="utc")
    out = []
    for i in range(n):
        ang = rng.uniform(0, 2 * np.pi)
        pos = 42164.0 * np.array([np.cos(ang), np.sin(ang), 0.01 * rng.normal()])
        out.append(
            Observation(
                obs_id=f"o{i}",
                time=t0 + TimeDelta(float(rng.uniform(0, 86400)), format="sec"),
                ra_rad=float(rng.uniform(0, 2 * np.pi)),
                dec_rad=float(rng.uniform(-80, 80) * DEG),
                ra_sigma_rad=float(rng.uniform(0.5, 3) / 206264.806),
                dec_sigma_rad=float(rng.uniform(0.5, 3) / 206264.806),
                observer_position_km=pos,
                observer_velocity_km_s=np.array([-3.07 * np.sin(ang), 3.07 * np.cos(ang), 0.0]),
                sensor_id=str(100 + i % 3),
                markings=MARK,
                magnitude=float(rng.uniform(8, 16)),
                norad_id=int(rng.integers(1, 99999)),
                track_id=f"T{i % 4}",
                solar_phase_angle_rad=float(rng.uniform(0, np.pi)),
            )
        )
    return out


def _ang_sep(a: Observation, b: Observation) -> float:
    """Angle between two directions (chord length: exact near zero, unlike acos)."""

    def unit(o: Observation) -> np.ndarray:
        c = math.cos(o.dec_rad)
        return np.array([c * math.cos(o.ra_rad), c * math.sin(o.ra_rad), math.sin(o.dec_rad)])

    return float(np.linalg.norm(unit(a) - unit(b)))


def _key(o: Observation) -> tuple:
    return (o.norad_id, round(float(o.time.unix) * 1000))


@pytest.mark.parametrize("encoding", ["kvn", "xml"])
def test_tdm_round_trip(encoding: str) -> None:
    obs = make_observations()
    text = encode_message(tdm_from_observations(obs, message_id="M1"), encoding)
    back = observations_from_tdm(parse_messages(text, "tdm")[0])
    assert len(back) == len(obs)
    by_key = {_key(o): o for o in obs}
    for b in back:
        a = by_key[_key(b)]
        assert abs((b.time - a.time).to_value("s")) < 1e-6
        assert _ang_sep(a, b) < 1e-9 * DEG  # 9 decimals of a degree
        assert b.magnitude == pytest.approx(a.magnitude, abs=5e-4)
        assert b.ra_sigma_rad == pytest.approx(a.ra_sigma_rad, rel=1e-5)
        assert (b.sensor_id, b.norad_id, b.track_id, b.markings) == (
            a.sensor_id,
            a.norad_id,
            a.track_id,
            a.markings,
        )
        assert np.all(np.isnan(b.observer_position_km))  # a TDM does not carry it


def test_tdm_reads_radec_examples(shared_data: Path) -> None:
    message = read_message(shared_data / "ccsds/tdm/tdm_e16.kvn")
    obs = observations_from_tdm(message, default_markings=MARK)
    assert len(obs) == 6 and obs[0].magnitude == 12.1
    # EME2000 -> GCRS is the frame bias only: tens of milliarcseconds from the printed values.
    raw_ra, raw_dec = 332.2298750 * DEG, -16.3028389 * DEG
    shift = math.hypot((obs[0].ra_rad - raw_ra) * math.cos(raw_dec), obs[0].dec_rad - raw_dec)
    assert 1e-3 < shift * 206264.806 < 0.05
    with pytest.raises(InputError, match="CLASSIFICATION"):
        observations_from_tdm(message)  # no marking in the file and none given: refused


def test_udl_round_trip_and_schema(tmp_path: Path) -> None:
    obs = make_observations()
    path = write_udl_observations(obs, tmp_path / "obs.json")
    records = json.loads(path.read_text())
    validator = Draft202012Validator(udl_schema())
    assert all(not list(validator.iter_errors(r)) for r in records)
    for name in (
        "classificationMarking",
        "obTime",
        "idSensor",
        "satNo",
        "uct",
        "ra",
        "declination",
        "raUnc",
        "declinationUnc",
        "senx",
        "seny",
        "senz",
        "senvelx",
        "senvely",
        "senvelz",
        "mag",
        "solarPhaseAngle",
        "source",
        "dataMode",
    ):
        assert name in records[0]
    back = read_udl_observations(path)
    for a, b in zip(obs, back, strict=True):
        assert abs((b.time - a.time).to_value("s")) < 1e-6
        assert _ang_sep(a, b) < 1e-12
        np.testing.assert_allclose(b.observer_position_km, a.observer_position_km, rtol=1e-15)
        assert (b.markings, b.norad_id, b.sensor_id) == (a.markings, a.norad_id, a.sensor_id)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.pop("classificationMarking"), "record"),
        (lambda r: r.update(obTime="2026-05-24 00:00:00"), "obTime"),
        (lambda r: r.update(uct=False, satNo=None) or r.pop("satNo"), "record"),
        (lambda r: r.update(declination=91.0), "declination"),
        (lambda r: r.update(referenceFrame="MOD"), "referenceFrame"),
        (lambda r: r.update(classificationMarking="SECRET"), "classificationMarking"),
    ],
)
def test_udl_schema_rejects(change, field: str) -> None:
    record = udl_records(make_observations(1))[0]
    change(record)
    with pytest.raises(InputError) as info:
        observations_from_udl([record], "x.json")
    assert info.value.field == field


def test_udl_fields_beltwatch_does_not_use_are_ignored() -> None:
    """Issue 11 item 10: a UDL record carries many more fields; they are never an error."""
    record = udl_records(make_observations(1))[0]
    record.update(extra=1, idOnOrbit="62876", createdBy="someone", tags=["A"])
    (ob,) = observations_from_udl([record], "x.json")
    assert ob.obs_id == record["id"]


def test_b3_round_trip_to_printed_precision() -> None:
    obs = make_observations(30)
    lines = b3_lines(obs, classification="P")
    assert all(len(line) == 80 and line[74] == "9" and line[0] == "P" for line in lines)
    back = parse_b3("\n".join(lines), markings=MARK)
    for a, b in zip(obs, back, strict=True):
        assert abs((b.time - a.time).to_value("s")) <= 0.0005 + 1e-6
        assert abs(b.dec_rad - a.dec_rad) <= 0.5e-4 * DEG + 1e-12
        ra_step = 0.05 / 3600 * 15 * DEG  # half a tenth of a second of time
        assert abs((b.ra_rad - a.ra_rad + math.pi) % (2 * math.pi) - math.pi) <= ra_step + 1e-12
        # 0.5 m printing + Earth rotation over the 0.5 ms time rounding (3.07 km/s at GEO)
        assert np.max(np.abs(b.observer_position_km - a.observer_position_km)) < 0.0005 + 0.0016
        assert b.norad_id == a.norad_id
    negative = [line for a, line in zip(obs, lines, strict=True) if a.dec_rad < 0]
    assert negative and all(line[28] in "}JKLMNOPQR" for line in negative)
    broken = lines[0][:20] + "x" + lines[0][21:]
    with pytest.raises(InputError) as info:
        parse_b3(lines[1] + "\n" + broken, markings=MARK, source="b.txt")
    assert info.value.line == 2


def make_states(n: int = 5, seed: int = 3) -> list[OrbitState]:
    rng = np.random.default_rng(seed)
    t0 = Time("2026-05-24T00:00:00", scale="utc")
    out = []
    for i in range(n):
        a = rng.normal(size=(6, 6))
        out.append(
            OrbitState(
                epoch=t0 + TimeDelta(600.0 * i, format="sec"),
                position_km=rng.normal(size=3) * 30000,
                velocity_km_s=rng.normal(size=3) * 3,
                frame="gcrs",
                covariance=a @ a.T * 1e-6,
                norad_id=62876,
                markings=MARK,
            )
        )
    return out


@pytest.mark.parametrize("encoding", ["kvn", "xml"])
def test_oem_round_trip(encoding: str) -> None:
    states = make_states()
    back = states_from_message(parse_messages(encode_message(oem_from_states(states), encoding))[0])
    for a, b in zip(states, back, strict=True):
        assert abs((b.epoch - a.epoch).to_value("s")) < 1e-6
        np.testing.assert_allclose(b.position_km, a.position_km, atol=5e-7)
        np.testing.assert_allclose(b.velocity_km_s, a.velocity_km_s, atol=5e-10)
        np.testing.assert_allclose(b.covariance, a.covariance, rtol=1e-9, atol=1e-18)
        assert (b.norad_id, b.markings, b.frame) == (a.norad_id, a.markings, "gcrs")


def test_oem_example_states_are_the_printed_numbers(shared_data: Path) -> None:
    path = shared_data / "ccsds/odm/oem/OEMExample5.txt"
    states = states_from_message(read_message(path), default_markings=MARK)
    first = next(line for line in path.read_text().splitlines() if line.startswith("2017-04-11T22"))
    numbers = [float(x) for x in first.split()[1:]]
    assert len(states) == 49
    np.testing.assert_array_equal(
        np.concatenate([states[0].position_km, states[0].velocity_km_s]), numbers
    )


def test_cdm_example_and_round_trip(shared_data: Path) -> None:
    message = read_message(shared_data / "ccsds/cdm/CDMExample1.xml")
    event = event_from_cdm(message, default_markings=MARK)
    assert event.miss_distance_km == pytest.approx(0.715)
    assert event.collision_probability == pytest.approx(4.835e-5)
    # RELATIVE_SPEED printed in the file (m/s, to 1 m/s) from the two printed states:
    assert event.relative_speed_km_s * 1000 == pytest.approx(14762, abs=1.0)
    # CR_R of object 1 (m**2) survives RTN -> inertial km -> RTN m:
    for encoding in ("kvn", "xml"):
        again = event_from_cdm(parse_messages(encode_message(cdm_from_event(event), encoding))[0])
        np.testing.assert_allclose(
            again.object1.covariance, event.object1.covariance, rtol=1e-8, atol=1e-16
        )
        assert again.markings == MARK and again.event_id == event.event_id
    text = encode_message(cdm_from_event(event), "kvn")
    assert "CR_R" in text and "4.1420000000e+01 [m**2]" in text


def test_conjunction_event_type_is_minimal() -> None:
    fields = set(ConjunctionEvent.__dataclass_fields__)
    assert {"tca", "miss_distance_km", "object1", "object2", "markings"} <= fields
