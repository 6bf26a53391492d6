"""The exercise day (the shipped ``exercise`` scenario on the first 150 objects): the run
finds the injected maneuver (epoch within 6 h), the close approach with QZS-6 (TCA within
1 min of the truth's) and the new object; and each partner's products hold exactly what
the policy releases to it, checked against the independent oracle of tests/sharing."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from beltwatch.pipeline import RunOptions, embedded_scenarios, run_pipeline
from beltwatch.sharing import load_records, record_id

from .conftest import write_scenario

ROOT = Path(__file__).resolve().parents[2]
FORMATS = {"observations": ("udl-json", "obs.json"), "orbits": ("oem", "orbits.oem"),
           "events": ("events-json", "events.json")}  # fmt: skip


def _oracle():
    spec = importlib.util.spec_from_file_location(
        "sharing_oracle", ROOT / "tests" / "sharing" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("sharing_oracle", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def exercise(tmp_path_factory) -> tuple[dict, Path]:
    text = embedded_scenarios()["exercise"] + "\n[truth]\nmax_objects = 150\n"
    folder = tmp_path_factory.mktemp("exercise")
    summary, path = run_pipeline(
        RunOptions(scenario=write_scenario(folder, text), out_dir=folder / "runs")
    )
    return summary, path.parent


def test_the_run_finds_the_maneuver_the_close_approach_and_the_new_object(exercise):
    summary, _ = exercise
    injected = summary["truth"]["injected"]
    assert injected["maneuver"]["found"], injected["maneuver"]
    assert injected["maneuver"]["epoch_error_h"] <= 6.0
    assert injected["close_approach"]["found"], injected["close_approach"]
    assert injected["close_approach"]["tca_error_s"] <= 60.0
    assert injected["new_object"]["found"], injected["new_object"]
    assert summary["events"]["by_kind"]["conjunction"] >= 1


def test_the_maneuver_is_the_only_one_and_its_delta_v_is_near_the_injected(exercise):
    summary, run_dir = exercise
    events = load_records([run_dir / "products" / "SSN" / "events.json"], "events")
    maneuvers = [e for e in events if e.kind.value == "maneuver"]
    assert len(maneuvers) == 1, [e.summary for e in maneuvers]  # no false alarm
    (m,) = maneuvers
    assert m.norad_ids == (summary["truth"]["injected"]["maneuver"]["norad_id"],)
    assert 0.5 <= m.figures["delta_v_m_s"] <= 1.5  # 1.0 m/s injected
    assert m.time_sigma_s is not None and m.time_sigma_s <= 6 * 3600.0


def _records(run_dir: Path, partner: str, kind: str) -> list:
    path = run_dir / "products" / partner / FORMATS[kind][1]
    return load_records([path], kind) if path.exists() else []


def test_each_partner_receives_exactly_what_the_policy_releases(exercise):
    summary, run_dir = exercise
    oracle = _oracle()
    audit = [json.loads(x) for x in (run_dir / "audit.jsonl").read_text().splitlines()]
    for kind, (fmt, _) in FORMATS.items():
        # SSN (USA, cleared for everything we own) receives every record directly: the
        # source set, whose markings the oracle then judges for every other partner.
        source = _records(run_dir, "SSN", kind)
        assert source and len(source) == summary["products"]["SSN"][f"{kind}:{fmt}"]["released"]
        for partner in summary["products"]:
            want = {}
            for r in source:
                m = r.markings
                rule = oracle.expected(kind, m.owner, m.level, set(m.releasable_to), partner, fmt)
                if rule is not None:
                    want[record_id(r)] = rule
            (entry,) = [
                e for e in audit
                if e["partner"] == partner and e["kind"] == kind and e["format"].startswith(fmt)
            ]  # fmt: skip
            got = {x["id"]: x["rule"] for x in entry["released"]}
            assert got == want, f"{partner} {kind}: policy and oracle disagree"
            received = _records(run_dir, partner, kind)
            assert len(received) == len(want), f"{partner} {kind}: product holds other records"
            for r in received:
                m = r.markings
                assert oracle.allowed(m.owner, m.level, set(m.releasable_to), partner), (
                    f"{partner} received a record marked {m}"
                )
    # the exercise cell sees only part of the data, and what it sees is its own level
    gs = summary["products"]["GLOBAL_SENTINEL"]
    assert gs["observations:udl-json"]["released"] == 0
    assert gs["events:events-json"]["released"] == 0
    assert gs["orbits:omm"]["released"] > 0
