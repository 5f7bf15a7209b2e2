"""``GET /stuck-schools``: DfE's stuck schools, computed from the registry's Ofsted history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.registry.stuck.queries import stuck_schools
from services.registry.stuck.schemas import StuckSchoolList
from shared.app import StoreDep
from shared.http.deps import PoolDep, TodayDep
from shared.http.fields import IsoDate
from shared.http.problems import problem_responses
from shared.http.steps import step

router = APIRouter(
    prefix="/stuck-schools", tags=["schools"], dependencies=[step("registry.register.read")]
)


@router.get(
    "",
    response_model=StuckSchoolList,
    summary="List stuck schools (eligible for RISE) with the two inspections that made each",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def list_stuck_schools(
    pool: PoolDep,
    store: StoreDep,
    today: TodayDep,
    region: Annotated[
        str | None, Query(pattern=r"^[A-K]$", description="GOR region code, e.g. D.")
    ] = None,
    area: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="An area's name in any case."),
    ] = None,
    on: Annotated[
        IsoDate | None,
        Query(description="Apply the stuck_schools version in force on this day; today if absent."),
    ] = None,
) -> StuckSchoolList:
    """Open schools whose latest graded inspection is requires improvement or equivalent and
    whose one before was below good, still in the same structure, by the policy's version."""
    return await stuck_schools(pool, store, region=region, area=area, on=on or today)
