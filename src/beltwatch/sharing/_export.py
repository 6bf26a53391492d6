"""Export: the released records of one kind, encoded, written atomically, and audited."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from beltwatch._io import write_atomic
from beltwatch.errors import InputError
from beltwatch.sharing._audit import append_audit
from beltwatch.sharing._elements import ElementFit
from beltwatch.sharing._formats import EncodeOptions, product_format
from beltwatch.sharing._policy import Policy
from beltwatch.sharing._release import DIRECT, Release, release
from beltwatch.values import ElementSet, OrbitState


def encode_release(
    result: Release,
    fmt: str,
    policy: Policy,
    *,
    encoding: str = "kvn",
    originator: str = "BELTWATCH",
    fit: ElementFit | None = None,
    b3_sensor_numbers: Mapping[str, int] | None = None,
) -> str:
    """Text of released records in ``fmt`` (see :func:`product_format`): CCSDS formats
    write one message per distinct marking (OMM: one per element set, orbit states fitted
    with ``fit``, default :class:`ElementFit`)."""
    product = product_format(fmt, result.kind)
    if not product.element_sets and any(isinstance(r, ElementSet) for r in result.records):
        raise InputError("SGP4 element sets are written only as OMM", field="format")
    options = EncodeOptions(policy, encoding, originator, fit or ElementFit(), b3_sensor_numbers)
    return product.encode(result.records, options)


def one_state_per_object(records: Sequence) -> list:
    """The earliest orbit state of each object (an OEM's first point is its orbit's
    epoch): an element set is fitted per object, not per ephemeris point. Other records
    (element sets) are kept as they are."""
    first: dict[tuple, OrbitState] = {}
    out: list = []
    for record in records:
        if not isinstance(record, OrbitState) or record.norad_id is None:
            out.append(record)
            continue
        key = (record.norad_id, record.markings)
        best = first.get(key)
        if best is None or (record.epoch - best.epoch).to_value("s") < 0:
            first[key] = record
    return out + list(first.values())


@dataclass(frozen=True)
class ExportResult:
    path: Path | None  # None: nothing was releasable, nothing written
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
    b3_sensor_numbers: Mapping[str, int] | None = None,
) -> ExportResult:
    """Release ``records`` to ``partner`` through the policy, write them, audit the release.

    ``via`` names the path (python, cli, api, stream) in the audit log; ``fit`` says
    how orbit states become SGP4 element sets for ``omm`` (default :class:`ElementFit`).
    The audit record names each released record's rule, states every rule used and
    counts what was withheld, by reason. When nothing may be released no product is
    written (``ExportResult.path`` is None) and the attempt is still audited.
    """
    product = product_format(fmt, kind)
    fit = fit or ElementFit()
    if product.element_sets:
        records = one_state_per_object(records)
    result = release(records, kind, partner, policy, fmt=fmt, fit=fit)
    text = encode_release(
        result, fmt, policy, encoding=encoding, fit=fit, b3_sensor_numbers=b3_sensor_numbers
    )
    path = write_atomic(out, text) if result.records else None
    used = {d.rule for d in result.decisions if d.released and d.rule != DIRECT}
    details = {}
    if product.element_sets:
        details["element_fit"] = fit.describe()
    entry = append_audit(
        audit_log,
        {
            "actor": actor,
            "via": via,
            "partner": result.partner,
            "kind": kind,
            "format": f"{fmt}-{encoding}" if product.ccsds else fmt,
            "output": None if path is None else str(path),
            "sha256": None if path is None else hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "policy": policy.source,
            "released": [
                {"id": d.record_id, "rule": d.rule} for d in result.decisions if d.released
            ],
            "withheld": result.withheld,
            "withheld_because": result.withheld_reasons(),
            "rules": {r.name: r.settings() for r in policy.rules if r.name in used},
            **details,
        },
    )
    return ExportResult(path, result, entry)
