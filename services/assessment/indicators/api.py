"""The indicators' HTTP route: one read, one view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.assessment.indicators.queries import load_indicators_json
from services.assessment.indicators.schemas import TrustIndicators
from shared.http.deps import PoolDep
from shared.http.problems import problem_responses
from shared.http.steps import step

TrustUid = Annotated[int, Path(ge=1, description="GIAS group UID of the trust")]

# Seeded: everyone who works with assessments or decisions reads the indicators.
router = APIRouter(
    prefix="/trusts", tags=["indicators"], dependencies=[step("assessment.indicators.read")]
)


@router.get(
    "/{uid}/indicators",
    response_model=TrustIndicators,
    summary="A trust's indicators from the registry's events",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_trust_indicators(uid: TrustUid, pool: PoolDep) -> Response:
    """Ofsted profile, improvement record, growth, size, geography and phase mix of a trust's
    current schools, as of today. Facts only: there is no overall score or grade."""
    # The stored JSON goes out as it is: no parse, validate and dump on every read.
    return Response(await load_indicators_json(pool, uid), media_type="application/json")
