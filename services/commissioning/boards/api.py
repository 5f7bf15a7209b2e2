"""The commissioning HTTP routes for advisory boards.

Authority (v3): caseworkers plan a board and keep its membership, register of interests,
agenda and notes, where the board is (its region); readers, decision makers and auditors
read. A case's boards, with the conflicts on it, are read as the case is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning.boards import domain, handlers, queries
from services.commissioning.boards.schemas import (
    AgendaCaseView,
    AgendaItem,
    BoardList,
    BoardPlanning,
    BoardView,
    BoardWritten,
    CaseBoardsView,
    CaseBoardView,
    ConflictView,
    InterestDeclaration,
    InterestView,
    MemberAppointment,
    MemberView,
    NotesRecording,
)
from services.commissioning.handlers import new_id
from services.commissioning.queries import Visibility
from services.commissioning.routing import check_case_read
from shared.app import StoreDep
from shared.authority.acting import Acting
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.steps import change, create, step
from shared.http.writes import Answer, WriteRequest, etag, read_responses, write_responses

router = APIRouter(prefix="/boards", tags=["boards"])
case_router = APIRouter(prefix="/cases", tags=["boards"])
CaseId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The case id (uuid4 hex).")]
IdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The board id (uuid4 hex).")]
Reader = Annotated[Acting, step("commissioning.boards.read")]
CaseReader = Annotated[Acting, step("commissioning.cases.read")]
Planner = Annotated[WriteRequest, create("commissioning.boards.plan")]
Manager = Annotated[WriteRequest, change("commissioning.boards.manage")]
CHANGE_RESPONSES = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


def _written(done: handlers.Written, code: int = status.HTTP_200_OK) -> Answer:
    return Answer(
        BoardWritten(board_id=done.board_id, version=done.version),
        code,
        version=done.version,
        location=f"/boards/{done.board_id}" if code == status.HTTP_201_CREATED else None,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BoardWritten,
    summary="Plan an advisory board for a region",
    responses=write_responses(201, 401, 403, 409, 422, location=True),
)
async def plan_board(body: BoardPlanning, write: Planner) -> Response:
    """A board for a region on a date; its agenda and notes start in draft."""
    board_id = new_id()
    events = domain.plan(
        board_id, region_code=body.region_code, board_date=body.board_date, title=body.title
    )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.plan(uow, board_id=board_id, events=events, region=body.region_code)
        return _written(done, status.HTTP_201_CREATED)

    return await write.run(act)


@router.post(
    "/{board_id}/members",
    response_model=BoardWritten,
    summary="Appoint a member of an advisory board",
    responses=CHANGE_RESPONSES,
)
async def appoint_member(board_id: IdPath, body: MemberAppointment, write: Manager) -> Response:
    """A member, by name, the token subject they act as, and kind (409 if already one)."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load(uow, board_id)
        events = domain.appoint(state, subject=body.subject, name=body.name, kind=body.kind)
        return _written(await handlers.append(uow, state, events))

    return await write.run(act)


@router.post(
    "/{board_id}/interests",
    response_model=BoardWritten,
    summary="Declare a board member's interest in a trust or a school",
    responses=CHANGE_RESPONSES,
)
async def declare_interest(board_id: IdPath, body: InterestDeclaration, write: Manager) -> Response:
    """In the register of interests: a member's interest in one trust or one school, from a
    day (to a day). A member with an interest in a trust a case concerns may not decide it."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load(uow, board_id)
        events = domain.declare(
            state,
            subject=body.subject,
            trust_uid=body.trust_uid,
            urn=body.urn,
            interest=body.interest,
            from_date=body.from_date,
            to_date=body.to_date,
            source=body.source,
        )
        return _written(await handlers.append(uow, state, events))

    return await write.run(act)


@router.post(
    "/{board_id}/agenda",
    response_model=BoardWritten,
    summary="Put a case on an advisory board's agenda",
    responses=CHANGE_RESPONSES,
)
async def put_on_agenda(board_id: IdPath, body: AgendaItem, write: Manager) -> Response:
    """A case of the board's region (422 naming ``case_id`` otherwise), once."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load(uow, board_id)
        case = await handlers.load_case_state(uow, body.case_id)
        events = domain.put_on_agenda(state, case_id=body.case_id, case_region=case.region_code)
        return _written(await handlers.append(uow, state, events))

    return await write.run(act)


