"""A new product format is one encoder plus a registration: a dummy CSV format registered
here is written by ``export`` and the CLI, through the release gate, and audited like the
built-in ones."""

from __future__ import annotations

import csv
import io
import json

import pytest

from beltwatch.errors import InputError
from beltwatch.formats import write_udl_observations
from beltwatch.sharing import (
    ProductFormat,
    export,
    format_names,
    formats_for,
    load_policy,
    register_format,
)


def _csv(records, options) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["obs_id", "norad_id", "level", "sensor_id"])
    for r in records:
        writer.writerow([r.obs_id, r.norad_id, r.markings.level, r.sensor_id])
    return buffer.getvalue()


CSV = ProductFormat("obs-csv", ("observations",), _csv)


@pytest.fixture
def registered():
    return register_format(CSV)


def test_a_registered_format_goes_through_the_release_gate(registered, dataset, oracle, tmp_path):
    assert "obs-csv" in format_names() and "obs-csv" in formats_for("observations")
    assert "obs-csv" not in formats_for("orbits")
    policy = load_policy()
    records = dataset["observations"]
    for partner in oracle.PARTNERS:
        result = export(
            records,
            kind="observations",
            partner=partner,
            fmt="obs-csv",
            out=tmp_path / f"{partner}.csv",
            policy=policy,
            audit_log=tmp_path / "audit.jsonl",
            actor="test",
        )
        text = "" if result.path is None else result.path.read_text()
        rows = list(csv.DictReader(io.StringIO(text)))
        expected = [
            r.obs_id
            for r in records
            if oracle.expected(
                "observations", r.markings.owner, r.markings.level, set(r.markings.releasable_to),
                partner, "obs-csv",
            )
        ]  # fmt: skip
        assert [row["obs_id"] for row in rows] == expected, partner
        entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
        assert entry["format"] == "obs-csv" and entry["partner"] == partner


def test_a_registered_format_is_refused_for_other_kinds(registered, dataset, tmp_path):
    with pytest.raises(InputError, match="orbits export as obs-csv is not supported"):
        export(
            dataset["orbits"], kind="orbits", partner="SSN", fmt="obs-csv",
            out=tmp_path / "x.csv", policy=load_policy(), audit_log=tmp_path / "a.jsonl",
            actor="test",
        )  # fmt: skip


def test_the_cli_exports_a_registered_format(registered, dataset, tmp_path, capsys):
    from beltwatch.cli import main

    obs = write_udl_observations(dataset["observations"][:5], tmp_path / "obs.json")
    main(
        ["export", "--as", "SSN", "--what", "observations", "--format", "obs-csv",
         "--out", str(tmp_path / "out.csv"), "--from", str(obs),
         "--audit", str(tmp_path / "audit.jsonl")]
    )  # fmt: skip
    assert (tmp_path / "out.csv").read_text().startswith("obs_id,norad_id,level,sensor_id")
