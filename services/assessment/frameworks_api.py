"""Frameworks over HTTP: an admin publishes a definition as the next version; all may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from services.assessment import handlers, queries
from services.assessment.frameworks import FrameworkDefinition
from services.assessment.http_deps import readers
from services.assessment.schemas import FrameworkList, FrameworkVersionView
from shared.app import StoreDep
from shared.http.auth import AdminDep
from shared.http.deps import PoolDep
from shared.http.problems import problem_responses
from shared.http.writes import WriteMetadataDep

router = APIRouter(prefix="/frameworks", tags=["frameworks"])
FrameworkIdPath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{1,63}$")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FrameworkVersionView,
    summary="Publish a framework's next version",
    responses=problem_responses(401, 403, 409, 422),
)
async def publish_framework(
    body: FrameworkDefinition,
    response: Response,
    store: StoreDep,
    meta: WriteMetadataDep,
    _: AdminDep,
) -> FrameworkVersionView:
    """Publish a framework definition as data: version 1 for a new id, else the next version."""
    event = await handlers.publish_framework(store, body, meta)
    response.headers["Location"] = (
        f"/frameworks/{event.framework_id}/versions/{event.framework_version}"
    )
    return queries.framework_view(event)


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
