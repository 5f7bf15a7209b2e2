"""The commissioning HTTP routes for concerns about trusts.

Seeded authority (v3): caseworkers open a concern and manage it (re-rate it, add actions
and move them on, de-escalate it); caseworkers and decision makers close it; readers,
decision makers and auditors read. A concern is where its trust is (the region most of its
open schools are in).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning.authority import trust_place
from services.commissioning.concerns import domain, handlers, queries
from services.commissioning.concerns.schemas import (
    ConcernActionAdding,
    ConcernActionStatusChange,
    ConcernClosing,
    ConcernDeEscalation,
    ConcernOpening,
    ConcernPage,
    ConcernRating,
    ConcernView,
    ConcernWritten,
)
from services.commissioning.handlers import new_id
from services.commissioning.knowledge import trust_fact
from services.commissioning.queries import Visibility
from services.commissioning.routing import Cursor, Limit
from shared.app import StoreDep
from shared.authority.acting import Acting
from shared.contracts.concerns import ConcernRag, ConcernStatus
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.steps import change, create, step
from shared.http.writes import Answer, WriteRequest, etag, read_responses, write_responses

router = APIRouter(prefix="/concerns", tags=["concerns"])
IdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The concern id (uuid4 hex).")]
ActionPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The action id (uuid4 hex).")
]
Reader = Annotated[Acting, step("commissioning.concerns.read")]
Opener = Annotated[WriteRequest, create("commissioning.concerns.open")]
Manager = Annotated[WriteRequest, change("commissioning.concerns.manage")]
Closer = Annotated[WriteRequest, change("commissioning.concerns.close")]
_CHANGE = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


def _answer(done: handlers.Result, code: int = status.HTTP_200_OK) -> Answer:
    return Answer(
        ConcernWritten(concern_id=done.concern_id, version=done.version, action_id=done.action_id),
        code,
        version=done.version,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ConcernWritten,
    summary="Record a concern about a trust",
    responses=write_responses(201, 401, 403, 409, 422, location=True),
)
async def open_concern(body: ConcernOpening, write: Opener, on: TodayDep) -> Response:
    """Its type, how it was referred, its RAG rating and its first review date."""
    cmd = domain.OpenConcern(
        concern_id=new_id(),
        trust_uid=body.trust_uid,
        concern_type=body.concern_type,
        referral=body.referral,
        referred_by=body.referred_by,
        rag=body.rag,
        review_on=body.review_on,
        opened_on=body.opened_on or on,
        summary=body.summary,
    )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.open_concern(uow, cmd=cmd, today=on)
        return Answer(
            ConcernWritten(concern_id=done.concern_id, version=done.version),
            status.HTTP_201_CREATED,
            version=done.version,
            location=f"/concerns/{done.concern_id}",
        )

    return await write.run(act)


@router.post(
    "/{concern_id}/ratings",
    response_model=ConcernWritten,
    summary="Re-rate a concern after a review",
    responses=_CHANGE,
)
async def rate_concern(
    concern_id: IdPath, body: ConcernRating, write: Manager, on: TodayDep
) -> Response:
    """A new RAG rating and the next review; the earlier ratings are kept."""

    def decide(state: domain.ConcernState) -> EventContract:
        return domain.rate(
            state,
            rag=body.rag,
            rated_on=body.rated_on or on,
            review_on=body.review_on,
            reason=body.reason,
            today=on,
        )

    async def act(uow: UnitOfWork) -> Answer:
        return _answer(await handlers.change(uow, concern_id=concern_id, decide=decide))

    return await write.run(act)


@router.post(
    "/{concern_id}/actions",
    status_code=status.HTTP_201_CREATED,
    response_model=ConcernWritten,
    summary="Add an action to a concern",
    responses=write_responses(201, 401, 403, 404, 409, 412, 422, 428),
)
async def add_concern_action(
    concern_id: IdPath, body: ConcernActionAdding, write: Manager, on: TodayDep
) -> Response:
    """An SRMA review, a trust financial forecast, a financial plan, a notice to improve
    under consideration, or another action (``action_id`` names it from now on)."""
    action_id = new_id()

    def decide(state: domain.ConcernState) -> EventContract:
        return domain.add_action(
            state,
            action_id=action_id,
            action_type=body.action_type,
            status=body.status,
            added_on=body.added_on or on,
            note=body.note,
            today=on,
        )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.change(uow, concern_id=concern_id, decide=decide, action_id=action_id)
        return _answer(done, status.HTTP_201_CREATED)

    return await write.run(act)


@router.post(
    "/{concern_id}/actions/{action_id}/status",
    response_model=ConcernWritten,
    summary="Change the status of a concern's action",
    responses=_CHANGE,
)
async def change_concern_action(
    concern_id: IdPath,
    action_id: ActionPath,
    body: ConcernActionStatusChange,
    write: Manager,
    on: TodayDep,
) -> Response:
    """A completed or cancelled action changes no more (409)."""

    def decide(state: domain.ConcernState) -> EventContract:
        return domain.change_action(
            state,
            action_id=action_id,
            status=body.status,
            changed_on=body.changed_on or on,
            reason=body.reason,
            today=on,
        )

    async def act(uow: UnitOfWork) -> Answer:
        done = await handlers.change(uow, concern_id=concern_id, decide=decide, action_id=action_id)
        return _answer(done)

    return await write.run(act)


@router.post(
    "/{concern_id}/de-escalation",
    response_model=ConcernWritten,
    summary="De-escalate a concern",
    responses=_CHANGE,
)
async def de_escalate_concern(
    concern_id: IdPath, body: ConcernDeEscalation, write: Manager, on: TodayDep
) -> Response:
    """To a less serious rating than it has (422 otherwise), monitored until the review."""

    def decide(state: domain.ConcernState) -> EventContract:
        return domain.de_escalate(
            state,
            rag=body.rag,
            de_escalated_on=body.de_escalated_on or on,
            review_on=body.review_on,
            reason=body.reason,
            today=on,
        )

    async def act(uow: UnitOfWork) -> Answer:
        return _answer(await handlers.change(uow, concern_id=concern_id, decide=decide))

    return await write.run(act)


@router.post(
    "/{concern_id}/closure",
    response_model=ConcernWritten,
    summary="Close a concern",
    responses=_CHANGE,
)
async def close_concern(
    concern_id: IdPath, body: ConcernClosing, write: Closer, on: TodayDep
) -> Response:
    """A closed concern is no longer shown against its trust, and changes no more."""

    def decide(state: domain.ConcernState) -> EventContract:
        return domain.close(state, closed_on=body.closed_on or on, reason=body.reason, today=on)

    async def act(uow: UnitOfWork) -> Answer:
        return _answer(await handlers.change(uow, concern_id=concern_id, decide=decide))

    return await write.run(act)


@router.get(
    "",
    response_model=ConcernPage,
    summary="List concerns about trusts",
    responses=problem_responses(401, 403, 422),
)
async def list_concerns(
    pool: PoolDep,
    acting: Reader,
    trust_uid: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status_: Annotated[ConcernStatus | None, Query(alias="status")] = None,
    rag: Annotated[ConcernRag | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ConcernPage:
    """Concerns where you act (all for a national scope), newest first, one page at a time."""
    visible = Visibility.of(acting.principal.scope, subject=None, published=False)
    return await queries.list_concerns(
        pool,
        trust_uid=trust_uid,
        status=status_,
        rag=rag,
        limit=limit,
        cursor=cursor,
        visible=visible,
    )


@router.get(
    "/{concern_id}",
    response_model=ConcernView,
    summary="Get a concern about a trust",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_concern(
    concern_id: IdPath, response: Response, store: StoreDep, acting: Reader
) -> ConcernView:
    """Its RAG history, its actions with theirs, and where its codes come from."""
    recorded = await store.read_stream(handlers.stream(concern_id))
    events = [r.decode(store.registry) for r in recorded]
    state = domain.fold(events)
    if state is None:
        raise NotFound(f"There is no concern {concern_id}.")
    acting.check(await trust_place(store.pool, state.trust_uid))
    trust = await trust_fact(store.pool, state.trust_uid)
    view = queries.concern_view(events, None if trust is None else trust.name)
    assert view is not None
    response.headers["ETag"] = etag(view.version)
    return view
