"""Area plans: the areas, and an area's plan with coverage over time and a map."""

from __future__ import annotations

import asyncio

from commissioning_client.api.areas import areas_get_area_plan
from commissioning_client.models import AreaPlan, AreasGetAreaPlanInterval
from fastapi import APIRouter, Request
from fastapi.responses import Response
from registry_client.api.areas import areas_list_areas
from registry_client.api.schools import schools_list_stuck_schools
from registry_client.models import AreaList, StuckSchoolList

from services.console.api.deps import ApisDep
from services.console.api.trusts import places_of
from services.console.templating import render
from services.console.views.areas import INTERVALS, AreaListView, AreaPlanView

router = APIRouter()
# A page of each of the plan's lists; the map places the schools of the page shown.
PLAN_PAGE = 25
COVERAGE_YEARS = 5


@router.get("/areas", summary="Area plans")
async def list_areas(request: Request, apis: ApisDep, priority: str = "") -> Response:
    """The areas commissioning plans by, with how many of their schools are in a trust."""
    reg = apis.registry
    only = {"true": True, "false": False}.get(priority)
    areas = await reg.ok(
        areas_list_areas.asyncio_detailed(client=reg.client, priority=only), AreaList
    )
    view = AreaListView.build(areas, priority=priority if only is not None else "")
    return render(request, "areas/list.html", {"view": view, "title": "Area plans"})


@router.get("/areas/{area}", summary="An area's plan")
async def area_plan(
    request: Request,
    area: str,
    apis: ApisDep,
    interval: str = "year",
    not_in_trust_cursor: str = "",
    under_intervention_cursor: str = "",
) -> Response:
    """Coverage over time, the schools not yet in a trust on a map, schools under
    intervention, stuck schools (the registry's list for the area) and open cases."""
    interval = interval if interval in INTERVALS else "year"
    com, reg = apis.commissioning, apis.registry
    plan, stuck = await asyncio.gather(
        com.ok(
            areas_get_area_plan.asyncio_detailed(
                area,
                client=com.client,
                years=COVERAGE_YEARS,
                interval=AreasGetAreaPlanInterval(interval),
                limit=PLAN_PAGE,
                not_in_trust_cursor=not_in_trust_cursor or None,
                under_intervention_cursor=under_intervention_cursor or None,
            ),
            AreaPlan,
        ),
        reg.ok(
            schools_list_stuck_schools.asyncio_detailed(client=reg.client, area=area),
            StuckSchoolList,
        ),
    )
    places = await places_of(apis, [s.urn for s in plan.schools_not_in_trust.items])
    view = AreaPlanView.build(
        plan,
        places,
        stuck,
        interval=interval,
        not_in_trust_cursor=not_in_trust_cursor,
        under_intervention_cursor=under_intervention_cursor,
    )
    return render(request, "areas/plan.html", {"view": view, "title": view.title, "back": "/areas"})
