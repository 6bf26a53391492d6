"""POST /api/v1/observations: UDL-style JSON observations from an ingest-capable partner.

Each record is read on its own (schema, time, marking, frames): the valid ones are
stored, the others are listed with the reason; a body that is not a JSON array of
objects is refused whole (nothing stored)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from beltwatch.api._auth import Who
from beltwatch.api._problems import ProblemError, problem_response
from beltwatch.api._service import Service
from beltwatch.errors import InputError
from beltwatch.formats import observations_from_udl

router = APIRouter()
_LOG = logging.getLogger("beltwatch.api")


def _parse(records: list[Any], service: Service) -> tuple[list, list[dict[str, Any]]]:
    good, rejected = [], []
    foreign = service.policy.foreign_markings
    for index, record in enumerate(records):
        ident = record.get("id") if isinstance(record, dict) else None
        try:
            if not isinstance(record, dict):
                raise InputError("expected a JSON object", field="record")
            good += observations_from_udl(
                [record], f"observations[{index}]", foreign_markings=foreign
            )
        except InputError as exc:
            rejected.append({"index": index, "id": ident, "reason": str(exc)})
        except (ValueError, TypeError, KeyError) as exc:
            rejected.append({"index": index, "id": ident, "reason": f"unreadable record: {exc}"})
    return good, rejected


@router.post(
    "/observations",
    tags=["observations"],
    summary="Ingest UDL-style JSON observations (keys of ingest partners only)",
    status_code=200,
)
async def post_observations(
    *,
    request: Request,
    records: Annotated[list[Any], Body(description="A JSON array of UDL EO observation objects")],
    who: Who,
) -> Any:
    service: Service = request.app.state.service
    if not who.can_ingest:
        raise ProblemError(403, f"partner {who.partner} may not ingest observations")
    if len(records) > service.max_ingest_records:
        raise ProblemError(413, f"at most {service.max_ingest_records} observations in one request")
    response, stored = await run_in_threadpool(_ingest, service, records)
    if stored and service.stream is not None:
        await _publish(service, stored)
    return response


def _ingest(service: Service, records: list[Any]) -> tuple[Any, list]:
    good, rejected = _parse(records, service)
    if not good:
        problem = problem_response(
            422,
            f"none of the {len(records)} observation(s) could be read; nothing was stored",
            rejected=rejected,
        )
        return problem, []
    result = service.store.add_observations(good)
    stored_rejects = list(getattr(result, "rejected", []) or [])
    for obs_id, reason in stored_rejects:
        rejected.append({"index": None, "id": obs_id, "reason": str(reason)})
    refused = {obs_id for obs_id, _ in stored_rejects}
    stored = [o for o in good if o.obs_id not in refused]
    return JSONResponse(
        {
            "received": len(records),
            "stored": int(getattr(result, "inserted", len(good))),
            "duplicates": int(getattr(result, "duplicates", 0)),
            "rejected": rejected,
        }
    ), stored


async def _publish(service: Service, observations: list) -> None:
    """Stored observations go on the live feed too (repeats are de-duplicated by the
    stream); a feed failure is logged and never loses what was stored."""
    try:
        await service.stream.publish_many("observations", observations)
    except Exception:
        _LOG.exception("ingested observations were stored but not published on the stream")
