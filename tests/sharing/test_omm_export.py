"""Orbits exported as OMM: SGP4 elements fitted to the orbit, written with their marking, read
back by beltwatch.catalog, formats.elements_from_omm and sgp4's own ``sgp4.omm``; the written
elements reproduce the fitted orbit to the fit RMS; the element-set sanitisation rule rounds
them as it states."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time, TimeDelta
from sgp4 import omm as sgp4_omm
from sgp4.api import Satrec

from beltwatch.catalog import load_catalog
from beltwatch.cli import main
from beltwatch.errors import InputError
from beltwatch.formats import elements_from_omm, encode_message, omm_from_elements, parse_messages
from beltwatch.frames import transform_states
from beltwatch.propagation import ForceModel, NumericalPropagator, Sgp4Propagator
from beltwatch.sharing import (
    ElementFit,
    encode_release,
    export,
    load_policy,
    policy_from_dict,
    release,
)
from beltwatch.values import ElementSet, Markings, OrbitState

from .conftest import MemoFit

FIT = ElementFit(span_s=86400.0, step_s=1800.0)
MARK = Markings("USA", "RESTRICTED", frozenset({"FVEY"}))
POLICY = load_policy()
MU = 398600.4418
# (a km, e, i deg, longitude deg): station-kept, drifting inclined, eccentric, below GEO
ORBITS = [(42164.2, 0.0002, 0.05, 90.5), (42300.0, 0.001, 5.0, 140.0), (42164.0, 0.01, 1.0, 10.0)]


def _states() -> list[OrbitState]:
    t0 = Time("2026-05-24T00:00:00", scale="utc")
    out = []
    for i, (a, e, inc, lon) in enumerate(ORBITS):
        big_l, big_i = math.radians(lon), math.radians(inc)
        rp = a * (1 - e)
        vp = math.sqrt(MU * (2 / rp - 1 / a))
        r = rp * np.array([math.cos(big_l), math.sin(big_l), 0.0])
        v = vp * np.array(
            [-math.sin(big_l) * math.cos(big_i), math.cos(big_l) * math.cos(big_i), math.sin(big_i)]
        )
        cov = np.diag([1e-2, 1e-2, 1e-2, 1e-8, 1e-8, 1e-8])
        epoch = t0 + TimeDelta(437.0 * i, format="sec")  # epochs between TLE resolution steps
        out.append(OrbitState(epoch, r, v, "gcrs", cov, 90001 + i, MARK))
    return out


@pytest.fixture(scope="module")
def fit() -> MemoFit:
    """:data:`FIT`, each state fitted once in this module."""
    return MemoFit(FIT.span_s, FIT.step_s)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, fit):
    """The states, their fit (elements, RMS), the OMM files (KVN, XML) sent to SSN, the
    audit log, and the fitted orbit (times, GCRS states) over each fit span."""
    tmp = tmp_path_factory.mktemp("omm")
    states = _states()
    elements, rms = fit.fit(states)
    files = {}
    for encoding in ("kvn", "xml"):
        files[encoding] = tmp / f"orbits.{encoding}"
        result = export(
            states,
            kind="orbits",
            partner="SSN",
            fmt="omm",
            out=files[encoding],
            policy=POLICY,
            audit_log=tmp / "audit.jsonl",
            actor="tester",
            encoding=encoding,
            fit=fit,
        )
        assert [d.rule for d in result.release.decisions] == ["direct"] * len(states)
    truths = [(_span(e), _truth(s, _span(e))) for s, e in zip(states, elements, strict=True)]
    return states, elements, rms, files, tmp / "audit.jsonl", truths


def _truth(state: OrbitState, times: Time) -> np.ndarray:
    """The fitted orbit: the state propagated with the fit's force model (GCRS km)."""
    out, _ = NumericalPropagator(ForceModel.geo_default()).propagate(
        state.epoch, np.concatenate([state.position_km, state.velocity_km_s]), times
    )
    return out[0]


