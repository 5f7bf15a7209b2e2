"""A school's Ofsted over HTTP: the latest graded outcome of whichever era, and its history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from services.registry.main import create_app
from services.registry.ofsted import import_ofsted
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
            "Quality of education": "4",
            "Behaviour and attitudes": "2",
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
            "quality_of_education": "inadequate",
            "behaviour_and_attitudes": "good",
            "personal_development": "good",
            "leadership_and_management": "requires_improvement",
        },
        "report_card": {},
        "safeguarding_effective": True,
        "ungraded_outcome": None,
        "category_of_concern": "requires_significant_improvement",
        "category_as_published": None,
        "category_basis": "derived",
        "category_rule_version": 1,
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
        "Ofsted inspection from 2025-01-15: key judgements behaviour_and_attitudes: good,"
        " leadership_and_management: requires_improvement, personal_development: good,"
        " quality_of_education: inadequate; requires significant improvement",
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
