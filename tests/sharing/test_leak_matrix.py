"""The leak matrix: for every partner of the default policy x record kind x format x export
path, the set released equals the set the policy allows (no more, no less).

Paths here: the Python API (beltwatch.sharing.export) and the CLI (beltwatch export). The
same oracle (conftest.py) checks the other paths where they are tested: the stream's
partner feeds and relays (tests/stream/test_partner_feed.py) and the HTTP API and its live
feed (tests/api).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from beltwatch.cli import EXIT_NOTHING_RELEASED, main
from beltwatch.errors import InputError
from beltwatch.formats import (
    cdm_from_event,
    elements_from_omm,
    encode_message,
    event_from_cdm,
    observations_from_tdm,
    observations_from_udl,
    oem_from_states,
    omm_from_elements,
    parse_b3,
    parse_messages,
    states_from_message,
    udl_json,
)
from beltwatch.sharing import REDACTED_SENSOR, export, load_policy
from beltwatch.values import ElementSet, Event, Markings

from .conftest import FIT_SPAN_S, FIT_STEP_S

PARTNERS = ["SSN", "COMBINED_OPS", "MN_CELL", "JPN_LIAISON", "GLOBAL_SENTINEL"]
KIND_FORMATS = [
    ("observations", "tdm"),
    ("observations", "udl-json"),
    ("observations", "b3"),
    ("orbits", "oem"),
    ("orbits", "omm"),
    ("element_sets", "omm"),
    ("conjunctions", "cdm"),
    ("events", "events-json"),
]
ANY = Markings("X", "PUBLIC", frozenset())


def _key(kind: str, record) -> tuple:
    if kind == "observations":
        return ("obs", record.norad_id)
    if kind in ("orbits", "element_sets"):
        return ("orbit", record.norad_id)
    return ("event", record.event_id)


def _read_back(kind: str, fmt: str, path: Path) -> list:
    text = path.read_text(encoding="utf-8")
    if fmt == "udl-json":
        return observations_from_udl(json.loads(text), str(path))
    if fmt == "events-json":
        return [Event.from_dict(d) for d in json.loads(text)] if text.strip() else []
    if fmt == "b3":
        return parse_b3(text, markings=ANY, source=str(path))
    if not text.strip():
        return []
    messages = parse_messages(text, str(path))
    if fmt == "tdm":
        return [o for m in messages for o in observations_from_tdm(m)]
    if fmt == "oem":
        return [s for m in messages for s in states_from_message(m)]
    if fmt == "omm":
        return [e for m in messages for e in elements_from_omm(m)]
    return [event_from_cdm(m) for m in messages]


def _expected(kind: str, records: list, partner: str, oracle, fmt: str) -> dict[tuple, str]:
    out = {}
    for record in records:
        m = record.markings
        verdict = oracle.expected(kind, m.owner, m.level, set(m.releasable_to), partner, fmt)
        if verdict is not None:
            out[_key(kind, record)] = verdict
    return out


def _inputs(tmp: Path, kind: str, records: list) -> Path:
    """The dataset as marked product files, the CLI's input."""
    if kind == "observations":
        path, text = tmp / "in.json", udl_json(records)
    elif kind == "orbits":
        path, text = tmp / "in.oem", encode_message([oem_from_states([r]) for r in records])
    elif kind == "element_sets":
        path = tmp / "in.omm"
        text = encode_message([omm_from_elements(r) for r in records])
    elif kind == "events":
        path = tmp / "in.json"
        text = json.dumps([r.to_dict() for r in records])
    else:
        path, text = tmp / "in.cdm", encode_message([cdm_from_event(r) for r in records])
    path.write_text(text, encoding="utf-8")
    return path


