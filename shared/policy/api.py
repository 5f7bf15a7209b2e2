"""Policies over HTTP, the same routes in every service that keeps some.

Who may read and publish is the service's authority table's to say (steps
``<service>.policies.read`` and ``<service>.policies.publish``; seeded: every role reads,
a national administrator publishes). One publish route per kind, so that the OpenAPI
document shows each kind's document schema. Publishing the authority table itself takes
effect in this process at once (the cache is dropped after the commit).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, create_model

from shared.app import StoreDep
from shared.authority.table import AUTHORITY
from shared.contracts.policy import PolicySource, PolicyVersionFields
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import TodayDep
from shared.http.fields import IsoDate
from shared.http.problems import problem_responses
from shared.http.steps import create, step
from shared.http.writes import Answer, WriteRequest, read_responses, write_responses
from shared.policy.book import PolicyBook, PolicyKind
from shared.policy.store import (
    PolicyNotInForce,
    PolicyPublication,
    UnknownPolicy,
    publish,
    versions,
)
from shared.policy.versions import in_force

PolicyPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,63}$", description="The policy.")]


class PolicyVersionView(BaseModel):
    """One version of a policy, whole."""

    model_config = ConfigDict(frozen=True)

    policy: str
    version: int
    effective_from: date
    title: str
    summary: str | None
    sources: list[PolicySource]
    unverified: bool
    document: dict[str, Any]


class PolicyVersionSummary(BaseModel):
    """One version of a policy, without its document."""

    version: int
    effective_from: date
    title: str
    unverified: bool


class PolicyView(BaseModel):
    """A policy: what it is, its versions, and the one in force today."""

    policy: str
    title: str
    description: str
    versions: list[PolicyVersionSummary]
    in_force_today: int | None


class PolicyList(BaseModel):
    """Every policy the service keeps."""

    items: list[PolicyView]


def version_view(v: PolicyVersionFields) -> PolicyVersionView:
    """The API's view of a stored version."""
    return PolicyVersionView(
        policy=v.policy,
        version=v.policy_version,
        effective_from=v.effective_from,
        title=v.title,
        summary=v.summary,
        sources=list(v.sources),
        unverified=not all(s.verified for s in v.sources),
        document=v.document,
    )


def _summary(v: PolicyVersionFields) -> PolicyVersionSummary:
    return PolicyVersionSummary(
        version=v.policy_version,
        effective_from=v.effective_from,
        title=v.title,
        unverified=not all(s.verified for s in v.sources),
    )


def policy_router(book: PolicyBook) -> APIRouter:
    """The routes of ``book``'s policies: list, read a version or the one in force, publish."""
    router = APIRouter(prefix="/policies", tags=["policies"])
    readers = [step(f"{book.service}.policies.read")]

    async def view(source: Any, name: str, today: date) -> PolicyView:
        kind = book.kind(name)
        found = await versions(source, book, name)
        current = in_force(found, today)
        return PolicyView(
            policy=name,
            title=kind.title,
            description=kind.description,
            versions=[_summary(v) for v in found],
            in_force_today=None if current is None else current.policy_version,
        )

    @router.get(
        "",
        response_model=PolicyList,
        summary="List the policies this service keeps",
        responses=problem_responses(401, 403),
        dependencies=readers,
    )
    async def list_policies(store: StoreDep, today: TodayDep) -> PolicyList:
        return PolicyList(items=[await view(store, name, today) for name in sorted(book.kinds)])

    @router.get(
        "/{policy}",
        response_model=PolicyView,
        summary="A policy and its versions",
        responses=read_responses(401, 403, 404, 422),
        dependencies=readers,
    )
    async def get_policy(policy: PolicyPath, store: StoreDep, today: TodayDep) -> PolicyView:
        if policy not in book.kinds:
            raise UnknownPolicy(f"{book.service} keeps no policy {policy!r}")
        return await view(store, policy, today)

    @router.get(
        "/{policy}/versions/{version}",
        response_model=PolicyVersionView,
        summary="One version of a policy",
        responses=read_responses(401, 403, 404, 422),
        dependencies=readers,
    )
    async def get_policy_version(
        policy: PolicyPath, version: Annotated[int, Path(ge=1)], store: StoreDep
    ) -> PolicyVersionView:
        found = await versions(store, book, policy)
        if version > len(found):
            raise UnknownPolicy(f"{policy} has no version {version}")
        return version_view(found[version - 1])

    @router.get(
        "/{policy}/in-force",
        response_model=PolicyVersionView,
        summary="The version of a policy in force on a day",
        responses=read_responses(401, 403, 404, 409, 422),
        dependencies=readers,
    )
    async def get_policy_in_force(
        policy: PolicyPath,
        store: StoreDep,
        today: TodayDep,
        on: Annotated[IsoDate | None, Query(description="Default: today.")] = None,
    ) -> PolicyVersionView:
        day = on or today
        found = in_force(await versions(store, book, policy), day)
        if found is None:
            raise PolicyNotInForce(f"no version of {policy!r} had taken effect on {day}")
        return version_view(found)

    for kind in book.kinds.values():
        _add_publish_route(router, book, kind)
    return router


def _add_publish_route(router: APIRouter, book: PolicyBook, kind: PolicyKind) -> None:
    examples: list[Any] = (
        []
        if kind.example is None
        else [
            {
                "effective_from": "2027-04-01",
                "title": f"{kind.title}, April 2027",
                "summary": "What changed, in a sentence.",
                "sources": [{"title": "The guidance it was written from", "verified": False}],
                "document": dict(kind.example),
            }
        ]
    )
    body_model = create_model(
        f"{''.join(p.title() for p in kind.name.split('_'))}Publication",
        __base__=PolicyPublication,
        __doc__=f"A version of {kind.title} to publish: {kind.description}",
        document=(kind.document, ...),
    )
    if examples:
        body_model.model_config["json_schema_extra"] = {"examples": examples}
        body_model.model_rebuild(force=True)

    async def publish_version(
        body: PolicyPublication, write: WriteRequest, today: TodayDep, request: Request
    ) -> Response:
        # Read by the kind's own model (its errors placed at body.document...); stored as
        # the JSON it reads back as.
        publication = PolicyPublication.model_validate(body.model_dump(mode="json"))

        def taken_in() -> None:
            # A new authority table is used by this process from its next request.
            tables = request.app.state.authority
            if kind.name == AUTHORITY and tables is not None:
                tables.invalidate()

        async def act(uow: UnitOfWork) -> Answer:
            event = await publish(uow, book, kind.name, publication, today)
            return Answer(
                version_view(event),
                status.HTTP_201_CREATED,
                location=f"/policies/{kind.name}/versions/{event.policy_version}",
                after_commit=taken_in,
            )

        return await write.run(act)

    # The body is the kind's own publication model, so the OpenAPI document shows its schema.
    publish_version.__annotations__["body"] = body_model
    publish_version.__annotations__["write"] = Annotated[
        WriteRequest, create(f"{book.service}.policies.publish")
    ]
    publish_version.__name__ = f"publish_{kind.name}"
    router.add_api_route(
        f"/{kind.name}",
        publish_version,
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        response_model=PolicyVersionView,
        summary=f"Publish the next version of {kind.title}",
        responses=write_responses(201, 401, 403, 409, 422, location=True, versioned=False),
        name=f"publish_{kind.name}",
    )
