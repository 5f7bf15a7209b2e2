"""Migration 0023 on a log that already holds whole-trust steps: the trust-interventions
consumer read them before the notices table existed, so the migration copies the notice
steps (a direction, a termination warning notice), with the status a later withdrawal gives
the warning notice only, and leaves the withdrawal itself out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

import pytest

from shared import migrate
from shared.contracts import all_contracts
from shared.contracts.interventions import TrustInterventionStepTaken
from shared.db import connect, set_role_passwords
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.runtime import owner_store
from shared.settings import Settings

pytestmark = pytest.mark.eventlog

META = EventMetadata(actor="rhian", reason="whole-trust steps before 0023")
IID = "a" * 32


def _step(name: str, on: date, due: date | None = None) -> TrustInterventionStepTaken:
    return TrustInterventionStepTaken(
        intervention_id=IID,
        trust_uid=4_000_002,
        step=name,
        policy_version=6,
        decided_on=on,
        decided_by="Rhian Director",
        decider_grade="regional_director",
        reason=f"{name} at the regional board",
        response_due_on=due,
    )


async def test_whole_trust_notices_already_in_the_log_are_copied_for_the_register(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> None:
    url = await fresh_database(migrated=False)
    await asyncio.to_thread(migrate.upgrade, url, "0022_trust_interventions")
    await set_role_passwords(url, settings)
    steps = [
        _step("direction_to_trust", date(2027, 3, 1)),
        _step("termination_warning_notice", date(2027, 4, 1), date(2027, 4, 22)),
        _step("notice_withdrawn", date(2027, 4, 20)),
    ]
    async with owner_store(url, settings, all_contracts(), "commissioning") as log:
        await log.append(
            f"trust_intervention-{IID}",
            [NewEvent(s, META) for s in steps],
            expected_version=ANY,
        )

    await asyncio.to_thread(migrate.upgrade, url)
    conn = await connect(url, settings)
    try:
        rows = await conn.fetch(
            "SELECT step, trust_uid, decided_on, response_due_on, status"
            " FROM commissioning.commissioning_trust_notices ORDER BY position"
        )
        assert [tuple(r) for r in rows] == [
            ("direction_to_trust", 4_000_002, date(2027, 3, 1), None, "issued"),
            (
                "termination_warning_notice",
                4_000_002,
                date(2027, 4, 1),
                date(2027, 4, 22),
                "withdrawn",
            ),
        ]
    finally:
        await conn.close()
