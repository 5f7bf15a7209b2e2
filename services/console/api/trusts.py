"""Trusts: find one; a trust's schools, pillars and indicators."""

from __future__ import annotations

import asyncio

from assessment_client.api.assessments import assessments_get_assessment
from assessment_client.api.indicators import indicators_get_trust_indicators
from assessment_client.api.profiles import profiles_get_trust_profile
from assessment_client.models import AssessmentView, TrustIndicators, TrustProfile
from fastapi import APIRouter, Request
from fastapi.responses import Response
from registry_client.api.schools import schools_get_school
from registry_client.api.trusts import (
    trusts_get_trust,
    trusts_list_trust_schools,
    trusts_list_trusts,
)
from registry_client.models import SchoolView, TrustPage, TrustSchoolPage, TrustView

from services.console.api.deps import ApisDep
from services.console.api.trust_interventions import trust_interventions_of
from services.console.clients import ApiProblem, Apis
from services.console.places import GRID_REFERENCES
from services.console.templating import render
from services.console.views.trusts import TrustList, TrustPageView

router = APIRouter()
# The registry's lists carry no grid references, so the map asks for each school's
# details: bounded, so a large trust's page stays quick (the table lists every school).
MAPPED_SCHOOLS = 40
SCHOOLS_SHOWN = 100


@router.get("/trusts", summary="Find a trust")
async def list_trusts(request: Request, apis: ApisDep, q: str = "", cursor: str = "") -> Response:
    """Open academy trusts by name."""
    reg = apis.registry
    page = await reg.ok(
        trusts_list_trusts.asyncio_detailed(
            client=reg.client, q=q or None, cursor=cursor or None, limit=25
        ),
        TrustPage,
    )
    return render(
        request,
        "trusts/list.html",
        {"view": TrustList.build(page, q=q, cursor=cursor), "title": "Trusts"},
    )


async def places_of(apis: Apis, urns: list[int]) -> dict[int, tuple[int | None, int | None]]:
    """Easting and northing of each school (the first ``MAPPED_SCHOOLS``); those looked up
    in the last while are remembered (``services.console.places``)."""
    reg = apis.registry
    wanted = urns[:MAPPED_SCHOOLS]
    known = GRID_REFERENCES.known(wanted)

    async def one(urn: int) -> tuple[int, tuple[int | None, int | None]]:
        school = await reg.ok(
            schools_get_school.asyncio_detailed(urn, client=reg.client), SchoolView
        )
        d = school.details
        east, north = d.easting, d.northing
        return urn, (
            east if isinstance(east, int) else None,
            north if isinstance(north, int) else None,
        )

    found = dict(await asyncio.gather(*(one(u) for u in wanted if u not in known)))
    GRID_REFERENCES.remember(found)
    return {**known, **found}


@router.get("/trusts/{uid}", summary="A trust")
async def trust_page(
    request: Request, uid: int, apis: ApisDep, schools_cursor: str = ""
) -> Response:
    """The trust: schools on a map, the five pillars side by side, indicators."""
    reg, ass = apis.registry, apis.assessment

    async def profile() -> TrustProfile | None:
        try:
            return await ass.ok(
                profiles_get_trust_profile.asyncio_detailed(uid, client=ass.client), TrustProfile
            )
        except ApiProblem as problem:
            if problem.status == 404:
                return None
            raise

    async def indicators() -> TrustIndicators | None:
        try:
            return await ass.ok(
                indicators_get_trust_indicators.asyncio_detailed(uid, client=ass.client),
                TrustIndicators,
            )
        except ApiProblem as problem:
            if problem.status == 404:
                return None
            raise

    trust, schools, standing, figures, whole_trust = await asyncio.gather(
        reg.ok(trusts_get_trust.asyncio_detailed(uid, client=reg.client), TrustView),
        reg.ok(
            trusts_list_trust_schools.asyncio_detailed(
                uid, client=reg.client, limit=SCHOOLS_SHOWN, cursor=schools_cursor or None
            ),
            TrustSchoolPage,
        ),
        profile(),
        indicators(),
        trust_interventions_of(apis, uid),
    )
    cited = sorted({p.assessment_id for p in standing.pillars}) if standing else []
    places, assessments = await asyncio.gather(
        places_of(apis, [s.urn for s in schools.items]),
        asyncio.gather(
            *(
                ass.ok(
                    assessments_get_assessment.asyncio_detailed(a, client=ass.client),
                    AssessmentView,
                )
                for a in cited
            )
        ),
    )
    view = TrustPageView.build(
        trust,
        schools,
        places,
        standing,
        list(assessments),
        figures,
        schools_cursor=schools_cursor,
    )
    return render(
        request,
        "trusts/trust.html",
        {
            "view": view,
            "trust_interventions": whole_trust,
            "title": view.title,
            "back": "/trusts",
        },
    )
