"""The cases read models are rebuildable: a replay gives the same rows and reacts only once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

from services.commissioning.main import create_app
from services.commissioning.models import READ_MODEL_TABLES
from services.commissioning.projections import cases_projection
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.rebuild import rebuild_projection
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.http.deps import today
from shared.settings import Settings
from tests.commissioning.conftest import TODAY, bearer
from tests.commissioning.test_cases_api import case_when
from tests.commissioning.test_transfers_and_audit import approved, join, schedule
from tests.integration.helpers import wait_until


async def _rows(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    keys = {
        "commissioning_cases": "case_id",
        "commissioning_decisions": "decision_id",
        "commissioning_interventions": "intervention_id",
    }
    return {
        table: [dict(r) for r in await pool.fetch(f"SELECT * FROM {table} ORDER BY {key}")]
        for table, key in keys.items()
    }


async def test_a_rebuild_gives_identical_rows_and_completes_nothing_twice(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        app = create_app(settings, url=url)

        async def fixed() -> Any:
            return TODAY

        app.dependency_overrides[today] = fixed
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                case_id, urns, trust, decision_id, _, meta = await approved(
                    client, settings, log, pool
                )
                await schedule(log, case_id, decision_id, urns, trust, meta)
                await join(log, urns[0], trust, decision_id, meta)
                await case_when(client, settings, case_id, status="completed")
                notice = await client.post(
                    "/interventions",
                    json={
                        "kind": "nti_warning_letter",
                        "trust_uid": trust,
                        "grounds": "Late accounts.",
                    },
                    headers=bearer(settings, Role.CASEWORKER),
                )
                assert notice.status_code == 201

                async def listed() -> bool:
                    return bool(
                        await pool.fetchval("SELECT count(*) FROM commissioning_interventions")
                    )

                await wait_until(listed, what="the notice in the read model")
        before = await _rows(pool)
        report = await rebuild_projection(
            url,
            settings,
            cases_projection(),
            READ_MODEL_TABLES,
            all_contracts(),
            service="commissioning",
        )
        assert report.events > 0
        assert await _rows(pool) == before
        completed = await pool.fetchval(
            "SELECT count(*) FROM events WHERE event_type = 'commissioning.CaseCompleted'"
        )
        assert completed == 1
    finally:
        await pool.close()
