"""The commissioning HTTP routes for interventions against trusts and academies.

Seeded authority: caseworkers issue notices and move their statuses (the decision to
intervene is taken outside this system and recorded here); readers, decision makers and
auditors read. A notice is where its academy is, or where its trust is (the region most of
its open schools are in); a published notice is read by anyone who reads notices.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning import authority, handlers, queries
from services.commissioning.domain.interventions import ChangeStatus, IssueIntervention
from services.commissioning.interventions import handlers as notices
from services.commissioning.interventions.schemas import (
    InterventionIssuedView,
    InterventionIssuing,
    InterventionPage,
    InterventionStatusChange,
    InterventionView,
)
from services.commissioning.queries import Visibility
from services.commissioning.routing import (
    ChangeNoticeStatus,
    Cursor,
    InterventionReader,
    IssueNotice,
    Limit,
    Within,
    written,
)
from services.commissioning.schemas import Written
from shared.contracts.interventions import InterventionKind, InterventionStatus
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep, TodayDep
from shared.http.problems import problem_responses
from shared.http.writes import Answer, etag, read_responses, write_responses

router = APIRouter(prefix="/interventions", tags=["interventions"])
InterventionIdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The intervention id (uuid4 hex).")
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InterventionIssuedView,
    summary="Issue a notice against a trust or an academy",
    responses=write_responses(201, 401, 403, 409, 422, location=True),
)
async def issue_intervention(
    body: InterventionIssuing, write: IssueNotice, on: TodayDep
) -> Response:
    """The notice follows the intervention policy version in force on its issue date and is
    decided by a grade that version names for its kind (409 naming the version and the
    allowed deciders otherwise): a termination warning notice is due back in its working
    days (15 in version 2), a notice to improve is reviewed at its interval, and a
    termination notice against an academy opens a rebrokerage case for it."""
    cmd = IssueIntervention(
        intervention_id=handlers.new_id(),
        kind=body.kind,
        trust_uid=body.trust_uid,
        urn=body.urn,
        issued_on=body.issued_on or on,
        status=body.status,
        grounds=body.grounds,
        conditions=body.conditions,
        escalated_from=body.escalated_from,
        published=body.published,
        decided_by=body.decided_by,
        decider_grade=body.decider_grade,
        evidence_ids=body.evidence_ids,
    )

    async def act(uow: UnitOfWork) -> Answer:
        issued = await notices.issue_intervention(uow, cmd=cmd, today=on)
        return Answer(
            InterventionIssuedView(
                intervention_id=issued.intervention_id, rebrokerage_case_id=issued.case_id
            ),
            status.HTTP_201_CREATED,
            version=issued.version,
            location=f"/interventions/{issued.intervention_id}",
        )

    return await write.run(act)


@router.get(
    "",
    response_model=InterventionPage,
    summary="List interventions",
    responses=problem_responses(401, 403, 422),
)
async def list_interventions(
    pool: PoolDep,
    acting: InterventionReader,
    trust_uid: Annotated[int | None, Query(ge=1)] = None,
    status_: Annotated[InterventionStatus | None, Query(alias="status")] = None,
    kind: Annotated[InterventionKind | None, Query()] = None,
    active: Annotated[bool | None, Query(description="Still counts against the trust.")] = None,
    within: Within = "mine",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> InterventionPage:
    """Interventions, newest first, filtered, one page at a time: those where you act (all
    for a national scope), and with ``scope=all`` every published one too."""
    filters = queries.InterventionFilters(
        trust_uid=trust_uid, status=status_, kind=kind, active=active
    )
    visible = Visibility.of(acting.principal.scope, subject=None, published=within == "all")
    return await queries.list_interventions(
        pool, filters=filters, limit=limit, cursor=cursor, visible=visible
    )


@router.get(
    "/{intervention_id}",
    response_model=InterventionView,
    summary="Get an intervention",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_intervention(
    intervention_id: InterventionIdPath,
    response: Response,
    pool: PoolDep,
    acting: InterventionReader,
) -> InterventionView:
    """An intervention with its status history (an unpublished one, where you act)."""
    view = await queries.get_intervention(pool, intervention_id)
    if not view.published:
        acting.check(
            await authority.intervention_place(pool, trust_uid=view.trust_uid, urn=view.urn)
        )
    response.headers["ETag"] = etag(view.version)
    return view


@router.post(
    "/{intervention_id}/status",
    response_model=Written,
    summary="Change an intervention's status",
    responses=write_responses(200, 401, 403, 404, 409, 412, 422, 428),
)
async def change_status(
    intervention_id: InterventionIdPath,
    body: InterventionStatusChange,
    write: ChangeNoticeStatus,
    on: TodayDep,
) -> Response:
    """Move the intervention along, as its own policy version allows for its kind, decided
    by a grade it names for the kind (409 naming the version and the allowed statuses or
    deciders otherwise)."""
    cmd = ChangeStatus(
        status=body.status,
        effective_on=body.effective_on or on,
        decided_by=body.decided_by,
        decider_grade=body.decider_grade,
        reason=body.reason,
        evidence_ids=body.evidence_ids,
    )

    async def act(uow: UnitOfWork) -> Answer:
        result = await notices.change_intervention_status(
            uow, intervention_id=intervention_id, cmd=cmd, today=on
        )
        return written(result)

    return await write.run(act)
