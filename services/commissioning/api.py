"""The commissioning HTTP routes for cases: parse, call one handler or read, shape the answer.

Each route names its step (``routing``); the authority table says who may take it where
(seeded: a caseworker opens cases, sets criteria, shortlists, schedules the board, changes
a significant date and closes cases; a decision maker records a decision or refers it, and
an admin does none of these without the role; readers, caseworkers, decision makers,
auditors and admins read). A case is where its schools are (its region and LAs); a case
referred elsewhere is decided by its referee alone, who may read it too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning import handlers, queries
from services.commissioning.candidates import CandidateList
from services.commissioning.candidates.paging import offset_of
from services.commissioning.domain.cases import CaseStatus
from services.commissioning.domain.cases import ReferCase as ReferCaseCommand
from services.commissioning.domain.decisions import RecordDecision
from services.commissioning.queries import Visibility
from services.commissioning.routing import (
    CaseReader,
    ChangeSignificantDate,
    CloseCase,
    Cursor,
    DecideCase,
    Limit,
    OpenCase,
    ReferCase,
    ScheduleBoard,
    SetCriteria,
    Shortlist,
    Within,
    check_case_read,
    written,
)
from services.commissioning.schemas import (
    AuditTrail,
    BoardScheduling,
    CaseClosing,
    CaseOpenedView,
    CaseOpening,
    CasePage,
    CaseReferral,
    CaseView,
    CriteriaChange,
    DecisionRecording,
    ReferralView,
    ShortlistChoice,
    SignificantDateChange,
    Written,
)
from shared.app import StoreDep
from shared.authority.scope import Place
from shared.contracts.commissioning import CaseTrigger, DecisionMakerCapacity
from shared.contracts.values import DecisionMakerGrade, EqualityRecord
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.fields import FILTER_MAX
from shared.http.problems import problem_responses
from shared.http.writes import Answer, etag, read_responses, write_responses

CaseId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The case id (uuid4 hex).")]
router = APIRouter(prefix="/cases", tags=["cases"])
# The grade a decision maker's capacity implies, when the decision does not name one.
GRADE_OF_CAPACITY: dict[DecisionMakerCapacity, DecisionMakerGrade] = {
    "regional_director_for_region": "regional_director",
    "another_regional_director": "regional_director",
    "minister": "minister",
    "director_general": "director_general",
    "deputy_director": "deputy_director",
}
WRITE_PROBLEMS = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseOpenedView,
    summary="Open a case for one school or a group of schools",
    responses=write_responses(201, 401, 403, 422, location=True),
)
async def open_case(body: CaseOpening, write: OpenCase, on: TodayDep) -> Response:
    """Open a case; its region, area and LAs come from the registry's events, and the caller
    must act there."""

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
    acting: CaseReader,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    region: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="GOR region code, e.g. D.")
    ] = None,
    area: Annotated[
        str | None, Query(max_length=FILTER_MAX, description="Education Investment Area name.")
    ] = None,
    trigger: Annotated[CaseTrigger | None, Query()] = None,
    urn: Annotated[int | None, Query(ge=100000, le=999999, description="Has this school.")] = None,
    within: Within = "mine",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CasePage:
    """Cases, newest first, filtered, one page at a time: those where you act and those
    referred to you (all of them for a national scope)."""
    filters = queries.CaseFilters(
        status=status_, region=region, area=area, trigger=trigger, urn=urn
    )
    visible = Visibility.of(
        acting.principal.scope, subject=acting.principal.subject, published=within == "all"
    )
    return await queries.list_cases(
        pool, filters=filters, limit=limit, cursor=cursor, visible=visible
    )


def _place(case: CaseView) -> Place:
    return Place(region=case.region_code, las=frozenset(case.la_codes))


@router.get(
    "/{case_id}",
    response_model=CaseView,
    summary="Get a case",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_case(
    case_id: CaseId, response: Response, pool: PoolDep, store: StoreDep, acting: CaseReader
) -> CaseView:
    """A case with its criteria, shortlist, decisions, referral and the registry's progress."""
    case = await queries.get_case(pool, case_id)
    referral = await check_case_read(acting, store, case_id, _place(case))
    response.headers["ETag"] = etag(case.version)
    if referral is None:
        return case
    view = ReferralView(
        capacity=referral.capacity,
        referred_to=referral.to_subject,
        to_region_code=referral.region,
        reason_category=referral.reason_category,
        referred_on=referral.referred_on,
    )
    return case.model_copy(update={"referral": view})


