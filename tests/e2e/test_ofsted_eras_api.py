"""A school's Ofsted over HTTP: the latest graded outcome of whichever era, and its history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.registry.main import create_app
from services.registry.ofsted.importer import import_ofsted
from shared.contracts.registry import SchoolRegistered
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.integration.test_registry_projections import (
    append,
    fresh_urns,
    projected,
    school_details,
)
from tests.registry import gias_files as g


@pytest.fixture(scope="module")
async def app(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    """The registry service, running its projection."""
    application = create_app(settings, url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with a reader's token."""
    token = issue_token(settings, roles=[Role.READER], subject="t")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c


HEADER = [
    "URN",
    "Inspection type",
    "Inspection start date",
    "Overall effectiveness",
    "Category of concern",
    "Safeguarding is effective?",
    "Quality of education",
    "Behaviour and attitudes",
    "Personal development",
    "Effectiveness of leadership and management",
    "Ungraded inspection overall outcome",
    "Curriculum and teaching",
    "Leadership and governance",
    "Achievement",
]


async def test_the_latest_graded_outcome_of_any_era_is_shown_with_its_category(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    store: EventStore = app.state.runtime.store
    urn, other = await fresh_urns(store, 2)
    for u in (urn, other):
        await append(
            store,
            f"school-{u}",
            SchoolRegistered(
                urn=u, details=school_details(f"Era School {u}"), effective_on=date(2010, 9, 1)
            ),
        )
    rows = [
        {
            "URN": str(urn),
            "Inspection start date": "12/03/2019",
            "Overall effectiveness": "3",
        },
        {
            "URN": str(urn),
            "Inspection start date": "15/01/2025",
            "Quality of education": "3",
            "Behaviour and attitudes": "4",
            "Personal development": "2",
            "Effectiveness of leadership and management": "3",
            "Safeguarding is effective?": "Yes",
        },
        {
            "URN": str(urn),
            "Inspection type": "Monitoring",
            "Inspection start date": "10/06/2025",
            "Ungraded inspection overall outcome": "Taking effective action",
        },
        {
            "URN": str(other),
            "Inspection start date": "14/01/2026",
            "Curriculum and teaching": "Expected standard",
            "Leadership and governance": "Needs attention",
            "Achievement": "Urgent improvement",
            "Safeguarding is effective?": "Met",
        },
    ]
    path = g.write(tmp_path / "ofsted_mi.csv", HEADER, rows)
    report = await import_ofsted(store, path, actor="tester")
    assert report.rejected == []
    await projected(store.pool, urn, 4)
    await projected(store.pool, other, 2)

    school = (await client.get(f"/schools/{urn}")).json()
    # The monitoring visit is later, but ungraded: the 2024/25 inspection is the outcome.
    assert school["ofsted"] == {
        "framework": "key_judgements",
        "inspection_start": "2025-01-15",
        "publication_date": None,
        "inspection_type": None,
        "overall_effectiveness": None,
        "key_judgements": {
            "quality_of_education": "requires_improvement",
            "behaviour_and_attitudes": "inadequate",
            "personal_development": "good",
            "leadership_and_management": "requires_improvement",
        },
        "report_card": {},
        "safeguarding_effective": True,
        "ungraded_outcome": None,
        "category_of_concern": "requires_significant_improvement",
        "category_as_published": None,
        "category_basis": "derived",
        "category_rule_version": 2,
    }
    as_of = (await client.get(f"/schools/{urn}", params={"as_of": "2024-12-31"})).json()
    assert as_of["ofsted"]["framework"] == "single_grade"
    assert as_of["ofsted"]["overall_effectiveness"] == "requires_improvement"

    history = (await client.get(f"/schools/{urn}/history")).json()
    texts = [
        e["summary"]["text"]
        for e in history["events"]
        if e["event_type"] == "registry.OfstedInspectionRecorded"
    ]
    assert texts == [
        "Ofsted inspection from 2019-03-12: requires_improvement",
        "Ofsted inspection from 2025-01-15: key judgements behaviour_and_attitudes: inadequate,"
        " leadership_and_management: requires_improvement, personal_development: good,"
        " quality_of_education: requires_improvement; requires significant improvement",
        "Ofsted inspection from 2025-06-10: ungraded: Taking effective action",
    ]

    card = (await client.get(f"/schools/{other}")).json()["ofsted"]
    assert card["framework"] == "report_card"
    assert card["report_card"] == {
        "curriculum_and_teaching": "expected_standard",
        "leadership_and_governance": "needs_attention",
        "achievement": "urgent_improvement",
    }
    assert (card["category_of_concern"], card["category_basis"]) == (
        "requires_significant_improvement",
        "derived",
    )


STUCK_HEADER = [
    "URN",
    "Inspection start date",
    "Overall effectiveness",
    "Quality of education",
    "Effectiveness of leadership and management",
    "Leadership and governance",
]


async def test_stuck_schools_are_listed_with_the_rule_version_and_the_two_inspections(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    store: EventStore = app.state.runtime.store
    by_single, by_card, not_stuck, elsewhere = await fresh_urns(store, 4)
    for u in (by_single, by_card, not_stuck, elsewhere):
        details = school_details(f"Stuck? {u}")
        if u == elsewhere:
            details = school_details(
                f"Stuck? {u}", la_code="202", la_name="Camden", region_code="H"
            )
        await append(
            store,
            f"school-{u}",
            SchoolRegistered(urn=u, details=details, effective_on=date(2010, 9, 1)),
        )

    def row(urn: int, on: str, **grades: str) -> dict[str, str]:
        return {"URN": str(urn), "Inspection start date": on, **grades}

    rows = [
        row(by_single, "10/01/2021", **{"Overall effectiveness": "3"}),
        row(by_single, "15/01/2025", **{"Quality of education": "3"}),
        row(by_card, "15/01/2025", **{"Effectiveness of leadership and management": "3"}),
        row(by_card, "14/01/2026", **{"Leadership and governance": "Needs attention"}),
        row(not_stuck, "10/01/2021", **{"Overall effectiveness": "2"}),
        row(not_stuck, "15/01/2025", **{"Quality of education": "3"}),
        row(elsewhere, "10/01/2021", **{"Overall effectiveness": "3"}),
        row(elsewhere, "10/01/2023", **{"Overall effectiveness": "3"}),
    ]
    report = await import_ofsted(
        store, g.write(tmp_path / "stuck.csv", STUCK_HEADER, rows), actor="tester"
    )
    assert report.rejected == []
    for u in (by_single, by_card, not_stuck, elsewhere):
        await projected(store.pool, u, 3)

    response = await client.get("/stuck-schools", params={"region": "D"})
    assert response.status_code == 200, response.text
    listed = response.json()
    assert listed["rule_version"] == 1
    mine = {i["urn"]: i for i in listed["items"] if i["urn"] in (by_single, by_card, not_stuck)}
    assert sorted(mine) == sorted([by_single, by_card])
    first = mine[by_single]
    assert first["rule_version"] == 1
    assert (first["previous"]["framework"], first["previous"]["inspection_start"]) == (
        "single_grade",
        "2021-01-10",
    )
    assert (first["latest"]["framework"], first["latest"]["key_judgements"]) == (
        "key_judgements",
        {"quality_of_education": "requires_improvement"},
    )
    assert mine[by_card]["latest"]["report_card"] == {
        "leadership_and_governance": "needs_attention"
    }
    assert elsewhere not in {i["urn"] for i in listed["items"]}

    # The school's own view carries the same item, found by the same rule; as it was on a
    # day it carries none (stuck is today's standing), nor does a school that is not stuck.
    for u in (by_single, by_card):
        view = await client.get(f"/schools/{u}")
        assert view.status_code == 200, view.text
        assert view.json()["stuck"] == mine[u]
    assert (await client.get(f"/schools/{not_stuck}")).json()["stuck"] is None
    dated = await client.get(f"/schools/{by_single}", params={"as_of": "2026-02-01"})
    assert dated.status_code == 200, dated.text
    assert dated.json()["stuck"] is None

    london = (await client.get("/stuck-schools", params={"region": "H"})).json()
    assert elsewhere in {i["urn"] for i in london["items"]}
    leeds = (await client.get("/stuck-schools", params={"area": "leeds"})).json()
    assert {by_single, by_card} <= {i["urn"] for i in leeds["items"]}
    assert elsewhere not in {i["urn"] for i in leeds["items"]}

    unknown = await client.get("/stuck-schools", params={"area": "Atlantis"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
