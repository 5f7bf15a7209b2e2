"""Routes name their step: the one way to say who may call a route, and where.

Every route of every service names the step it takes, and the service's authority table
(``shared/authority/table.py``, a policy in its ``PolicyBook``) says which roles may take
it and whether the caller's scope must cover the resource, be national, or need not be
checked. Nothing else says who may call a route::

    # a read
    @router.get("/cases", dependencies=[step("commissioning.cases.read")])
    # a read that narrows what it shows to where the caller acts
    async def list_cases(acting: Annotated[Acting, step("commissioning.cases.read")]): ...
    # a write: create(step) or change(step) (If-Match), then write.run(act)
    async def close_case(write: Annotated[WriteRequest, change("commissioning.cases.close")]):
        async def act(uow):
            state = await load_case(uow, case_id)
            authorize(uow, state.place)     # 403 unless the caller may act there
            ...

At the edge the caller's role is checked against the table in force today (403 naming
the roles that would do), and a national step, or one needing no scope, is settled there.
A step on a resource is settled in the unit of work, by ``shared.authority.acting.
authorize`` once the handler has loaded the resource and knows its place; the unit refuses
to append until then, and every event it appends records the caller's scopes and the
authority (step, table version, place, and whether by role, delegation or referral).

To add a route: pick a step name (``<service>.<resource>.<action>``), add its row to
``services/<service>/policies/authority/`` (a new ``v<N>.json``: shipping it publishes it),
name the step on the route, and if it touches a resource in a region, call ``authorize``
where the resource is loaded. The role matrix test is generated from the tables and fails
for a route whose step has no row.
"""

# No ``from __future__ import annotations`` here: the dependencies below are made in
# closures, and FastAPI reads their annotations, which must be live objects to do so.

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.authority.acting import Acting
from shared.authority.rules import check_edge
from shared.authority.tables import AuthorityTables
from shared.errors import ServiceUnavailable
from shared.http.auth import PrincipalDep
from shared.http.deps import TodayDep
from shared.http.writes import (
    IdempotencyKeyHeader,
    IfMatchHeader,
    Reason,
    WriteRequest,
    event_metadata,
    idempotency_of,
)


class StepDependency:
    """The dependency a route names its step with: the caller, checked at the edge."""

    def __init__(self, step: str) -> None:
        self.step = step

    async def __call__(self, request: Request, principal: PrincipalDep, on: TodayDep) -> Acting:
        tables: AuthorityTables | None = getattr(request.app.state, "authority", None)
        if tables is None:
            raise ServiceUnavailable(
                "This service keeps no authority table, so it cannot say who may do anything."
            )
        version = await tables.in_force(on)
        rule, grant = check_edge(principal, version.table, version.number, self.step)
        return Acting(principal, self.step, rule, version, on, grant, tables)

    def __repr__(self) -> str:
        return f"step({self.step!r})"


def step(name: str) -> Any:
    """``Depends`` naming a route's step: for ``dependencies=[...]`` or a parameter
    annotated ``Annotated[Acting, step(name)]`` when the route needs the caller."""
    return Depends(StepDependency(name))


def create(name: str) -> Any:
    """``Depends`` for a write that makes a new resource, taking step ``name``."""
    acting_of_request = StepDependency(name)

    async def create_request(
        request: Request,
        acting: Annotated[Acting, Depends(acting_of_request)],
        reason: Reason = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> WriteRequest:
        return await _write_request(request, acting, reason, idempotency_key)

    return Depends(create_request)


def change(name: str) -> Any:
    """``Depends`` for a change to a versioned resource (If-Match), taking step ``name``."""
    acting_of_request = StepDependency(name)

    async def change_request(
        request: Request,
        acting: Annotated[Acting, Depends(acting_of_request)],
        if_match: IfMatchHeader = None,
        reason: Reason = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> WriteRequest:
        return await _write_request(
            request, acting, reason, idempotency_key, changes=True, if_match=if_match
        )

    return Depends(change_request)


async def _write_request(
    request: Request,
    acting: Acting,
    reason: str | None,
    key: str | None,
    *,
    changes: bool = False,
    if_match: str | None = None,
) -> WriteRequest:
    principal = acting.principal
    metadata = event_metadata(principal, reason)
    if acting.grant is not None:
        # Settled at the edge: the write's own metadata already says so (an upload's
        # background run copies it).
        metadata = acting.stamp(metadata)
    return WriteRequest(
        request,
        principal,
        metadata,
        await idempotency_of(request, principal, key),
        acting,
        changes=changes,
        if_match_header=if_match,
    )


def steps_of(route: APIRoute) -> list[str]:
    """The steps a route names (exactly one, for every route but health and documents)."""
    found: list[str] = []

    def walk(dependant: Dependant) -> None:
        for sub in dependant.dependencies:
            if isinstance(sub.call, StepDependency):
                found.append(sub.call.step)
            walk(sub)

    walk(route.dependant)
    return sorted(set(found))
