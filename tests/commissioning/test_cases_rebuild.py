"""The cases read models are rebuildable: a replay gives the same rows and reacts only once,
and an event stored under an older contract version replays through its upcaster."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import httpx

from services.commissioning.main import create_app
from services.commissioning.models import READ_MODEL_TABLES
from services.commissioning.projections import cases_projection
from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseClosed, CaseOpened
from shared.db import create_pool
from shared.eventlog.contracts import EventContract, EventMetadata, EventRegistry, JsonObject
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.rebuild import catch_up, rebuild_projection
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.http.deps import today
from shared.settings import Settings
from tests.commissioning.conftest import TODAY, bearer
from tests.commissioning.test_cases_api import case_when
from tests.commissioning.test_decision_records_api import (
    approved_with_conditions_then_escalated,
    work_a_project,
)
from tests.commissioning.test_transfers_and_audit import approved, join, schedule
from tests.integration.helpers import wait_until
from tests.notices import DECIDED


async def _rows(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    keys = {
        "commissioning_cases": "case_id",
        "commissioning_decisions": "decision_id",
        "commissioning_interventions": "intervention_id",
        "commissioning_projects": "project_id",
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
                # Conditions met and waived, an escalation, and the decision superseding.
                reopened, _, _ = await approved_with_conditions_then_escalated(
                    client, settings, log, pool
                )
                await case_when(client, settings, reopened, status="declined")
                # A project part-way: a task done, its date changed and confirmed.
                await work_a_project(client, settings, decision_id)
                notice = await client.post(
                    "/interventions",
                    json={
                        "kind": "nti_warning_letter",
                        "trust_uid": trust,
                        "grounds": "Late accounts.",
                        **DECIDED,
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


# --------------------------------------------------------- an older contract version


class CaseClosedV1(EventContract):
    """How ``commissioning.CaseClosed`` might first have been published: the reason as ``why``."""

    type_name = CaseClosed.type_name
    version = 1
    case_id: str
    closed_on: date
    why: str


class CaseClosedV2(CaseClosed):
    """Today's ``CaseClosed``, as the second version of its contract."""

    version = 2


def _with_case_closed(contract: type[EventContract]) -> EventRegistry:
    """Every published contract, with ``contract`` standing for ``commissioning.CaseClosed``."""
    today = all_contracts()
    registry = EventRegistry(
        today.contract(name) for name in sorted(today.type_names) if name != CaseClosed.type_name
    )
    registry.register(contract)
    return registry


def _code_after_v2() -> EventRegistry:
    registry = _with_case_closed(CaseClosedV2)

    @registry.upcaster(CaseClosed.type_name, from_version=1)
    def _why_becomes_reason(data: JsonObject) -> JsonObject:
        return {"case_id": data["case_id"], "closed_on": data["closed_on"], "reason": data["why"]}

    return registry


async def test_a_case_closed_stored_as_v1_projects_and_rebuilds_through_its_upcaster(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        old_code, new_code = _with_case_closed(CaseClosedV1), _code_after_v2()
        meta = EventMetadata(actor="caseworker-1", reason="the school stays maintained")
        why = "The governing body withdrew its application."
        stored_old, stored_new = uuid.uuid4().hex, uuid.uuid4().hex
        # Two cases alike but for how their closure is stored: under v1 and under v2.
        for case_id, closed in (
            (stored_old, CaseClosedV1(case_id=stored_old, closed_on=date(2026, 3, 2), why=why)),
            (
                stored_new,
                CaseClosedV2(case_id=stored_new, closed_on=date(2026, 3, 2), reason=why),
            ),
        ):
            opened = CaseOpened(
                case_id=case_id,
                urns=[100001],
                trigger="voluntary_conversion",
                title="Hastings Primary: converting",
                la_codes=["845"],
                opened_on=date(2026, 3, 1),
            )
            code = old_code if isinstance(closed, CaseClosedV1) else new_code
            await EventStore(pool, code).append(
                f"case-{case_id}",
                [NewEvent(opened, meta), NewEvent(closed, meta)],
                expected_version=NO_STREAM,
            )
        versions = await pool.fetch(
            "SELECT schema_version FROM events WHERE event_type = $1 ORDER BY position",
            CaseClosed.type_name,
        )
        assert [r[0] for r in versions] == [1, 2]

        await catch_up(url, settings, cases_projection(), new_code, service="commissioning")
        before = await _rows(pool)
        closed_rows = {
            r["case_id"]: r for r in before["commissioning_cases"] if r["status"] == "closed"
        }
        assert set(closed_rows) == {stored_old, stored_new}
        fields = ("status", "closed_on", "close_reason", "version", "urns", "title")
        assert [closed_rows[stored_old][f] for f in fields] == [
            closed_rows[stored_new][f] for f in fields
        ]
        assert closed_rows[stored_old]["close_reason"] == why

        report = await rebuild_projection(
            url,
            settings,
            cases_projection(),
            READ_MODEL_TABLES,
            new_code,
            service="commissioning",
        )
        assert report.events == 4
        assert await _rows(pool) == before
    finally:
        await pool.close()
