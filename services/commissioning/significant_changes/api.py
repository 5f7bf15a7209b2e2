"""The commissioning HTTP routes for significant changes to academies.

Authority (v3): caseworkers record a proposal and its objections; decision makers decide;
readers read. A change is where its academy is.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning.handlers import new_id
from services.commissioning.queries import Visibility
from services.commissioning.routing import Cursor, Limit
from services.commissioning.significant_changes import domain, handlers, queries
from services.commissioning.significant_changes.schemas import (
    ChangeDecision,
    ChangeDecisionView,
    ChangeObjectionView,
    ChangeProposal,
    ChangeWritten,
    Objection,
    SignificantChangePage,
    SignificantChangeView,
)
from shared.app import StoreDep
from shared.authority.acting import Acting
from shared.contracts.significant_changes import (
    SignificantChangeDecided,
    SignificantChangeObjectionRecorded,
    SignificantChangeProposed,
)
from shared.errors import NotFound
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.steps import change, create, step
from shared.http.writes import Answer, WriteRequest, etag, read_responses, write_responses

router = APIRouter(prefix="/significant-changes", tags=["significant changes"])
IdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The significant change id (uuid4 hex).")
]
Reader = Annotated[Acting, step("commissioning.significant_changes.read")]
Proposer = Annotated[WriteRequest, create("commissioning.significant_changes.propose")]
Objector = Annotated[WriteRequest, change("commissioning.significant_changes.record_objection")]
Decider = Annotated[WriteRequest, change("commissioning.significant_changes.decide")]
CHANGE_RESPONSES = write_responses(200, 401, 403, 404, 409, 412, 422, 428)


def _written(done: handlers.Written, code: int = status.HTTP_200_OK) -> Answer:
    created = code == status.HTTP_201_CREATED
    return Answer(
        ChangeWritten(significant_change_id=done.significant_change_id, version=done.version),
        code,
        version=done.version,
        location=f"/significant-changes/{done.significant_change_id}" if created else None,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ChangeWritten,
    summary="Record a proposed significant change to an academy",
    responses=write_responses(201, 401, 403, 404, 409, 422, location=True),
)
async def propose_change(body: ChangeProposal, write: Proposer, on: TodayDep) -> Response:
    """For an academy (a school in a trust: 422 naming ``urn`` otherwise), of a type the
    significant_change_types policy in force lists (which gives its tier), consulted on for
    at least the type's shortest period (422 naming ``change_type`` or ``consultation_end``)."""
    change_id = new_id()

    async def act(uow: UnitOfWork) -> Answer:
        trust_uid = await handlers.trust_of(uow, body.urn)
        events = domain.propose(
            change_id,
            urn=body.urn,
            trust_uid=trust_uid,
            change_type=body.change_type,
            description=body.description,
            consultation_start=body.consultation_start,
            consultation_end=body.consultation_end,
            types=await handlers.change_types(uow, on),
            today=on,
        )
        return _written(await handlers.create(uow, change_id, events), status.HTTP_201_CREATED)

    return await write.run(act)


@router.post(
    "/{significant_change_id}/objections",
    response_model=ChangeWritten,
    summary="Record an objection to a significant change",
    responses=CHANGE_RESPONSES,
)
async def record_objection(
    significant_change_id: IdPath, body: Objection, write: Objector, on: TodayDep
) -> Response:
    """While the change is undecided (409 once decided)."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load(uow, significant_change_id)
        events = domain.object_to(
            state,
            objector=body.objector,
            summary=body.summary,
            received_on=body.received_on,
            today=on,
        )
        return _written(await handlers.append(uow, state, events))

    return await write.run(act)


@router.post(
    "/{significant_change_id}/decision",
    response_model=ChangeWritten,
    summary="Decide a significant change",
    responses=CHANGE_RESPONSES,
)
async def decide_change(
    significant_change_id: IdPath, body: ChangeDecision, write: Decider, on: TodayDep
) -> Response:
    """Once, after the consultation has closed (409 naming ``consultation_end``), by a grade
    the significant_change_types policy in force allows for the type (422 naming
    ``decision_maker_grade``; a withdrawal by anyone); an approval needs ``equality`` (422
    naming it), and nothing is written when refused."""

    async def act(uow: UnitOfWork) -> Answer:
        state = await handlers.load(uow, significant_change_id)
        events = domain.decide(
            state,
            outcome=body.outcome,
            reasons=body.reasons,
            conditions=body.conditions,
            decision_maker_name=body.decision_maker_name,
            decision_maker_grade=body.decision_maker_grade,
            equality=body.equality,
            types=await handlers.change_types(uow, on),
            today=on,
        )
        return _written(await handlers.append(uow, state, events))

    return await write.run(act)


@router.get(
    "",
    response_model=SignificantChangePage,
    summary="List significant changes to academies",
    responses=problem_responses(401, 403, 422),
)
async def list_changes(
    pool: PoolDep,
    acting: Reader,
    urn: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="The academy's URN.")] = None,
    trust_uid: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="The trust's UID.")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SignificantChangePage:
    """Changes to academies where you act (all for a national scope), newest proposal first,
    one page at a time, with each one's outcome once decided."""
    visible = Visibility.of(acting.principal.scope, subject=None, published=False)
    return await queries.list_changes(
        pool, urn=urn, trust_uid=trust_uid, limit=limit, cursor=cursor, visible=visible
    )


@router.get(
    "/{significant_change_id}",
    response_model=SignificantChangeView,
    summary="Get a significant change",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_change(
    significant_change_id: IdPath, response: Response, store: StoreDep, acting: Reader
) -> SignificantChangeView:
    """The proposal, each objection and the decision, with who recorded each."""
    recorded = await store.read_stream(handlers.stream(significant_change_id))
    state = domain.fold(r.decode(store.registry) for r in recorded)
    if state is None:
        raise NotFound(f"There is no significant change {significant_change_id}.")
    acting.check(await handlers.school_place(store.pool, state.urn))
    proposal: SignificantChangeProposed | None = None
    proposed_by = ""
    objections: list[ChangeObjectionView] = []
    decision: ChangeDecisionView | None = None
    for r in recorded:
        e = r.decode(store.registry)
        if isinstance(e, SignificantChangeProposed):
            proposal, proposed_by = e, r.meta.actor
        elif isinstance(e, SignificantChangeObjectionRecorded):
            objections.append(
                ChangeObjectionView(
                    objector=e.objector,
                    summary=e.summary,
                    received_on=e.received_on,
                    recorded_by=r.meta.actor,
                )
            )
        elif isinstance(e, SignificantChangeDecided):
            decision = ChangeDecisionView(
                **e.model_dump(exclude={"significant_change_id", "equality"}),
                equality=e.equality,
                recorded_by=r.meta.actor,
            )
    assert proposal is not None
    response.headers["ETag"] = etag(state.version)
    return SignificantChangeView(
        significant_change_id=state.significant_change_id,
        urn=proposal.urn,
        trust_uid=proposal.trust_uid,
        change_type=proposal.change_type,
        tier=proposal.tier,
        types_policy_version=proposal.types_policy_version,
        description=proposal.description,
        consultation_start=proposal.consultation_start,
        consultation_end=proposal.consultation_end,
        proposed_on=proposal.proposed_on,
        proposed_by=proposed_by,
        objections=objections,
        decision=decision,
        version=state.version,
    )
