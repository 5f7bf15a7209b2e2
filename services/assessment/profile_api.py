"""A trust's profile: its standing published pillar judgements and its indicators. No grade."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Response

from services.assessment import queries
from services.assessment.indicators.queries import load_indicators_json
from services.assessment.schemas import TrustProfile
from shared.errors import NotFound
from shared.http.deps import PoolDep
from shared.http.problems import problem_responses
from shared.http.steps import step

router = APIRouter(
    prefix="/trusts", tags=["profiles"], dependencies=[step("assessment.profiles.read")]
)
TrustUid = Annotated[int, Path(ge=1, description="GIAS group UID of the trust")]


@router.get(
    "/{uid}/profile",
    response_model=TrustProfile,
    summary="Get a trust's published pillar judgements and indicators",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_trust_profile(pool: PoolDep, uid: TrustUid) -> Response:
    """The latest published judgement of each pillar, plus indicators. Never an overall grade."""
    assessment_id, pillars = await queries.standing_judgements(pool, uid)
    try:
        # The stored indicators' JSON as it is, when current: no model built and dumped again.
        indicators: orjson.Fragment | None = orjson.Fragment(await load_indicators_json(pool, uid))
    except NotFound:
        indicators = None
    if assessment_id is None and indicators is None:
        raise NotFound(f"nothing is known of trust {uid}")
    # Written here rather than through the response model: TrustProfile documents this shape,
    # and tests/assessment check the body against it.
    body = {
        "trust_uid": uid,
        "assessment_id": assessment_id,
        "pillars": pillars,
        "indicators": indicators,
    }
    return Response(orjson.dumps(body), media_type="application/json")
