"""Ofsted's trust inspections over HTTP: imported into the registry, shown on its trust view,
and shown by assessment beside the indicators and in the profile, never as a pillar grade."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.assessment.main import create_app as assessment_app
from services.registry.main import create_app as registry_app
from services.registry.trust_inspections.importer import import_trust_inspections
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests.assessment.helpers import Api
from tests.assessment.test_api import profile_of
from tests.integration.helpers import wait_until
from tests.registry import gias_files as g

HEADER = [
    "Trust UID",
    "Inspection number",
    "Inspection start date",
    "Publication date",
    "Report URL",
    "Leadership and governance",
    "Quality of education across the trust",
    "Safeguarding",
]


@pytest.fixture
async def registry(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    """The registry service, running its projection."""
    application = registry_app(settings, url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(settings: Settings, database_url: str, pool: asyncpg.Pool) -> AsyncIterator[Api]:
    """The assessment service, running its consumers, as the assessment tests drive it."""
    app = assessment_app(settings, url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, settings, pool)


async def _trust_view(registry: FastAPI, settings: Settings, uid: int) -> dict[str, Any]:
    token = issue_token(settings, roles=[Role.READER], subject="t")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=registry),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:

        async def shows() -> bool:
            r = await client.get(f"/trusts/{uid}")
            return r.status_code == 200 and len(r.json()["trust_inspections"]) == 2

        await wait_until(shows, what=f"the trust view of {uid} to show its inspections")
        body: dict[str, Any] = (await client.get(f"/trusts/{uid}")).json()
        return body


async def test_an_imported_trust_inspection_is_shown_as_evidence_and_grades_no_pillar(
    registry: FastAPI, api: Api, settings: Settings, tmp_path: Path
) -> None:
    framework_id = await api.framework()
    uid = await api.trust()
    aid = await api.start(framework_id, uid)
    await api.complete(aid, "secure")
    published = await api.client.post(
        f"/assessments/{aid}/publish", headers=await api.at(aid, api.moderator)
    )
    assert published.status_code == 200, published.text
    before = await profile_of(api, uid, aid)
    assert before["indicators"]["trust_inspections"]["latest"] is None

    path = g.write(
        tmp_path / "trust_inspections.csv",
        HEADER,
        [
            {
                "Trust UID": str(uid),
                "Inspection number": "TI-OLD",
                "Inspection start date": "14/01/2025",
                "Leadership and governance": "Needs attention",
            },
            {
                "Trust UID": str(uid),
                "Inspection number": "TI-NEW",
                "Inspection start date": "02/03/2026",
                "Publication date": "20/04/2026",
                "Report URL": f"https://reports.example/trust/{uid}",
                "Leadership and governance": "Urgent improvement",
                "Quality of education across the trust": "Expected standard",
                "Safeguarding": "Not met",
            },
        ],
    )
    store: EventStore = registry.state.runtime.store
    report = await import_trust_inspections(store, path, actor="tester")
    assert (report.events_written, report.rejected) == (2, [])

    view = await _trust_view(registry, settings, uid)
    latest = view["trust_inspection"]
    assert latest == view["trust_inspections"][0]
    assert [i["inspection_id"] for i in view["trust_inspections"]] == ["TI-NEW", "TI-OLD"]
    assert latest == {
        "inspection_id": "TI-NEW",
        "inspection_start": "2026-03-02",
        "publication_date": "2026-04-20",
        "inspection_type": None,
        "outcomes": [
            {
                "area": "leadership_and_governance",
                "heading": "Leadership and governance",
                "outcome": "Urgent improvement",
            },
            {
                "area": "quality_of_education",
                "heading": "Quality of education across the trust",
                "outcome": "Expected standard",
            },
            {"area": "safeguarding", "heading": "Safeguarding", "outcome": "Not met"},
        ],
        "report_url": f"https://reports.example/trust/{uid}",
        "source_file": "trust_inspections.csv",
        "format_version": 1,
    }

    async def profile_shows_it() -> bool:
        r = await api.client.get(f"/trusts/{uid}/profile", headers=api.reader)
        latest = r.json()["indicators"]["trust_inspections"]["latest"]
        return latest is not None and latest["inspection_id"] == "TI-NEW"

    await wait_until(profile_shows_it, what="the profile to show the trust inspection")
    after = await profile_of(api, uid, aid)
    shown = after["indicators"]["trust_inspections"]
    assert [(o["heading"], o["outcome"]) for o in shown["latest"]["outcomes"]] == [
        ("Leadership and governance", "Urgent improvement"),
        ("Quality of education across the trust", "Expected standard"),
        ("Safeguarding", "Not met"),
    ]
    assert shown["latest"]["source"] == f"https://reports.example/trust/{uid}"
    assert "not a grade of any pillar" in shown["note"]
    # The pillars are the published judgements, word for word, whatever Ofsted found.
    assert after["pillars"] == before["pillars"]
    assert [p["descriptor"] for p in after["pillars"]] == ["secure", "secure"]
    indicators = await api.client.get(f"/trusts/{uid}/indicators", headers=api.reader)
    assert indicators.json()["trust_inspections"] == shown
