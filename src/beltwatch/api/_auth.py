"""API keys: ``X-API-Key: <secret>`` or ``Authorization: Bearer <secret>``, looked up in
the store; the key's partner must be one of the policy's partners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from beltwatch.api._problems import ProblemError

API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="API key of a partner"
)
BEARER = HTTPBearer(auto_error=False, description="The API key as a bearer token")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the partner of the policy the key was issued to."""

    partner: str
    can_ingest: bool


def caller(
    *,
    request: Request,
    key: Annotated[str | None, Depends(API_KEY_HEADER)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Caller:
    """The caller of a request; a 401 problem when the key is missing, unknown or revoked."""
    secret = key or (bearer.credentials if bearer is not None else None)
    if not secret:
        raise ProblemError(
            401, "an API key is required: send it as X-API-Key or Authorization: Bearer"
        )
    service = request.app.state.service
    partner = service.store.partner_for_key(secret)
    if partner is None:
        raise ProblemError(401, "the API key is not valid (unknown or revoked)")
    name = str(partner).upper()
    if name not in service.policy.partners:
        raise ProblemError(401, f"the API key's partner {name} is not in the releasability policy")
    return Caller(name, name in service.ingest_partners)


Who = Annotated[Caller, Depends(caller)]
