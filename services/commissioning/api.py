"""The commissioning HTTP routes for cases: parse, call one handler or read, shape the answer.

Roles: a caseworker opens cases, sets criteria, shortlists, schedules the board, changes a
significant date and closes cases; only a decision maker records a decision, and an admin
does none of these without the role. Reads are for readers, caseworkers, decision makers,
auditors and admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning import handlers, queries
from services.commissioning.candidates import CandidateList
from services.commissioning.domain.cases import CaseStatus
from services.commissioning.domain.decisions import RecordDecision
from services.commissioning.routing import (
    Caseworker,
    Cursor,
    DecisionMaker,
    Limit,
    Reader,
    written,
)
from services.commissioning.schemas import (
    AuditTrail,
    BoardScheduling,
    CaseClosing,
    CaseOpenedView,
    CaseOpening,
    CasePage,
    CaseView,
    CriteriaChange,
    DecisionRecording,
    ShortlistChoice,
    SignificantDateChange,
    Written,
)
from shared.app import StoreDep
from shared.contracts.commissioning import CaseTrigger
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.fields import FILTER_MAX
from shared.http.problems import problem_responses
from shared.http.writes import Answer, ChangeDep, CreateDep, etag, read_responses, write_responses

CaseId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The case id (uuid4 hex).")]
router = APIRouter(prefix="/cases", tags=["cases"])
WRITE_PROBLEMS = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseOpenedView,
    summary="Open a case for one school or a group of schools",
    responses=write_responses(201, 401, 403, 422, location=True),
)
async def open_case(body: CaseOpening, write: CreateDep, on: TodayDep, _: Caseworker) -> Response:
    """Open a case; its region, area and LAs come from the registry's events."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.open_case(
            uow, urns=body.urns, trigger=body.trigger, title=body.title, today=on
        )
        return Answer(
            CaseOpenedView(id=result.id, version=result.version),
            status.HTTP_201_CREATED,
            version=result.version,
            location=f"/cases/{result.id}",
        )

    return await write.run(act)


@router.get(
    "",
    response_model=CasePage,
    summary="List cases",
    responses=problem_responses(401, 403, 422),
)
async def list_cases(
    pool: PoolDep,
    _: Reader,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    region: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="GOR region code, e.g. D.")
    ] = None,
    area: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="Education Investment Area name.")
    ] = None,
    trigger: Annotated[CaseTrigger | None, Query()] = None,
    urn: Annotated[int | None, Query(ge=100000, le=999999, description="Has this school.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CasePage:
    """Cases, newest first, filtered, one page at a time."""
    filters = queries.CaseFilters(
        status=status_, region=region, area=area, trigger=trigger, urn=urn
    )
    return await queries.list_cases(pool, filters=filters, limit=limit, cursor=cursor)


@router.get(
    "/{case_id}",
    response_model=CaseView,
    summary="Get a case",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_case(case_id: CaseId, response: Response, pool: PoolDep, _: Reader) -> CaseView:
    """A case with its criteria, shortlist, decisions and the registry's progress."""
    case = await queries.get_case(pool, case_id)
    response.headers["ETag"] = etag(case.version)
    return case


@router.put(
    "/{case_id}/criteria",
    response_model=Written,
    summary="Set what matters for this case",
    responses=WRITE_PROBLEMS,
)
async def set_criteria(
    case_id: CaseId, body: CriteriaChange, write: ChangeDep, _: Caseworker
) -> Response:
    """Choose the relevant pillars (and themes) and weights; factors weigh 0 to leave out."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.set_criteria(
            uow, case_id=case_id, pillars=body.pillars, factors=body.factors
        )
        return written(result)

    return await write.run(act)


@router.get(
    "/{case_id}/candidates",
    response_model=CandidateList,
    summary="Rank the trusts that could take the case's schools",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_candidates(case_id: CaseId, store: StoreDep, pool: PoolDep, _: Reader) -> Response:
    """The explained ranking under the case's effective criteria, with excluded trusts."""
    state = await handlers.load_case(store, case_id)
    # Sent as encoded once per ranking; CandidateList documents it.
    return Response(await handlers.candidates_json(pool, state), media_type="application/json")


@router.post(
    "/{case_id}/shortlist",
    response_model=Written,
    summary="Shortlist trusts for the advisory board",
    responses=WRITE_PROBLEMS,
)
async def shortlist(
    case_id: CaseId, body: ShortlistChoice, write: ChangeDep, _: Caseworker
) -> Response:
    """Put ranked candidates forward; the ranking as it stands is kept with the shortlist."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.shortlist(uow, case_id=case_id, trust_uids=body.trust_uids)
        return written(result)

    return await write.run(act)


@router.post(
    "/{case_id}/advisory-board",
    response_model=Written,
    summary="Schedule the advisory board",
    responses=WRITE_PROBLEMS,
)
async def schedule_board(
    case_id: CaseId, body: BoardScheduling, write: ChangeDep, _: Caseworker
) -> Response:
    """Send a shortlisted or deferred case to the board on a date."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.schedule_board(uow, case_id=case_id, board_date=body.board_date)
        return written(result)

    return await write.run(act)


@router.post(
    "/{case_id}/decision",
    response_model=Written,
    summary="Record the decision",
    responses=WRITE_PROBLEMS,
)
async def record_decision(
    case_id: CaseId,
    body: DecisionRecording,
    write: ChangeDep,
    on: TodayDep,
    _: DecisionMaker,
) -> Response:
    """A decision maker decides; an approval instructs the registry to move the schools."""
    decision = RecordDecision(
        decision_id=handlers.new_id(),
        outcome=body.outcome,
        decided_on=body.decided_on,
        decision_maker_name=body.decision_maker_name,
        decision_maker_capacity=body.decision_maker_capacity,
        rationale=body.rationale,
        conditions=body.conditions,
        trust_uid=body.trust_uid,
        significant_date=body.significant_date,
        reason_category=body.reason_category,
    )

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.record_decision(uow, case_id=case_id, decision=decision, today=on)
        return written(result, **{"X-Decision-Id": decision.decision_id})

    return await write.run(act)


@router.post(
    "/{case_id}/significant-date",
    response_model=Written,
    summary="Change the significant date",
    responses=WRITE_PROBLEMS,
)
async def change_significant_date(
    case_id: CaseId, body: SignificantDateChange, write: ChangeDep, on: TodayDep, _: Caseworker
) -> Response:
    """Move the approved transfer to another 1st of a month, with the reason."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.change_significant_date(
            uow,
            case_id=case_id,
            significant_date=body.significant_date,
            reason=body.reason,
            today=on,
        )
        return written(result)

    return await write.run(act)


@router.post(
    "/{case_id}/close",
    response_model=Written,
    summary="Close the case",
    responses=WRITE_PROBLEMS,
)
async def close_case(
    case_id: CaseId, body: CaseClosing, write: ChangeDep, on: TodayDep, _: Caseworker
) -> Response:
    """Close a case that is not completed; a pending transfer is cancelled."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.close_case(uow, case_id=case_id, reason=body.reason, today=on)
        return written(result)

    return await write.run(act)


@router.get(
    "/{case_id}/audit",
    response_model=AuditTrail,
    summary="Get the case's audit trail across services",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_audit(case_id: CaseId, pool: PoolDep, _: Reader) -> AuditTrail:
    """Every event of the case, and every event that followed from them, in log order."""
    return await queries.audit_trail(pool, case_id)