def _span(elements: ElementSet) -> Time:
    offsets = -np.arange(0.0, FIT.span_s + 1.0, FIT.step_s)[::-1]
    return elements.epoch + TimeDelta(offsets, format="sec")


def test_written_elements_reproduce_the_fitted_orbit_to_the_fit_rms(exported) -> None:
    states, _, rms, files, _, truths = exported
    # Measured: fit RMS 0.57-0.82 km over the day before the epoch (SGP4 against the full
    # GEO force model); the written elements give the same RMS to < 1 mm.
    assert np.all(rms < 1.2) and np.all(rms > 0.0)
    for encoding, path in files.items():
        loaded = load_catalog(path)
        assert loaded.format == "omm" and len(loaded.catalog) == len(states)
        np.testing.assert_array_equal(loaded.catalog.norad_id, [s.norad_id for s in states])
        for i, (times, truth) in enumerate(truths):
            eph = Sgp4Propagator(workers=1).propagate(loaded.catalog[i], times, frame="gcrs")
            assert eph.valid.all()
            dist = np.linalg.norm(eph.position_km[0] - truth[:, :3], axis=-1)
            written_rms = float(np.sqrt(np.mean(dist**2)))
            assert abs(written_rms - rms[i]) < 1e-3, (encoding, i, written_rms, rms[i])


def test_sgp4_own_omm_parser_reads_the_xml_and_agrees(exported) -> None:
    states, _, rms, files, _, truths = exported
    records = list(sgp4_omm.parse_xml(io.StringIO(files["xml"].read_text(encoding="utf-8"))))
    assert [int(r["NORAD_CAT_ID"]) for r in records] == [s.norad_id for s in states]
    catalog = load_catalog(files["kvn"]).catalog
    for i, (fields, (times, truth)) in enumerate(zip(records, truths, strict=True)):
        assert fields["MEAN_ELEMENT_THEORY"] == "SGP4" and fields["REF_FRAME"] == "TEME"
        sat = Satrec()
        sgp4_omm.initialize(sat, fields)
        error, r_theirs, _ = sat.sgp4_array(times.utc.jd1, times.utc.jd2)
        assert not np.any(error)
        ours = Sgp4Propagator(workers=1).propagate(catalog[i], times, frame="teme")
        # sgp4.omm rebuilds the epoch from one double (~1 us): a few mm at GEO.
        assert np.abs(ours.position_km[0] - r_theirs).max() < 1e-4
        r_teme, _ = transform_states(truth[:, :3], truth[:, 3:], times, "gcrs", "teme")
        dist = np.linalg.norm(r_theirs - r_teme, axis=-1)
        assert abs(np.sqrt(np.mean(dist**2)) - rms[i]) < 1e-3


def test_omm_carries_marking_tle_keywords_and_no_state(exported) -> None:
    states, elements, _, files, audit, _ = exported
    kvn = files["kvn"].read_text(encoding="utf-8")
    for keyword in ("CX_X", "COV_REF_FRAME", "X_DOT"):
        assert keyword not in kvn
    by_encoding = {}
    for encoding, path in files.items():
        got = [
            e
            for m in parse_messages(path.read_text(encoding="utf-8"))
            for e in elements_from_omm(m)
        ]
        by_encoding[encoding] = got
        assert [e.markings for e in got] == [MARK] * len(states)
        for ours, fitted in zip(got, elements, strict=True):
            assert ours.norad_id == fitted.norad_id
            assert abs((ours.epoch - fitted.epoch).to_value("sec")) < 1e-6
            for name in ("inclination_rad", "raan_rad", "arg_perigee_rad", "mean_anomaly_rad"):
                diff = (getattr(ours, name) - getattr(fitted, name) + math.pi) % (2 * math.pi)
                assert abs(diff - math.pi) < math.radians(1e-10)
            assert abs(ours.mean_motion_rev_per_day - fitted.mean_motion_rev_per_day) < 1e-12
            assert abs(ours.eccentricity - fitted.eccentricity) < 1e-10
    message = parse_messages(kvn)[0]
    meta = {e.keyword: e.value for e in message.segments[0].metadata}
    assert meta["MEAN_ELEMENT_THEORY"] == "SGP4" and meta["REF_FRAME"] == "TEME"
    tle = message.segments[0].groups("tleParameters")[0]
    assert tle.get("NORAD_CAT_ID") == "90001" and tle.get("BSTAR") == "0.0"
    assert tle.get("CLASSIFICATION_TYPE") == "R"  # the policy's letter for RESTRICTED
    entry = json.loads(audit.read_text().splitlines()[-1])
    assert entry["format"] == "omm-xml" and entry["element_fit"]["span_s"] == FIT.span_s
    assert entry["rules"] == {}  # all direct


