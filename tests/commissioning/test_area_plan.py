"""GET /areas/{area}/plan over HTTP: schools outside trusts, interventions, open cases, coverage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from services.commissioning.area_plans.api import router as area_plan_router
from services.commissioning.area_plans.queries import coverage_dates
from services.commissioning.candidates import candidates_for
from services.commissioning.candidates.service import forget_remembered
from services.commissioning.knowledge import knowledge_projection
from services.commissioning.main import POLICIES
from services.commissioning.projections import cases_projection
from shared.app import ServiceSpec, create_service_app
from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseOpened, FactorWeights, PillarWeight
from shared.contracts.interventions import InterventionIssued, InterventionStatusChanged
from shared.contracts.registry import SchoolRegistered
from shared.db import create_pool
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.commissioning.test_knowledge_projection import (
    COASTAL,
    DOWNS,
    GONE,
    append_story,
    details,
    story,
)
from tests.integration.helpers import wait_until

CASE_ID = "c0" * 16
INTERVENTION_ID = "d0" * 16


def bearer(settings: Settings, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(settings, roles=[role], subject='ann')}"}


@pytest.fixture
async def served(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, asyncpg.Pool]]:
    """The story in a database of its own, served by the area plan route and the consumers."""
    url = await fresh_database()
    pool = await create_pool(url, settings, max_size=4)
    try:
        store = EventStore(pool, all_contracts())
        await append_story(
            store,
            [
                *story(),
                (
                    "school-100009",
                    [
                        SchoolRegistered(
                            urn=100009,
                            details=details(
                                "Hastings Independent", type_group_name="Independent schools"
                            ),
                            effective_on=date(2010, 9, 1),
                        )
                    ],
                ),
                (
                    f"case-{CASE_ID}",
                    [
                        CaseOpened(
                            case_id=CASE_ID,
                            urns=[100001],
                            trigger="inadequate_dao",
                            title="Hastings Primary: directive academy order",
                            region_code="J",
                            area="Hastings",
                            la_codes=["845"],
                            opened_on=date(2026, 6, 1),
                        )
                    ],
                ),
                (
                    f"intervention-{INTERVENTION_ID}",
                    [
                        InterventionIssued(
                            intervention_id=INTERVENTION_ID,
                            kind="notice_to_improve",
                            trust_uid=COASTAL,
                            status="issued",
                            issued_on=date(2026, 2, 1),
                            grounds="Weak financial management",
                        )
                    ],
                ),
            ],
        )
    except BaseException:
        await pool.close()
        raise
    spec = ServiceSpec(
        name="commissioning",
        title="area plan test",
        description="the area plan route and the consumers it reads",
        registry=all_contracts(),
        routers=[area_plan_router],
        consumers=lambda: [knowledge_projection(), cases_projection()],
        policies=POLICIES,
    )
    app = create_service_app(spec, settings, url=url)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                yield c, pool
    finally:
        await pool.close()


@pytest.fixture
def client(served: tuple[httpx.AsyncClient, asyncpg.Pool]) -> httpx.AsyncClient:
    return served[0]


async def plan_of(
    client: httpx.AsyncClient, settings: Settings, area: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/areas/{area}/plan", params=params, headers=bearer(settings, Role.READER)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _ready(client: httpx.AsyncClient, settings: Settings) -> None:
    async def projected() -> bool:
        plan = await plan_of(client, settings, "East Sussex")
        return bool(
            plan["open_cases"]["total"] == 1 and plan["schools_under_intervention"]["total"] == 2
        )

    await wait_until(projected, what="the consumers to project the story")


async def test_an_area_plan_lists_schools_interventions_cases_and_coverage(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await _ready(client, settings)
    plan = await plan_of(client, settings, "east sussex", interval="year", years=10)
    assert plan["area"] == {
        "name": "East Sussex",
        "kind": "la",
        "la_codes": ["845"],
        "districts": [],
        "eia": True,
        "priority": False,
    }
    assert [s["urn"] for s in plan["schools_not_in_trust"]["items"]] == [100001]
    assert plan["schools_not_in_trust"]["items"][0]["ofsted_grade"] == "inadequate"
    under = plan["schools_under_intervention"]["items"]
    assert [(s["urn"], s["trust_uid"], s["trust_name"]) for s in under] == [
        (100002, COASTAL, "Coastal Learning Trust"),
        (100003, COASTAL, "Coastal Learning Trust"),
    ]
    assert [i["kind"] for i in under[0]["interventions"]] == ["notice_to_improve"]
    assert plan["open_cases"]["items"] == [
        {
            "case_id": CASE_ID,
            "title": "Hastings Primary: directive academy order",
            "trigger": "inadequate_dao",
            "status": "open",
            "urns": [100001],
            "opened_on": "2026-06-01",
        }
    ]
    by_date = {p["on"]: p for p in plan["coverage"]}
    # 100002 joined a trust in September 2019, 100003 in September 2022 (then moved trusts).
    assert [
        (by_date[f"{y}-12-31"]["schools_open"], by_date[f"{y}-12-31"]["schools_in_trust"])
        for y in (2018, 2019, 2022, 2025)
    ] == [(3, 0), (3, 1), (3, 2), (3, 2)]
    assert by_date["2022-12-31"]["pupils"] == 640
    assert by_date["2022-12-31"]["pupils_in_trust"] == 440
    assert by_date["2022-12-31"]["share_schools_in_trust"] == pytest.approx(0.6667)


async def test_a_district_area_holds_only_its_district(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await _ready(client, settings)
    plan = await plan_of(client, settings, "Hastings")
    assert plan["area"]["kind"] == "district"
    # Not the independent school: it could never join a trust.
    assert [s["urn"] for s in plan["schools_not_in_trust"]["items"]] == [100001]
    # Bexhill Academy is in Rother, not Hastings.
    assert [s["urn"] for s in plan["schools_under_intervention"]["items"]] == [100002]
    assert plan["open_cases"]["total"] == 1
    leeds = await plan_of(client, settings, "Leeds", interval="year")
    assert leeds["open_cases"]["total"] == 0
    assert leeds["schools_under_intervention"]["total"] == 0
    # The closed Leeds school counts until it closed.
    last = leeds["coverage"][-1]
    assert (last["schools_open"], last["schools_in_trust"]) == (1, 1)


async def test_long_lists_are_paged(client: httpx.AsyncClient, settings: Settings) -> None:
    await _ready(client, settings)
    first = await plan_of(client, settings, "East Sussex", limit=1)
    page = first["schools_under_intervention"]
    assert page["total"] == 2 and [s["urn"] for s in page["items"]] == [100002]
    second = await plan_of(
        client, settings, "East Sussex", limit=1, under_intervention_cursor=page["next_cursor"]
    )
    page2 = second["schools_under_intervention"]
    assert [s["urn"] for s in page2["items"]] == [100003] and page2["next_cursor"] is None
    bad = await client.get(
        "/areas/East Sussex/plan",
        params={"not_in_trust_cursor": "!!"},
        headers=bearer(settings, Role.READER),
    )
    assert bad.status_code == 422


async def test_unknown_areas_and_roles(client: httpx.AsyncClient, settings: Settings) -> None:
    missing = await client.get("/areas/Atlantis/plan", headers=bearer(settings, Role.READER))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    for role in (Role.CASEWORKER, Role.DECISION_MAKER, Role.AUDITOR):
        ok = await client.get("/areas/Leeds/plan", headers=bearer(settings, role))
        assert ok.status_code == 200, role
    for role in (Role.ASSESSOR, Role.DATA_FEED):
        refused = await client.get("/areas/Leeds/plan", headers=bearer(settings, role))
        assert refused.status_code == 403, role
    assert (await client.get("/areas/Leeds/plan")).status_code == 401


def test_coverage_dates_are_month_or_year_ends_then_today() -> None:
    today = date(2026, 11, 22)
    months = coverage_dates(today, 1, "month")
    assert months[0] == date(2025, 11, 30) and months[-2:] == [date(2026, 10, 31), today]
    assert len(months) == 13
    assert coverage_dates(today, 3, "year") == [
        date(2023, 12, 31),
        date(2024, 12, 31),
        date(2025, 12, 31),
        today,
    ]


async def test_a_trust_under_a_notice_is_excluded_from_candidates_until_it_is_lifted(
    served: tuple[httpx.AsyncClient, asyncpg.Pool], settings: Settings
) -> None:
    client, pool = served
    await _ready(client, settings)
    forget_remembered()
    pillars = [PillarWeight(pillar="school_improvement", weight=1)]
    ranked = await candidates_for(pool, urns=[100001], pillars=pillars, factors=FactorWeights())
    assert [c.trust_uid for c in ranked.candidates] == [DOWNS]
    assert [(e.trust_uid, e.reason_code, e.reason) for e in ranked.excluded] == [
        (COASTAL, "notice_to_improve", "Under an active notice to improve issued 2026-02-01"),
        (GONE, "trust_closed", "The trust is closed"),
    ]
    store = EventStore(pool, all_contracts())
    lifted = InterventionStatusChanged(
        intervention_id=INTERVENTION_ID,
        trust_uid=COASTAL,
        previous_status="issued",
        status="lifted",
        effective_on=date(2026, 9, 1),
    )
    await store.append(
        f"intervention-{INTERVENTION_ID}",
        [NewEvent(lifted, EventMetadata(actor="tester"))],
        expected_version=1,
    )

    async def back() -> bool:
        again = await candidates_for(pool, urns=[100001], pillars=pillars, factors=FactorWeights())
        return [c.trust_uid for c in again.candidates] == [COASTAL, DOWNS]

    await wait_until(back, what="the lifted notice to stop excluding the trust")
