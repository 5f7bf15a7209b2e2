"""A trust's profile: its standing published pillar judgements and its indicators. No grade."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.assessment import queries
from services.assessment.http_deps import PoolDep, readers
from services.assessment.indicators_evidence import load_trust_indicators
from services.assessment.schemas import TrustProfile
from shared.errors import NotFound
from shared.http.problems import problem_responses

router = APIRouter(prefix="/trusts", tags=["profiles"], dependencies=readers)
TrustUid = Annotated[int, Path(ge=1, description="GIAS group UID of the trust")]


@router.get(
    "/{uid}/profile",
    response_model=TrustProfile,
    summary="Get a trust's published pillar judgements and indicators",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_trust_profile(pool: PoolDep, uid: TrustUid) -> TrustProfile:
    """The latest published judgement of each pillar, plus indicators. Never an overall grade."""
    assessment_id, pillars = await queries.standing_judgements(pool, uid)
    indicators = await load_trust_indicators(pool, uid)
    if assessment_id is None and indicators is None:
        raise NotFound(f"nothing is known of trust {uid}")
    return TrustProfile(
        trust_uid=uid,
        assessment_id=assessment_id,
        pillars=pillars,
        indicators=None if indicators is None else indicators.model_dump(mode="json"),
    )
