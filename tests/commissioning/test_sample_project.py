"""``make run``'s approval with conditions and the project it opened, part-way through its
tasks: written through the routes' handlers, read back over HTTP, and written once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import httpx

from services.commissioning.cli import first_run
from services.commissioning.main import create_app
from shared.contracts import all_contracts
from shared.contracts.registry import OfstedInspectionRecorded
from shared.db import create_pool
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.commissioning.conftest import REGISTRY_META, bearer, register_school, register_trust
from tests.integration.helpers import wait_until


async def test_first_run_approves_a_case_with_conditions_and_opens_a_project_part_way(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        failing, nearby = await register_trust(log, "Failing"), await register_trust(log, "Near")
        for _ in range(2):
            await register_school(log, trust_uid=nearby)
        await register_school(log, trust_uid=failing)
        academy, maintained = (
            await register_school(log, trust_uid=failing),
            await register_school(log),
        )
        for urn in (academy, maintained):
            inspection = OfstedInspectionRecorded(
                urn=urn,
                framework="single_grade",
                inspection_start=date(2025, 3, 4),
                overall_effectiveness="inadequate",
            )
            await log.append(
                f"school-{urn}", [NewEvent(inspection, REGISTRY_META)], expected_version="any"
            )

        await first_run(url)
        counted = "SELECT category, count(*) AS n FROM events GROUP BY 1 ORDER BY 1"
        once = {r["category"]: r["n"] for r in await pool.fetch(counted)}
        await first_run(url)
        # A second run writes nothing at all.
        assert {r["category"]: r["n"] for r in await pool.fetch(counted)} == once
        [project_stream] = await pool.fetch(
            "SELECT DISTINCT stream_id FROM events WHERE category = 'project'"
        )
        project_id = project_stream["stream_id"].removeprefix("project-")
    finally:
        await pool.close()

    app = create_app(settings, url=url)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        reader = bearer(settings, Role.READER)

        async def projected() -> bool:
            answer = await client.get(f"/projects/{project_id}", headers=reader)
            return answer.status_code == 200

        await wait_until(projected, what="the sample project's read model")
        project = (await client.get(f"/projects/{project_id}", headers=reader)).json()
        # The academy's case (the maintained school is the sample case's), moving to the
        # trust nearby, not its own failing trust.
        assert project["urns"] == [academy] and project["to_trust_uid"] == nearby
        assert project["project_type"] == "academy_transfer"
        assert project["date_confirmed"] is True and project["significant_date"][8:] == "01"
        done = [t for t in project["tasks"] if t["done"]]
        assert len(done) == 3 and all(t["mandatory"] for t in done)
        assert all(
            t["completed_by"] == "system:first-run"
            and t["completed_on"] is not None
            and t["document_reference"]
            for t in done
        )
        assert any(t["mandatory"] and not t["done"] for t in project["tasks"])
        assert project["authority_to_proceed_on"] is None
        missing = project["missing_for_authority"]
        assert len(missing["conditions"]) == 1 and missing["conditions"][0].startswith("2. ")
        assert missing["tasks"] and "significant_date" not in missing

        case_id = project["case_id"]

        async def decided() -> bool:
            answer = await client.get(f"/cases/{case_id}", headers=reader)
            return answer.status_code == 200 and answer.json()["decision"] is not None

        await wait_until(decided, what="the sample approval's case read model")
        decision = (await client.get(f"/cases/{case_id}", headers=reader)).json()["decision"]
        assert decision["outcome"] == "approved_with_conditions"
        assert decision["decision_id"] == project_id
        assert decision["record"]["reason_codes"] == ["strongest_fit", "local_presence"]
        assert decision["record"]["equality"]["likely_impact"]
        met, still_open = decision["condition_status"]
        assert (met["status"], met["document_reference"]) == ("met", "SAMPLE-APPOINTMENT-001")
        assert met["evidence"] and still_open["status"] == "open"


async def test_first_run_writes_no_sample_approval_when_no_trust_fits(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        # The academy's own trust is the only one, and it is no candidate for its school.
        only = await register_trust(log, "Only")
        academy, maintained = (
            await register_school(log, trust_uid=only),
            await register_school(log),
        )
        for urn in (academy, maintained):
            inspection = OfstedInspectionRecorded(
                urn=urn,
                framework="single_grade",
                inspection_start=date(2025, 3, 4),
                overall_effectiveness="inadequate",
            )
            await log.append(
                f"school-{urn}", [NewEvent(inspection, REGISTRY_META)], expected_version="any"
            )
        await first_run(url)
        # The sample case took the maintained school; the academy's case found no trust to
        # approve, and nothing of it is left: one case, no project, no decision.
        counted = await pool.fetchrow(
            "SELECT count(*) FILTER (WHERE event_type = 'commissioning.CaseOpened') AS cases,"
            " count(*) FILTER (WHERE category = 'project') AS projects,"
            " count(*) FILTER (WHERE event_type = 'commissioning.DecisionRecorded') AS decisions"
            " FROM events"
        )
        assert (counted["cases"], counted["projects"], counted["decisions"]) == (1, 0, 0)
    finally:
        await pool.close()
