"""Registering a trust by hand: a new trust, or one a local authority set up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from services.registry.handlers import register_trust
from services.registry.schemas import TrustRegistered, TrustRegistration
from shared.contracts.registry import TrustDetails
from shared.eventlog.unit import UnitOfWork
from shared.http.auth import Principal, Role, require_roles
from shared.http.writes import Answer, CreateDep, write_responses

router = APIRouter(tags=["trusts"])


@router.post(
    "/trusts",
    status_code=status.HTTP_201_CREATED,
    response_model=TrustRegistered,
    summary="Register a new or LA-established trust",
    responses=write_responses(201, 401, 403, 409, 422, location=True),
)
async def register_a_trust(
    body: TrustRegistration,
    write: CreateDep,
    _: Annotated[Principal, Depends(require_roles(Role.CASEWORKER))],
) -> Response:
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

    async def act(uow: UnitOfWork) -> Answer:
        uid = await register_trust(
            uow,
            details=details,
            uid=body.uid,
            founding_la_code=body.established_by_la_code,
            effective_on=body.incorporated_on,
        )
        return Answer(
            TrustRegistered(uid=uid, provisional=body.uid is None),
            status.HTTP_201_CREATED,
            version=uow.appended[-1].last_version,
            location=f"/trusts/{uid}",
        )

    return await write.run(act)
