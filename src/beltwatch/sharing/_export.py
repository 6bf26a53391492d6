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
    omm_from_elements,
    tdm_from_observations,
    udl_json,
)
from beltwatch.sharing._audit import append_audit
from beltwatch.sharing._elements import ElementFit
from beltwatch.sharing._policy import Policy
from beltwatch.sharing._release import DIRECT, Release, release
from beltwatch.values import ElementSet, OrbitState

FORMATS = {
    "observations": ("tdm", "udl-json", "b3"),
    "orbits": ("oem", "omm"),
    "conjunctions": ("cdm",),
}
ALL_FORMATS = ("tdm", "oem", "omm", "cdm", "udl-json", "b3")
CCSDS_FORMATS = ("tdm", "oem", "omm", "cdm")


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
    fit: ElementFit | None = None,
) -> str:
    """Text of released records in ``fmt`` (one CCSDS message per distinct marking; OMM:
    one per element set, orbit states fitted with ``fit``, default :class:`ElementFit`)."""
    if fmt not in FORMATS[result.kind]:
        raise InputError(
            f"{result.kind} export as {fmt} is not supported; use one of {FORMATS[result.kind]}",
            field="format",
        )
    records = result.records
    if fmt != "omm" and any(isinstance(r, ElementSet) for r in records):
        raise InputError("SGP4 element sets are written only as OMM", field="format")
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
    elif fmt == "omm":
        messages = [
            omm_from_elements(
                e,
                originator=originator,
                classification_type=policy.b3_classification.get(e.markings.level, "U"),
            )
            for e in _elements(records, fit or ElementFit())
        ]
    else:
        messages = [cdm_from_event(e, originator=originator) for e in records]
    return encode_message(messages, encoding)


def _elements(records: Sequence, fit: ElementFit) -> list[ElementSet]:
    """Element sets in record order: orbit states fitted (in one call), element sets as are."""
    states = [r for r in records if isinstance(r, OrbitState)]
    fitted = iter(fit.fit(states)[0])
    return [next(fitted) if isinstance(r, OrbitState) else r for r in records]


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
    fit: ElementFit | None = None,
) -> ExportResult:
    """Release ``records`` to ``partner`` through the policy, write them, audit the release.

    ``via`` names the path (python, cli, api, stream) in the audit log; ``fit`` says
    how orbit states become SGP4 element sets for ``omm`` (default :class:`ElementFit`).
    The audit record names each released record's rule and states every rule used.
    """
    if kind in FORMATS and fmt not in FORMATS[kind]:
        raise InputError(
            f"{kind} export as {fmt} is not supported; use one of {FORMATS[kind]}",
            field="format",
        )
    fit = fit or ElementFit()
    result = release(records, kind, partner, policy, fmt=fmt, fit=fit)
    text = encode_release(result, fmt, policy, encoding=encoding, fit=fit)
    path = write_atomic(out, text)
    used = {d.rule for d in result.decisions if d.released and d.rule != DIRECT}
    details = {}
    if fmt == "omm":
        details["element_fit"] = fit.describe()
    entry = append_audit(
        audit_log,
        {
            "actor": actor,
            "via": via,
            "partner": result.partner,
            "kind": kind,
            "format": f"{fmt}-{encoding}" if fmt in CCSDS_FORMATS else fmt,
            "output": str(path),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "policy": policy.source,
            "released": [
                {"id": d.record_id, "rule": d.rule} for d in result.decisions if d.released
            ],
            "withheld": result.withheld,
            "rules": {r.name: r.settings() for r in policy.rules if r.name in used},
            **details,
        },
    )
    return ExportResult(path, result, entry)
