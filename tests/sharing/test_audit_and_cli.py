"""Audit log tampering is detected and named; the formats/export/audit commands behave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from beltwatch.cli import main
from beltwatch.formats import message_content, read_messages
from beltwatch.sharing import append_audit, export, load_policy, verify_audit_log


def run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def log(tmp_path: Path, dataset) -> Path:
    path = tmp_path / "audit.jsonl"
    for partner in ("SSN", "JPN_LIAISON", "MN_CELL", "COMBINED_OPS"):
        export(
            dataset["observations"],
            kind="observations",
            partner=partner,
            fmt="udl-json",
            out=tmp_path / f"{partner}.json",
            policy=load_policy(),
            audit_log=path,
            actor="tester",
        )
    return path


def test_intact_log_verifies(log: Path, capsys) -> None:
    assert verify_audit_log(log).ok and verify_audit_log(log).records == 4
    assert run(["audit", "verify", "--audit", str(log)]) == 0
    assert "4 record(s)" in capsys.readouterr().out


@pytest.mark.parametrize("line", [1, 2, 4])
def test_tampered_record_is_named(log: Path, capsys, line: int) -> None:
    lines = log.read_text().splitlines()
    entry = json.loads(lines[line - 1])
    entry["partner"] = "GLOBAL_SENTINEL"  # rewrite who got it
    lines[line - 1] = json.dumps(entry)
    log.write_text("\n".join(lines) + "\n")
    result = verify_audit_log(log)
    assert not result.ok and result.bad_line == line and result.bad_seq == line
    assert run(["audit", "verify", "--audit", str(log)]) == 1
    assert f"record seq {line}" in capsys.readouterr().err


def test_rehashed_or_removed_record_breaks_the_chain(log: Path) -> None:
    lines = log.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["withheld"] = 0
    from beltwatch.sharing._audit import _digest

    entry["hash"] = _digest(entry)  # a careful forger recomputes the hash...
    log.write_text("\n".join([lines[0], json.dumps(entry), *lines[2:]]) + "\n")
    assert verify_audit_log(log).bad_seq == 3  # ...and the next link no longer matches
    log.write_text("\n".join([lines[0], *lines[2:]]) + "\n")
    assert verify_audit_log(log).bad_line == 2


def test_appends_continue_the_chain(log: Path) -> None:
    entry = append_audit(log, {"actor": "x", "note": "manual"})
    assert entry["seq"] == 5 and verify_audit_log(log).ok


def test_formats_check_and_bad_files(shared_data: Path, capsys) -> None:
    ccsds = shared_data / "ccsds"
    assert run(["formats", "check", str(ccsds / "odm/oem/OEMExample5.txt")]) == 0
    assert "OEM 2.0 (KVN): segments 1, stateVector 49" in capsys.readouterr().out
    assert run(["formats", "check", str(ccsds / "bad/OMM-wrong-keyword.txt")]) == 2
    err = capsys.readouterr().err
    assert "line 9" in err and "WRONG_KEYWORD" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["tdm/TDMExample2.txt", "cdm/CDMExample1.xml"])
def test_formats_convert_round_trip(shared_data: Path, tmp_path: Path, name: str) -> None:
    source = shared_data / "ccsds" / name
    assert (
        run(["formats", "convert", str(source), "--to", "xml", "--out", str(tmp_path / "a")]) == 0
    )
    assert (
        run(
            ["formats", "convert", str(tmp_path / "a"), "--to", "kvn", "--out", str(tmp_path / "b")]
        )
        == 0
    )
    (a,), (b,) = read_messages(source), read_messages(tmp_path / "b")
    assert message_content(a, comments=False) == message_content(b, comments=False)


def ssn_observations_udl(tmp_path: Path, dataset) -> Path:
    """The dataset's observations as released to SSN, in UDL-style JSON (a CLI input)."""
    src = tmp_path / "obs.json"
    export(
        dataset["observations"],
        kind="observations",
        partner="SSN",
        fmt="udl-json",
        out=src,
        policy=load_policy(),
        audit_log=tmp_path / "a.jsonl",
        actor="t",
    )
    return src


def test_convert_tdm_to_udl_json_and_back(tmp_path: Path, dataset) -> None:
    src = ssn_observations_udl(tmp_path, dataset)
    assert (
        run(["formats", "convert", str(src), "--to", "kvn", "--out", str(tmp_path / "o.tdm")]) == 0
    )
    assert (
        run(
            [
                "formats",
                "convert",
                str(tmp_path / "o.tdm"),
                "--to",
                "udl-json",
                "--out",
                str(tmp_path / "again.json"),
            ]
        )
        == 0
    )
    first, again = json.loads(src.read_text()), json.loads((tmp_path / "again.json").read_text())
    assert sorted(r["satNo"] for r in first) == sorted(r["satNo"] for r in again)
    # One TDM per marking in the file; observation ids stay unique across the messages.
    assert len(read_messages(tmp_path / "o.tdm")) > 1
    assert len({r["id"] for r in again}) == len(again)
    assert {r["classificationMarking"] for r in first} == {
        r["classificationMarking"] for r in again
    }


def test_export_refuses_unknown_partner(tmp_path: Path, dataset, capsys) -> None:
    src = ssn_observations_udl(tmp_path, dataset)
    code = run(
        [
            "export",
            "--as",
            "NOBODY",
            "--what",
            "observations",
            "--format",
            "tdm",
            "--out",
            str(tmp_path / "x"),
            "--from",
            str(src),
            "--audit",
            str(tmp_path / "a.jsonl"),
        ]
    )
    assert code == 2 and "unknown partner" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
