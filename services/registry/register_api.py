"""Registering a trust by hand: a new trust, or one a local authority set up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.registry.handlers import register_trust
from shared.app import StoreDep
from shared.contracts.identifiers import LaCode
from shared.contracts.registry import TrustDetails, TrustType
from shared.http.auth import Principal, Role, require_roles
from shared.http.fields import IsoDate, Name, Postcode, StrictGroupUid, Town
from shared.http.problems import problem_responses
from shared.http.writes import WriteMetadataDep

router = APIRouter(tags=["trusts"])


class TrustRegistration(BaseModel):
    """A trust to put on the register. Leave ``uid`` out if GIAS has not given it one yet."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Leeds Local Authority Trust",
                    "trust_type": "multi_academy_trust",
                    "companies_house_number": "16012345",
                    "incorporated_on": "2026-09-01",
                    "established_by_la_code": "383",
                }
            ]
        },
    )

    uid: StrictGroupUid | None = None
    name: Name
    trust_type: TrustType
    trn: str | None = Field(default=None, pattern=r"^TR[0-9]{5}$")
    companies_house_number: str | None = Field(default=None, pattern=r"^[0-9A-Z]{8}$")
    incorporated_on: IsoDate
    established_by_la_code: LaCode | None = Field(
        default=None, description="Set when a local authority set this trust up"
    )
    postcode: Postcode | None = None
    town: Town | None = None

    @model_validator(mode="after")
    def _plausible_date(self) -> TrustRegistration:
        if self.incorporated_on.year < 1990:
            raise ValueError("incorporated_on is before academy trusts existed")
        return self


class TrustRegistered(BaseModel):
    """The trust's UID (provisional ones are 90,000,000 and up)."""

    uid: int
    provisional: bool


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
