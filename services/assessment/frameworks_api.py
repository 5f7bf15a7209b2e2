"""Frameworks over HTTP: an administrator publishes a definition as the next version (a
national step); all may read (steps ``assessment.frameworks.*``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from services.assessment import handlers, queries
from services.assessment.frameworks import FrameworkDefinition
from services.assessment.schemas import FrameworkList, FrameworkVersionView
from shared.app import StoreDep
from shared.eventlog.unit import UnitOfWork
from shared.http.deps import PoolDep
from shared.http.problems import problem_responses
from shared.http.steps import create, step
from shared.http.writes import Answer, WriteRequest, write_responses

router = APIRouter(prefix="/frameworks", tags=["frameworks"])
readers = [step("assessment.frameworks.read")]
PublishFramework = Annotated[WriteRequest, create("assessment.frameworks.publish")]
FrameworkIdPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{1,63}$")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FrameworkVersionView,
    summary="Publish a framework's next version",
    responses=write_responses(201, 401, 403, 409, 422, location=True, versioned=False),
)
async def publish_framework(body: FrameworkDefinition, write: PublishFramework) -> Response:
    """Publish a framework definition as data: version 1 for a new id, else the next version."""

    async def act(uow: UnitOfWork) -> Answer:
        event = await handlers.publish_framework(uow, body)
        return Answer(
            queries.framework_view(event),
            status.HTTP_201_CREATED,
            location=f"/frameworks/{event.framework_id}/versions/{event.framework_version}",
        )

    return await write.run(act)


@router.get(
    "",
    response_model=FrameworkList,
    summary="List frameworks",
    responses=problem_responses(401, 403),
    dependencies=readers,
)
async def list_frameworks(pool: PoolDep) -> FrameworkList:
    """Every framework published, with its latest version."""
    return await queries.list_frameworks(pool)


@router.get(
    "/{framework_id}/versions/{version}",
    response_model=FrameworkVersionView,
    summary="Get one version of a framework",
    responses=problem_responses(401, 403, 404, 422),
    dependencies=readers,
)
async def get_framework_version(
    store: StoreDep, framework_id: FrameworkIdPath, version: Annotated[int, Path(ge=1)]
) -> FrameworkVersionView:
    """A framework version's pillars and themes."""
    return await queries.get_framework_version(store, framework_id, version)
