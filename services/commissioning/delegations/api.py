"""The commissioning HTTP routes for delegations: a step delegated in a region to a deputy.

Seeded authority: a decision maker who may take a delegable step in a region (by their own
roles and scope) delegates it there to a named person for a period, no longer than their
own authority lasts, and may revoke it; readers of cases read the delegations where they
act, and anyone reads those granted to or by them. A delegation is used by deciding a case
under it: each use is recorded on it, and shows in that case's audit trail.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from services.commissioning import authority, handlers
from services.commissioning.delegations import handlers as delegating
from services.commissioning.delegations.schemas import (
    DelegationGranting,
    DelegationPage,
    DelegationRevoking,
    DelegationUse,
    DelegationView,
)
from services.commissioning.domain.delegations import DelegationState, GrantDelegation
from services.commissioning.routing import Delegate, DelegationReader, RevokeDelegation, written
from services.commissioning.schemas import Written
from shared.app import StoreDep
from shared.authority.acting import Acting
from shared.authority.rules import OutOfScope
from shared.authority.scope import Place
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import TodayDep
from shared.http.problems import problem_responses
from shared.http.writes import Answer, etag, read_responses, write_responses

router = APIRouter(prefix="/delegations", tags=["delegations"])
DelegationIdPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{32}$", description="The delegation id (uuid4 hex).")
]


def _view(state: DelegationState, today: date) -> DelegationView:
    d = state.delegation
    return DelegationView(
        delegation_id=d.delegation_id,
        step=d.step,
        region_code=d.region,
        delegate=d.delegate,
        grantor=d.grantor,
        grantor_roles=sorted(d.grantor_roles),
        grantor_scopes=d.grantor_scope.labels(),
        starts_on=d.starts_on,
        ends_on=d.ends_on,
        reason=state.reason,
        revoked_on=d.revoked_on,
        revocation_reason=state.revocation_reason,
        in_force_today=d.active_on(today),
        uses=[DelegationUse(case_id=case_id, used_on=on) for case_id, on in state.uses],
        version=d.version,
    )


def _readable(acting: Acting, state: DelegationState) -> bool:
    """Where the caller acts, or granted to or by them."""
    d = state.delegation
    if acting.principal.subject in (d.delegate, d.grantor):
        return True
    try:
        acting.check(Place(region=d.region))
    except OutOfScope:
        return False
    return True


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Written,
    summary="Delegate a step in a region to a named person for a period",
    responses=write_responses(201, 401, 403, 422, location=True),
)
async def grant_delegation(body: DelegationGranting, write: Delegate, today: TodayDep) -> Response:
    """Refused when the step cannot be delegated, when you do not hold it there yourself,
    or when the delegation would outlive your own authority."""
    cmd = GrantDelegation(
        delegation_id=handlers.new_id(),
        step=body.step,
        region_code=body.region_code,
        delegate=body.delegate,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        reason=body.reason,
    )

    async def act(uow: UnitOfWork) -> Answer:
        result = await delegating.grant_delegation(uow, cmd=cmd, today=today)
        return Answer(
            Written(id=result.id, version=result.version),
            status.HTTP_201_CREATED,
            version=result.version,
            location=f"/delegations/{result.id}",
        )

    return await write.run(act)


@router.get(
    "",
    response_model=DelegationPage,
    summary="List delegations",
    responses=problem_responses(401, 403, 422),
)
async def list_delegations(
    store: StoreDep,
    acting: DelegationReader,
    today: TodayDep,
    region: Annotated[str | None, Query(pattern=r"^[A-Z]$", description="GOR code.")] = None,
    delegate: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    in_force: Annotated[bool | None, Query(description="In force today.")] = None,
) -> DelegationPage:
    """Delegations where you act, or to or by you, newest start first."""
    found = await authority.delegation_states(store.pool, store.registry, delegate=delegate)
    items = [
        _view(s, today)
        for s in found
        if (region is None or s.delegation.region == region)
        and (in_force is None or s.delegation.active_on(today) == in_force)
        and _readable(acting, s)
    ]
    items.sort(key=lambda v: (v.starts_on, v.delegation_id), reverse=True)
    return DelegationPage(items=items)


@router.get(
    "/{delegation_id}",
    response_model=DelegationView,
    summary="Get a delegation",
    responses=read_responses(401, 403, 404, 422, versioned=True),
)
async def get_delegation(
    delegation_id: DelegationIdPath,
    response: Response,
    store: StoreDep,
    acting: DelegationReader,
    today: TodayDep,
) -> DelegationView:
    """A delegation, what was decided under it, and whether it is in force today."""
    state = await authority.load_delegation(store, delegation_id)
    if not _readable(acting, state):
        acting.check(Place(region=state.delegation.region))
    response.headers["ETag"] = etag(state.version)
    return _view(state, today)


@router.post(
    "/{delegation_id}/revoke",
    response_model=Written,
    summary="Revoke a delegation from today",
    responses=write_responses(200, 401, 403, 404, 409, 412, 422, 428),
)
async def revoke_delegation(
    delegation_id: DelegationIdPath,
    body: DelegationRevoking,
    write: RevokeDelegation,
    today: TodayDep,
) -> Response:
    """The delegate may not act under it from today."""

    async def act(uow: UnitOfWork) -> Answer:
        return written(
            await delegating.revoke_delegation(
                uow, delegation_id=delegation_id, reason=body.reason, today=today
            )
        )

    return await write.run(act)
