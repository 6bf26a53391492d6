"""Export: the released records of one kind, encoded, written atomically, and audited."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from beltwatch._io import write_atomic
from beltwatch.errors import InputError
from beltwatch.formats import (
    b3_lines,
    cdm_from_event,
    encode_message,
    oem_from_states,
    tdm_from_observations,
    udl_json,
)
from beltwatch.sharing._audit import append_audit
from beltwatch.sharing._policy import Policy
from beltwatch.sharing._release import Release, release

FORMATS = {
    "observations": ("tdm", "udl-json", "b3"),
    "orbits": ("oem",),
    "conjunctions": ("cdm",),
}
ALL_FORMATS = ("tdm", "oem", "omm", "cdm", "udl-json", "b3")


def _by_marking(records: Sequence) -> list[list]:
    groups: dict = {}
    for record in records:
        groups.setdefault(record.markings, []).append(record)
    return list(groups.values())


def encode_release(
    result: Release,
    fmt: str,
    policy: Policy,
    *,
    encoding: str = "kvn",
    originator: str = "BELTWATCH",
) -> str:
    """Text of released records in ``fmt`` (one CCSDS message per distinct marking)."""
    if fmt not in FORMATS[result.kind]:
        raise InputError(
            f"{result.kind} export as {fmt} is not supported; use one of {FORMATS[result.kind]}",
            field="format",
        )
    records = result.records
    if fmt == "udl-json":
        return udl_json(records, source=originator)
    if fmt == "b3":
        lines = []
        for record in records:
            letter = policy.b3_classification.get(record.markings.level, "U")
            lines += b3_lines([record], classification=letter)
        return "".join(line + "\n" for line in lines)
    if not records:
        return ""
    if fmt == "tdm":
        messages = [tdm_from_observations(g, originator=originator) for g in _by_marking(records)]
    elif fmt == "oem":
        messages = [oem_from_states(g, originator=originator) for g in _by_marking(records)]
    else:
        messages = [cdm_from_event(e, originator=originator) for e in records]
    return encode_message(messages, encoding)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    release: Release
    audit_entry: dict


def export(
    records: Sequence,
    *,
    kind: str,
    partner: str,
    fmt: str,
    out: str | Path,
    policy: Policy,
    audit_log: str | Path,
    actor: str,
    encoding: str = "kvn",
    via: str = "python",
) -> ExportResult:
    """Release ``records`` to ``partner`` through the policy, write them, audit the release.

    ``via`` names the path (python, cli, api, stream) in the audit log.
    """
    result = release(records, kind, partner, policy)
    text = encode_release(result, fmt, policy, encoding=encoding)
    path = write_atomic(out, text)
    entry = append_audit(
        audit_log,
        {
            "actor": actor,
            "via": via,
            "partner": result.partner,
            "kind": kind,
            "format": f"{fmt}-{encoding}" if fmt in ("tdm", "oem", "cdm") else fmt,
            "output": str(path),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "policy": policy.source,
            "released": [
                {"id": d.record_id, "rule": d.rule} for d in result.decisions if d.released
            ],
            "withheld": result.withheld,
        },
    )
    return ExportResult(path, result, entry)