def test_element_set_rule_rounds_as_stated(tmp_path: Path, exported, fit) -> None:
    """JPN_LIAISON may not see these RESTRICTED//REL FVEY orbits: it gets the public element
    set, each element within half a quantum of the precise fit, stated in the OMM and audit."""
    states, elements, _, _, _, truths = exported
    out, audit = tmp_path / "jpn.omm", tmp_path / "audit.jsonl"
    result = export(
        states,
        kind="orbits",
        partner="JPN_LIAISON",
        fmt="omm",
        out=out,
        policy=POLICY,
        audit_log=audit,
        actor="tester",
        fit=fit,
    )
    assert [d.rule for d in result.release.decisions] == ["orbits-sgp4-elements"] * len(states)
    rule = next(r for r in POLICY.rules if r.name == "orbits-sgp4-elements")
    got = [e for m in parse_messages(out.read_text()) for e in elements_from_omm(m)]
    q = math.radians(rule.element_angle_quantum_deg)
    for released, precise in zip(got, elements, strict=True):
        assert released.markings.level == "PUBLIC"
        assert "JPN" in POLICY.expand(released.markings.releasable_to)
        assert any("reduced precision" in c and "0.01 deg" in c for c in released.comments)
        for name in ("inclination_rad", "raan_rad", "arg_perigee_rad", "mean_anomaly_rad"):
            diff = (getattr(released, name) - getattr(precise, name) + math.pi) % (2 * math.pi)
            assert abs(diff - math.pi) <= q / 2 + 1e-12
        assert abs(released.eccentricity - precise.eccentricity) <= rule.eccentricity_quantum / 2
        dn = released.mean_motion_rev_per_day - precise.mean_motion_rev_per_day
        assert abs(dn) <= rule.mean_motion_quantum_rev_per_day / 2 + 1e-12
    # What the partner can do with it: measured RMS 2.2-9.3 km against the orbit over the
    # fit span (the precise elements: 0.57-0.82 km); half a quantum in every element bounds
    # it at ~14 km at GEO (11 km along-track, 3.7 km cross-track, fit error).
    catalog = load_catalog(out).catalog
    for i, (times, truth) in enumerate(truths):
        eph = Sgp4Propagator(workers=1).propagate(catalog[i], times, frame="gcrs")
        dist = np.linalg.norm(eph.position_km[0] - truth[:, :3], axis=-1)
        assert np.sqrt(np.mean(dist**2)) < 14.0
    entry = json.loads(audit.read_text().splitlines()[-1])
    assert entry["rules"]["orbits-sgp4-elements"]["element_angle_quantum_deg"] == 0.01
    assert entry["rules"]["orbits-sgp4-elements"]["sgp4_elements"] is True


def test_element_set_rule_only_for_omm(fit) -> None:
    """For OEM (or no format) the element-set rule is not used: the next rule applies."""
    state = _states()[0]
    for fmt, rule in (("omm", "orbits-sgp4-elements"), ("oem", "orbits-reduced-precision")):
        result = release([state], "orbits", "JPN_LIAISON", POLICY, fmt=fmt, fit=fit)
        assert result.decisions[0].rule == rule
    plain = release([state], "orbits", "GLOBAL_SENTINEL", POLICY)
    assert plain.withheld == 1
    as_omm = release([state], "orbits", "GLOBAL_SENTINEL", POLICY, fmt="omm", fit=fit)
    assert isinstance(as_omm.records[0], ElementSet)
    with pytest.raises(InputError, match="only as OMM"):
        encode_release(as_omm, "oem", POLICY)


