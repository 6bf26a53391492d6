"""Product downloads (CCSDS TDM/OEM/OMM, UDL-style JSON, events JSON): released through
the gate, encoded by the format registry, appended to the audit log and recorded in the
store's release history."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from fastapi.responses import Response

from beltwatch.api._problems import ProblemError
from beltwatch.api._service import Service
from beltwatch.sharing import DIRECT, append_audit, encode_release, product_format, release

_LOG = logging.getLogger("beltwatch.api")
_MEDIA = {"udl-json": "application/json", "events-json": "application/json"}
_SUFFIX = {"udl-json": "json", "events-json": "json"}


def product_response(
    service: Service, partner: str, records: Sequence, kind: str, fmt: str, name: str
) -> Response:
    """``records`` (as stored) released to ``partner`` and written as ``fmt``; audited
    and recorded. A 404 problem when nothing is released."""
    product = product_format(fmt, kind)
    fit = service.fit if product.element_sets else None
    result = release(list(records), kind, partner, service.policy, fmt=fmt, fit=fit)
    if not result.records:
        raise ProblemError(404, f"no {kind} released to {partner} for this query")
    text = encode_release(result, fmt, service.policy, fit=fit)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    used = {d.rule for d in result.decisions if d.released and d.rule != DIRECT}
    released = [{"id": d.record_id, "rule": d.rule} for d in result.decisions if d.released]
    label = f"{fmt}-kvn" if product.ccsds else fmt
    entry = append_audit(
        service.audit_log,
        {
            "actor": f"api-key:{partner}",
            "via": "api",
            "partner": result.partner,
            "kind": kind,
            "format": label,
            "output": None,
            "sha256": digest,
            "policy": service.policy.source,
            "released": released,
            "withheld": result.withheld,
            "withheld_because": result.withheld_reasons(),
            "rules": {r.name: r.settings() for r in service.policy.rules if r.name in used},
        },
    )
    service.store.record_release(
        partner=result.partner,
        kind=kind,
        fmt=label,
        released_ids=[d["id"] for d in released],
        withheld=result.withheld,
        audit_digest=entry["hash"],
        product_path=None,
    )
    suffix = _SUFFIX.get(fmt, "txt" if not product.ccsds else fmt)
    return Response(
        text,
        media_type=_MEDIA.get(fmt, "text/plain"),
        headers={"Content-Disposition": f'attachment; filename="{name}.{suffix}"'},
    )