@router.post(
    "/{board_id}/agenda/publish",
    response_model=BoardWritten,
    summary="Publish an advisory board's agenda",
    responses=CHANGE_RESPONSES,
)
async def publish_agenda(board_id: IdPath, write: Manager, on: TodayDep) -> Response:
    """The agenda was a draft until now (409 when published already)."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load(uow, board_id)
        return _written(await handlers.append(uow, state, domain.publish_agenda(state, on=on)))

    return await write.run(act)


@router.put(
    "/{board_id}/notes",
    response_model=BoardWritten,
    summary="Record an advisory board's notes, in draft or published",
    responses=CHANGE_RESPONSES,
)
async def record_notes(
    board_id: IdPath, body: NotesRecording, write: Manager, on: TodayDep
) -> Response:
    """Published once the schools and trusts affected have been told; published notes do not
    go back to draft (409)."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load(uow, board_id)
        events = domain.record_notes(state, notes=body.notes, published=body.published, on=on)
        return _written(await handlers.append(uow, state, events))

    return await write.run(act)


def _conflict_view(c: domain.CaseConflict) -> ConflictView:
    return ConflictView(
        subject=c.subject, name=c.name, trust_uid=c.trust_uid, urn=c.urn, interest=c.interest
    )


@router.get(
    "",
    response_model=BoardList,
    summary="List advisory boards where you act",
    responses=problem_responses(401, 403, 422),
)
async def list_boards(
    pool: PoolDep,
    acting: Reader,
    region: Annotated[
        str | None, Query(pattern=r"^[A-K]$", description="GOR region code, e.g. D.")
    ] = None,
) -> BoardList:
    """Boards in your regions (every region for a national scope), newest date first, with
    how many members and cases each has and the publication status of agenda and notes."""
    visible = Visibility.of(acting.principal.scope, subject=None, published=False)
    return await queries.list_boards(pool, region=region, visible=visible)


@router.get(
    "/{board_id}",
    response_model=BoardView,
    summary="Get an advisory board",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_board(
    board_id: IdPath, response: Response, store: StoreDep, acting: Reader
) -> BoardView:
    """Its members and their interests, its agenda with each case's conflicts, and the
    publication status of the agenda and the notes."""
    state = await handlers.load(store, board_id)
    acting.check(handlers.place(state))
    conflicts = await handlers.conflicts_of(store, state, state.agenda)
    response.headers["ETag"] = etag(state.version)
    return BoardView(
        board_id=state.board_id,
        region_code=state.region_code,
        board_date=state.board_date,
        title=state.title,
        members=[MemberView(subject=m.subject, name=m.name, kind=m.kind) for m in state.members],
        interests=[
            InterestView(
                subject=i.subject,
                trust_uid=i.trust_uid,
                urn=i.urn,
                interest=i.interest,
                from_date=i.from_date,
                to_date=i.to_date,
                source=i.source,
                in_force_on_board_date=i.in_force(state.board_date),
            )
            for i in state.interests
        ],
        agenda=[
            AgendaCaseView(case_id=c, conflicts=[_conflict_view(x) for x in conflicts[c]])
            for c in state.agenda
        ],
        agenda_status="published" if state.agenda_published_on else "draft",
        agenda_published_on=state.agenda_published_on,
        notes=state.notes,
        notes_status="none"
        if state.notes is None
        else ("published" if state.notes_published else "draft"),
        version=state.version,
    )


@case_router.get(
    "/{case_id}/boards",
    response_model=CaseBoardsView,
    summary="Get the advisory boards a case is on, with its conflicts",
    responses=read_responses(401, 403, 404, 422),
)
async def get_case_boards(
    case_id: CaseId, store: StoreDep, pool: PoolDep, acting: CaseReader
) -> CaseBoardsView:
    """Every board with the case on its agenda, and each member's conflict on it (an
    interest in one of its schools or in a trust it shortlisted or approved)."""
    case = await handlers.load_case_state(store, case_id)
    await check_case_read(acting, store, case_id, case.place)
    boards: list[CaseBoardView] = []
    for board_id in await handlers.boards_of_case(pool, case_id):
        state = await handlers.load(store, board_id)
        found = domain.conflicts(state, case_id, urns=case.urns, trusts=handlers.case_trusts(case))
        boards.append(
            CaseBoardView(
                board_id=board_id,
                board_date=state.board_date,
                title=state.title,
                conflicts=[_conflict_view(c) for c in found],
            )
        )
    return CaseBoardsView(case_id=case_id, boards=boards)