def _run_cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.parametrize("path_kind", ["python", "cli"])
@pytest.mark.parametrize(("kind", "fmt"), KIND_FORMATS)
@pytest.mark.parametrize("partner", PARTNERS)
def test_released_set_equals_allowed_set(
    tmp_path: Path, dataset, oracle, memo_fit, partner: str, kind: str, fmt: str, path_kind: str
) -> None:
    records = dataset[kind]
    expected = _expected(kind, records, partner, oracle, fmt)
    out, audit = tmp_path / f"out.{fmt}", tmp_path / "audit.jsonl"
    sanitised = [k for k, v in expected.items() if v != "direct"]
    b3_impossible = fmt == "b3" and sanitised  # a redacted sensor has no B3 type 9 position
    if path_kind == "python":
        call = lambda: export(  # noqa: E731
            records,
            kind=kind,
            partner=partner,
            fmt=fmt,
            out=out,
            policy=load_policy(),
            audit_log=audit,
            actor="tester",
            fit=memo_fit,
        )
        if b3_impossible:
            with pytest.raises(InputError, match="observer position"):
                call()
            assert not out.exists() and not audit.exists()
            return
        call()
    else:
        source = _inputs(tmp_path, kind, records)
        code = _run_cli(
            [
                "export",
                "--as",
                partner,
                "--what",
                kind,
                "--format",
                fmt,
                "--out",
                str(out),
                "--from",
                str(source),
                "--audit",
                str(audit),
                "--actor",
                "tester",
                # OMM: the real fit over a short span, and XML (the Python path writes KVN)
                *(
                    ["--fit-span-s", str(FIT_SPAN_S), "--fit-step-s", str(FIT_STEP_S), "--xml"]
                    if fmt == "omm"
                    else []
                ),
            ]
        )
        if b3_impossible:
            assert code == 2 and not out.exists() and not audit.exists()
            return
        # Nothing releasable: no empty product, and the exit code says so.
        assert code == (0 if expected else EXIT_NOTHING_RELEASED)
    # No product file when nothing may be released (the attempt is still audited).
    assert out.exists() == bool(expected)
    released = _read_back(kind, fmt, out) if expected else []
    assert sorted(_key(kind, r) for r in released) == sorted(expected)
    entry = json.loads(audit.read_text().splitlines()[-1])
    assert entry["partner"] == partner and entry["actor"] == "tester"
    assert entry["via"] == path_kind
    ids = {d["id"]: d["rule"] for d in entry["released"]}
    assert len(ids) == len(expected)
    assert sorted(ids.values()) == sorted(expected.values())
    assert entry["withheld"] == len(records) - len(expected)
    for record in released:
        verdict = expected[_key(kind, record)]
        if fmt != "b3":  # B3 carries no marking; the others carry the released one
            m = record.markings
            assert oracle.allowed(m.owner, m.level, set(m.releasable_to), partner)
        if verdict == "observations-drop-sensor":
            if fmt == "udl-json":
                assert record.sensor_id == REDACTED_SENSOR
                assert np.all(np.isnan(record.observer_position_km))
            else:
                assert record.sensor_id == REDACTED_SENSOR
        if verdict in ("orbits-reduced-precision",):
            assert record.covariance is None
            np.testing.assert_allclose(record.position_km, np.round(record.position_km), atol=1e-6)
        if fmt == "omm":
            _check_omm_record(record, verdict, text=out.read_text(encoding="utf-8"))
        if verdict == "events-alert-notice":
            assert dict(record.evidence) == {}  # how we know stays home
        if verdict == "conjunctions-public-notice":
            # Dropped: the CDM writes zeros, which read back as "not known".
            assert record.object1.covariance is None


def _check_omm_record(record: ElementSet, verdict: str, text: str) -> None:
    """An OMM carries SGP4 mean elements only; through the element-set rule, rounded."""
    assert isinstance(record, ElementSet)
    for keyword in ("X_DOT", "COV_REF_FRAME", "CX_X", "stateVector", "covarianceMatrix"):
        assert keyword not in text  # no state vector, no covariance, on any path
    reduced = any("reduced precision" in c for c in record.comments)
    assert reduced == (verdict == "orbits-sgp4-elements")
    if verdict == "orbits-sgp4-elements":
        assert record.markings.level == "PUBLIC"
        for angle in (record.inclination_rad, record.raan_rad, record.mean_anomaly_rad):
            steps = np.degrees(angle) / 0.01
            assert abs(steps - round(steps)) < 1e-6
        assert abs(record.eccentricity / 1e-5 - round(record.eccentricity / 1e-5)) < 1e-6
        n = record.mean_motion_rev_per_day / 1e-6
        assert abs(n - round(n)) < 1e-4


def test_matrix_is_not_trivial(dataset, oracle) -> None:
    """Each partner gets some records and is refused some, and each rule is used somewhere."""
    used = set()
    for partner in PARTNERS:
        for kind, fmt in KIND_FORMATS:
            expected = _expected(kind, dataset[kind], partner, oracle, fmt)
            assert 0 < len(expected) < len(dataset[kind]), (partner, kind, fmt)
            used |= set(expected.values())
    assert used == {"direct", *(rule[0] for rules in oracle.RULES.values() for rule in rules)}