@router.put(
    "/{case_id}/criteria",
    response_model=Written,
    summary="Set what matters for this case",
    responses=WRITE_PROBLEMS,
)
async def set_criteria(case_id: CaseId, body: CriteriaChange, write: SetCriteria) -> Response:
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
async def get_candidates(
    case_id: CaseId,
    store: StoreDep,
    pool: PoolDep,
    acting: CaseReader,
    limit: Annotated[int, Query(ge=1, le=200, description="Candidates per page.")] = 10,
    cursor: Cursor = None,
) -> Response:
    """The explained ranking under the case's effective criteria and constraints, a page at
    a time (`limit`, default 10; `cursor` from `next_cursor`), with the trusts excluded (by
    an intervention or by a constraint) and why; `total_candidates` counts every page."""
    state = await handlers.load_case(store, case_id)
    await check_case_read(acting, store, case_id, state.place)
    offset = offset_of(cursor)
    # The first page is sent as encoded once per ranking; CandidateList documents it.
    body = await handlers.candidates_json(pool, state, limit=limit, offset=offset)
    return Response(body, media_type="application/json")


@router.post(
    "/{case_id}/shortlist",
    response_model=Written,
    summary="Shortlist trusts for the advisory board",
    responses=WRITE_PROBLEMS,
)
async def shortlist(case_id: CaseId, body: ShortlistChoice, write: Shortlist) -> Response:
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
async def schedule_board(case_id: CaseId, body: BoardScheduling, write: ScheduleBoard) -> Response:
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
    write: DecideCase,
    on: TodayDep,
) -> Response:
    """A decision maker decides (where the case is, or as its referee, or under a
    delegation); an approval instructs the registry to move the schools. Whoever put a
    trust forward on the case may not also record the decision on it."""
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
        reason_codes=body.reason_codes,
        decision_maker_grade=body.decision_maker_grade
        or GRADE_OF_CAPACITY[body.decision_maker_capacity],
        decision_maker_grade_other=body.decision_maker_grade_other,
        equality=None
        if body.equality is None
        else EqualityRecord(
            likely_impact=body.equality.likely_impact, mitigation=body.equality.mitigation
        ),
        project_type=body.project_type,
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
    case_id: CaseId, body: SignificantDateChange, write: ChangeSignificantDate, on: TodayDep
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
    case_id: CaseId, body: CaseClosing, write: CloseCase, on: TodayDep
) -> Response:
    """Close a case that is not completed; a pending transfer is cancelled."""

    async def act(uow: UnitOfWork) -> Answer:
        result = await handlers.close_case(uow, case_id=case_id, reason=body.reason, today=on)
        return written(result)

    return await write.run(act)


@router.post(
    "/{case_id}/referral",
    response_model=Written,
    summary="Refer the decision to another region's director or a minister",
    responses=WRITE_PROBLEMS,
)
async def refer_case(
    case_id: CaseId, body: CaseReferral, write: ReferCase, on: TodayDep
) -> Response:
    """For a stated reason (a conflict of interest, a cross-border case...), the named
    person alone may then decide the case; nobody in its own region may."""
    cmd = ReferCaseCommand(
        capacity=body.capacity,
        referred_to=body.referred_to,
        to_region_code=body.to_region_code,
        reason_category=body.reason_category,
        reason=body.reason,
        referred_on=on,
    )

    async def act(uow: UnitOfWork) -> Answer:
        return written(await handlers.refer_case(uow, case_id=case_id, cmd=cmd))

    return await write.run(act)


@router.get(
    "/{case_id}/audit",
    response_model=AuditTrail,
    summary="Get the case's audit trail across services",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_audit(
    case_id: CaseId, pool: PoolDep, store: StoreDep, acting: CaseReader
) -> AuditTrail:
    """Every event of the case, every event that followed from them, and the delegations
    it was decided under, in log order, each with the scope and authority it was taken
    under."""
    state = await handlers.load_case(store, case_id)
    await check_case_read(acting, store, case_id, state.place)
    return await queries.audit_trail(pool, case_id)
