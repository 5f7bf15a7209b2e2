"""The area plan's route: parse, read the plan, answer.

An area's plan lists its open cases and schools under intervention: it is read where the
area is (step ``commissioning.areas.read``: the area's region and LAs).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.commissioning.area_plans.queries import area_plan
from services.commissioning.area_plans.schemas import AreaPlan, Interval
from services.commissioning.knowledge.facts import find_area
from services.commissioning.routing import AreaReader
from shared import reference
from shared.authority.scope import Place, place_of_schools
from shared.errors import NotFound
from shared.http.deps import PoolDep, TodayDep
from shared.http.paging import decode_key
from shared.http.problems import problem_responses
from shared.reference import Area

router = APIRouter(prefix="/areas", tags=["areas"])
AreaName = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The area's name in any case, URL-encoded, e.g. West%20Somerset.",
    ),
]
Cursor = Annotated[
    str | None, Query(max_length=100, description="The `next_cursor` of the previous page.")
]


@router.get(
    "/{area}/plan",
    response_model=AreaPlan,
    summary="The commissioning plan for an area",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_area_plan(
    area: AreaName,
    pool: PoolDep,
    today: TodayDep,
    acting: AreaReader,
    years: Annotated[int, Query(ge=1, le=20, description="How far back coverage goes.")] = 5,
    interval: Annotated[Interval, Query(description="Coverage at month or year ends.")] = "month",
    limit: Annotated[int, Query(ge=1, le=500, description="Items per list.")] = 100,
    not_in_trust_cursor: Cursor = None,
    under_intervention_cursor: Cursor = None,
) -> AreaPlan:
    """Schools not in a trust, schools in trusts under intervention, open cases, coverage."""
    found = find_area(area)
    if found is None:
        raise NotFound(f"No area is called {area!r}.", extra={"name": area})
    acting.check(area_place(found))
    return await area_plan(
        pool,
        found,
        today=today,
        years=years,
        interval=interval,
        limit=limit,
        not_in_trust_after=decode_key(not_in_trust_cursor, name="not_in_trust_cursor") or 0,
        under_intervention_after=decode_key(
            under_intervention_cursor, name="under_intervention_cursor"
        )
        or 0,
    )


def area_place(area: Area) -> Place:
    """Where an area is: its LAs, and the region they are in."""
    las = reference.local_authorities()
    return place_of_schools(
        (las[code].region_code if code in las else None, code) for code in area.la_codes
    )