def test_omm_needs_a_catalog_number(tmp_path: Path) -> None:
    state = _states()[0]
    nameless = OrbitState(
        state.epoch, state.position_km, state.velocity_km_s, "gcrs", None, None, MARK
    )
    with pytest.raises(InputError, match="catalog number"):
        export(
            [nameless],
            kind="orbits",
            partner="SSN",
            fmt="omm",
            out=tmp_path / "x.omm",
            policy=POLICY,
            audit_log=tmp_path / "audit.jsonl",
            actor="tester",
            fit=FIT,
        )
    assert not (tmp_path / "x.omm").exists() and not (tmp_path / "audit.jsonl").exists()


def test_omm_round_trip_and_formats_check(tmp_path: Path, capsys) -> None:
    elements = ElementSet(
        norad_id=12345,
        epoch=Time("2026-05-24T01:02:03.456789", scale="utc"),
        mean_motion_rev_per_day=1.00271234567891,
        eccentricity=0.000123456789,
        inclination_rad=math.radians(0.0512345678),
        raan_rad=math.radians(359.99999999999),
        arg_perigee_rad=math.radians(123.4567890123),
        mean_anomaly_rad=math.radians(7.0),
        bstar=1.5e-5,
        markings=Markings("JPN", "PARTNER", frozenset({"USA"})),
        name="TEST SAT",
        intl_designator="2026-001A",
    )
    message = omm_from_elements(elements, classification_type="P")
    for encoding in ("kvn", "xml"):
        path = tmp_path / f"e.{encoding}"
        path.write_text(encode_message(message, encoding), encoding="utf-8")
        (back,) = elements_from_omm(parse_messages(path.read_text())[0])
        assert back.intl_designator == "2026-001A" and back.markings == elements.markings
        assert back.raan_rad == 0.0  # 359.99999999999 printed to 1e-10 deg wraps to 0
        assert abs(back.bstar - 1.5e-5) < 1e-20
        assert abs(math.degrees(back.inclination_rad) - 0.0512345678) < 1e-12
        assert main(["formats", "check", str(path)]) in (None, 0)
        assert "OMM 3.0" in capsys.readouterr().out
    with pytest.raises(InputError, match="catalog number"):
        omm_from_elements(ElementSet(-1, elements.epoch, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"element_angle_quantum_deg": 0.01}, "precision reduction"),
        ({"element_angle_quantum_deg": -1, "eccentricity_quantum": 1e-5}, "positive"),
        ({"drop_covariance": True}, "no state or covariance"),
    ],
)
def test_policy_refuses_unstated_element_rules(extra: dict, message: str) -> None:
    rule = {
        "name": "r",
        "kind": "orbits",
        "sgp4_elements": True,
        "from_levels": ["RESTRICTED"],
        "to_level": "PUBLIC",
        "partners": ["P"],
        "element_angle_quantum_deg": 0.01,
        "eccentricity_quantum": 1e-5,
        "mean_motion_quantum_rev_per_day": 1e-6,
    }
    if "element_angle_quantum_deg" in extra and "eccentricity_quantum" not in extra:
        del rule["eccentricity_quantum"]
    rule.update(extra)
    data = {
        "levels": ["PUBLIC", "RESTRICTED"],
        "partners": {"P": {"nations": ["USA"], "clearance": "PUBLIC"}},
        "sanitisation": [rule],
    }
    with pytest.raises(InputError, match=message) as info:
        policy_from_dict(data, "test.toml")
    assert info.value.field is not None and info.value.field.startswith("sanitisation[0]")
    quanta_alone = {**rule, "sgp4_elements": False, "drop_covariance": False}
    with pytest.raises(InputError):
        policy_from_dict({**data, "sanitisation": [quanta_alone]}, "test.toml")
