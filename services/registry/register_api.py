"""Registering a trust by hand: a new trust, or one a local authority set up.

Where it is, for who may register it: an LA-established trust is in its LA (and the LA's
region); a new trust with no founding LA runs no school yet and is in no region, so anyone
who acts somewhere may register it, and the event records where they act.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from services.registry.handlers import register_trust
from services.registry.schemas import TrustRegistered, TrustRegistration
from shared.authority.acting import authorize
from shared.authority.scope import ANYWHERE, Place
from shared.contracts.registry import TrustDetails
from shared.eventlog.unit import UnitOfWork
from shared.http.steps import create
from shared.http.writes import Answer, WriteRequest, write_responses

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
    write: Annotated[WriteRequest, create("registry.trusts.register")],
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

    la = body.established_by_la_code
    place = ANYWHERE if la is None else Place.of_la(la)

    async def act(uow: UnitOfWork) -> Answer:
        authorize(uow, place)
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
