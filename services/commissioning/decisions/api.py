"""Routes for a decision's record after it is made: conditions met or waived, and an
escalation or challenge that reopens it (HTTP only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.commissioning.decisions import handlers
from services.commissioning.decisions.schemas import (
    ConditionMet,
    ConditionWaived,
    DecisionChallenge,
)
from services.commissioning.domain.records import ChallengeDecision
from services.commissioning.routing import written
from services.commissioning.schemas import Written
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import TodayDep
from shared.http.steps import change
from shared.http.writes import Answer, WriteRequest, write_responses

CaseId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The case id (uuid4 hex).")]
Condition = Annotated[
    int, Path(ge=1, le=50, description="The condition's number, from 1, in the decision's order.")
]
SettleConditions = Annotated[WriteRequest, change("commissioning.cases.settle_conditions")]
ChallengeCase = Annotated[WriteRequest, change("commissioning.cases.challenge")]

router = APIRouter(prefix="/cases", tags=["cases"])
WRITE_PROBLEMS = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


@router.post(
    "/{case_id}/decision/conditions/{condition}/met",
    response_model=Written,
    summary="Record a condition of the approval met",
    responses=WRITE_PROBLEMS,
)
async def condition_met(
    case_id: CaseId, condition: Condition, body: ConditionMet, write: SettleConditions, on: TodayDep
) -> Response:
    """An open condition of the standing approval is met, with its evidence."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.condition_met(
            uow,
            case_id=case_id,
            condition=condition,
            evidence=body.evidence,
            document_reference=body.document_reference,
            today=on,
        )
        return written(result)

    return await write.run(act)


@router.post(
    "/{case_id}/decision/conditions/{condition}/waived",
    response_model=Written,
    summary="Record a condition of the approval waived",
    responses=WRITE_PROBLEMS,
)
async def condition_waived(
    case_id: CaseId,
    condition: Condition,
    body: ConditionWaived,
    write: SettleConditions,
    on: TodayDep,
) -> Response:
    """An open condition of the standing approval is waived, for a reason."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.condition_waived(
            uow, case_id=case_id, condition=condition, reason=body.reason, today=on
        )
        return written(result)

    return await write.run(act)


@router.post(
    "/{case_id}/decision/challenge",
    response_model=Written,
    summary="Escalate or challenge the decision",
    responses=WRITE_PROBLEMS,
)
async def challenge_decision(
    case_id: CaseId, body: DecisionChallenge, write: ChallengeCase, on: TodayDep
) -> Response:
    """The decision is reopened for the named person (another region's director or a
    minister) to decide again; their decision supersedes it, and it stays in the record.
    A challenged approval's pending transfer is cancelled by the registry."""
    cmd = ChallengeDecision(
        kind=body.kind,
        capacity=body.capacity,
        referred_to=body.referred_to,
        to_region_code=body.to_region_code,
        reason=body.reason,
        on=on,
    )

    async def act(uow: UnitOfWork) -> Answer:
        return written(await handlers.challenge(uow, case_id=case_id, cmd=cmd))

    return await write.run(act)
