"""``make run``'s sample case: an inadequate school found through the log, criteria set, once."""

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


async def test_first_run_opens_one_sample_case_with_a_ranked_shortlist(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        trust = await register_trust(log, "Nearby Trust")
        await register_school(log, trust_uid=trust)
        good = await register_school(log)
        inadequate = await register_school(log)
        for urn, grade in ((good, "good"), (inadequate, "inadequate")):
            inspection = OfstedInspectionRecorded(
                urn=urn,
                framework="single_grade",
                inspection_start=date(2025, 3, 4),
                overall_effectiveness=grade,
            )
            await log.append(
                f"school-{urn}", [NewEvent(inspection, REGISTRY_META)], expected_version="any"
            )

        await first_run(url)
        await first_run(url)
        cases = await pool.fetch("SELECT DISTINCT stream_id FROM events WHERE category = 'case'")
        assert len(cases) == 1
        stream = await log.read_stream(cases[0]["stream_id"])
        assert [e.type for e in stream] == [
            "commissioning.CaseOpened",
            "commissioning.CaseCriteriaSet",
        ]
        assert (
            stream[0].data["urns"] == [inadequate] and stream[0].data["trigger"] == "inadequate_dao"
        )
        assert (
            stream[0].data["area"] == "Leeds" and stream[0].metadata["actor"] == "system:first-run"
        )
    finally:
        await pool.close()

    app = create_app(settings, url=url)
    case_id = stream[0].data["case_id"]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        reader = bearer(settings, Role.READER)

        async def ranked() -> bool:
            answer = await client.get(f"/cases/{case_id}/candidates", headers=reader)
            return answer.status_code == 200 and any(
                c["trust_uid"] == trust for c in answer.json()["candidates"]
            )

        await wait_until(ranked, what="the sample case's candidates")

        # The candidates are ranked from the case's stream; its read model may lag behind.
        async def projected() -> bool:
            answer = await client.get(f"/cases/{case_id}", headers=reader)
            return answer.status_code == 200 and answer.json()["version"] == len(stream)

        await wait_until(projected, what="the sample case's read model")
        case = await client.get(f"/cases/{case_id}", headers=reader)
        assert case.json()["criteria"]["defaults"] is False
