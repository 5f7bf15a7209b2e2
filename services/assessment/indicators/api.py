"""The indicators' HTTP route: one read, one view."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Path, Response

from services.assessment.indicators.queries import load_indicators_json
from services.assessment.indicators.schemas import TrustIndicators
from shared.app import RuntimeDep
from shared.errors import ServiceUnavailable
from shared.http.auth import Role, require_roles
from shared.http.problems import problem_responses

# Everyone who works with assessments or decisions may read the indicators.
READ_ROLES: tuple[Role, ...] = (
    Role.READER,
    Role.ASSESSOR,
    Role.MODERATOR,
    Role.CASEWORKER,
    Role.DECISION_MAKER,
    Role.AUDITOR,
)

TrustUid = Annotated[int, Path(ge=1, description="GIAS group UID of the trust")]


async def _read_pool(runtime: RuntimeDep) -> asyncpg.Pool:
    if runtime.pool is None:
        raise ServiceUnavailable("The assessment service is not connected to its database.")
    return runtime.pool


router = APIRouter(
    prefix="/trusts", tags=["indicators"], dependencies=[Depends(require_roles(*READ_ROLES))]
)


@router.get(
    "/{uid}/indicators",
    response_model=TrustIndicators,
    summary="A trust's indicators from the registry's events",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_trust_indicators(
    uid: TrustUid, pool: Annotated[asyncpg.Pool, Depends(_read_pool)]
) -> Response:
    """Ofsted profile, improvement record, growth, size, geography and phase mix of a trust's
    current schools, as of today. Facts only: there is no overall score or grade."""
    # The stored JSON goes out as it is: no parse, validate and dump on every read.
    return Response(await load_indicators_json(pool, uid), media_type="application/json")
