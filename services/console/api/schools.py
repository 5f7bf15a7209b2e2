"""Schools: search, and a school's page with its trust timeline, inspections and cases."""

from __future__ import annotations

import asyncio

from commissioning_client.api.cases import cases_list_cases
from commissioning_client.models import CasePage
from fastapi import APIRouter, Request
from fastapi.responses import Response
from registry_client.api.schools import (
    schools_get_school,
    schools_get_school_history,
    schools_list_schools,
)
from registry_client.models import SchoolHistory, SchoolPage, SchoolView

from services.console.api.deps import ApisDep
from services.console.templating import render
from services.console.views.common import parse_date
from services.console.views.schools import SchoolFilters, SchoolPageView, SchoolSearch

router = APIRouter()
PAGE_SIZE = 25
CASES_SHOWN = 25


@router.get("/schools", summary="Find a school")
async def find_school(request: Request, apis: ApisDep) -> Response:
    """Search by name or URN, filtered by local authority, region, phase and trust."""
    filters = SchoolFilters.from_query(request.query_params)
    page = None
    if (
        any(v for k, v in filters.as_query().items() if k != "cursor")
        or "q" in request.query_params
    ):
        reg = apis.registry
        page = await reg.ok(
            schools_list_schools.asyncio_detailed(
                client=reg.client,
                q=filters.q or None,
                la=filters.la or None,
                region=filters.region or None,
                phase=filters.phase or None,
                in_trust=filters.api_in_trust(),
                limit=PAGE_SIZE,
                cursor=filters.cursor or None,
            ),
            SchoolPage,
        )
    view = SchoolSearch.build(filters, page)
    return render(request, "schools/search.html", {"view": view, "title": "Find a school"})


@router.get("/schools/{urn}", summary="A school")
async def school_page(
    request: Request, urn: int, apis: ApisDep, as_of: str = "", cases_cursor: str = ""
) -> Response:
    """The school as it was on ``as_of`` (today by default), with its whole history."""
    when = parse_date(as_of)
    reg, com = apis.registry, apis.commissioning
    school, history, cases = await asyncio.gather(
        reg.ok(schools_get_school.asyncio_detailed(urn, client=reg.client, as_of=when), SchoolView),
        reg.ok(schools_get_school_history.asyncio_detailed(urn, client=reg.client), SchoolHistory),
        com.ok(
            cases_list_cases.asyncio_detailed(
                client=com.client, urn=urn, limit=CASES_SHOWN, cursor=cases_cursor or None
            ),
            CasePage,
        ),
    )
    view = SchoolPageView.build(school, history, cases, as_of=when, cases_cursor=cases_cursor)
    return render(
        request,
        "schools/school.html",
        {"view": view, "title": view.title, "back": "/schools"},
    )
