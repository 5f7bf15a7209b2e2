"""Registering a trust by hand: a new trust, or one a local authority set up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from services.registry.handlers import register_trust
from services.registry.schemas import TrustRegistered, TrustRegistration
from shared.app import StoreDep
from shared.contracts.registry import TrustDetails
from shared.http.auth import Principal, Role, require_roles
from shared.http.problems import problem_responses
from shared.http.writes import WriteMetadataDep

router = APIRouter(tags=["trusts"])


@router.post(
    "/trusts",
    status_code=status.HTTP_201_CREATED,
    response_model=TrustRegistered,
    summary="Register a new or LA-established trust",
    responses=problem_responses(401, 403, 409, 422),
)
async def register_a_trust(
    body: TrustRegistration,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    _: Annotated[Principal, Depends(require_roles(Role.CASEWORKER))],
) -> TrustRegistered:
    """Record a trust; schools join it only through GIAS or a commissioning decision."""
    details = TrustDetails(
        trn=body.trn,
        name=body.name,
        companies_house_number=body.companies_house_number,
        trust_type=body.trust_type,
        status="Open",
        incorporated_on=body.incorporated_on,
        postcode=body.postcode,
        town=body.town,
    )
    uid = await register_trust(
        store,
        details=details,
        uid=body.uid,
        founding_la_code=body.established_by_la_code,
        effective_on=body.incorporated_on,
        metadata=meta,
    )
    response.headers["Location"] = f"/trusts/{uid}"
    return TrustRegistered(uid=uid, provisional=body.uid is None)
