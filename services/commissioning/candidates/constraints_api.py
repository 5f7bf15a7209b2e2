"""``PUT /cases/{id}/constraints``: what every candidate trust must satisfy (HTTP only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat

from services.commissioning import handlers
from services.commissioning.domain import cases
from services.commissioning.routing import SetCriteria, written
from services.commissioning.schemas import Written
from shared.contracts.commissioning import CaseConstraintsSet
from shared.eventlog.unit import UnitOfWork
from shared.http.fields import Reference
from shared.http.writes import Answer, write_responses

CaseId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The case id (uuid4 hex).")]
router = APIRouter(prefix="/cases", tags=["cases"])


class ConstraintsChange(BaseModel):
    """What every candidate must satisfy; a trust that does not is listed as excluded."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "same_religious_character": True,
                    "diocese_agreed_otherwise": False,
                    "max_distance_km": 30.0,
                    "same_region": True,
                }
            ]
        },
    )

    same_religious_character: StrictBool = Field(
        description="A church school's trust runs schools of its religious character."
    )
    diocese_agreed_otherwise: StrictBool = Field(
        default=False, description="The diocese agreed to a trust of another character."
    )
    diocese_agreement_reference: Reference | None = Field(
        default=None, description="Where the diocese's agreement is: required when it is."
    )
    max_distance_km: StrictFloat | None = Field(
        gt=0, le=1000, description="The furthest the trust's nearest school may be; null: none."
    )
    same_region: StrictBool = Field(description="The trust runs a school in the case's region.")


@router.put(
    "/{case_id}/constraints",
    response_model=Written,
    summary="Set the case's constraints on candidates",
    responses=write_responses(200, 401, 403, 404, 409, 412, 422, 428),
)
async def set_constraints(case_id: CaseId, body: ConstraintsChange, write: SetCriteria) -> Response:
    """Before the board: the defaults (same religious character for a church school unless
    the diocese agreed otherwise, within 50 km, the same region) changed for this case."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load_case(uow, case_id)
        events = cases.set_constraints(
            state, CaseConstraintsSet(case_id=case_id, **body.model_dump())
        )
        return written(await handlers.append_case(uow, state, events))

    return await write.run(act)
