"""``POST /cases/{case_id}/assessment-requests``: a caseworker asks for an assessment of a
trust shortlisted on the case (``commissioning.cases.request_assessment``, If-Match on the
case). The assessment service hears ``AssessmentRequested`` and opens a draft assessment of
the trust, naming the case and the request."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.commissioning.assessment_requests.schemas import (
    AssessmentRequest,
    AssessmentRequested,
)
from services.commissioning.domain.cases import CaseState
from services.commissioning.handlers import append_case, load_case, new_id
from shared.contracts import commissioning as contract
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import TodayDep
from shared.http.steps import change
from shared.http.writes import Answer, WriteRequest, write_responses

router = APIRouter(prefix="/cases", tags=["cases"])
CaseId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The case id (uuid4 hex).")]
Requester = Annotated[WriteRequest, change("commissioning.cases.request_assessment")]
# A request makes sense while the trust may still be chosen.
_OPEN = frozenset({"open", "shortlisting", "advisory_board_scheduled", "deferred", "declined"})


def request_assessment(
    state: CaseState, *, request_id: str, trust_uid: int, reason: str, framework_id: str, on: date
) -> list[contract.AssessmentRequested]:
    """The request, for a trust on the case's shortlist while the case is undecided."""
    if state.status not in _OPEN:
        raise Conflict(
            f"A case that is {state.status} asks for no more assessments.",
            extra={"status": state.status, "allowed_statuses": sorted(_OPEN)},
        )
    if trust_uid not in state.shortlist:
        raise UnprocessableContent(
            f"Trust {trust_uid} is not on this case's shortlist.",
            extra={
                "errors": [{"loc": ["body", "trust_uid"], "msg": "not on the shortlist"}],
                "shortlist": list(state.shortlist),
            },
        )
    return [
        contract.AssessmentRequested(
            case_id=state.case_id,
            request_id=request_id,
            trust_uid=trust_uid,
            reason=reason,
            framework_id=framework_id,
            requested_on=on,
        )
    ]


@router.post(
    "/{case_id}/assessment-requests",
    response_model=AssessmentRequested,
    summary="Ask for an assessment of a shortlisted trust",
    responses=write_responses(200, 401, 403, 404, 409, 412, 422, 428),
)
async def request_an_assessment(
    case_id: CaseId, body: AssessmentRequest, write: Requester, on: TodayDep
) -> Response:
    """Recorded on the case; the assessment service then opens a draft assessment of the
    trust that names the case and ``request_id`` (a moment later, through the log)."""
    request_id = new_id()

    async def act(uow: UnitOfWork) -> Answer:
        state = await load_case(uow, case_id)
        events = request_assessment(
            state,
            request_id=request_id,
            trust_uid=body.trust_uid,
            reason=body.reason,
            framework_id=body.framework_id,
            on=on,
        )
        done = await append_case(uow, state, events)
        return Answer(
            AssessmentRequested(id=done.id, version=done.version, request_id=request_id),
            version=done.version,
        )

    return await write.run(act)
