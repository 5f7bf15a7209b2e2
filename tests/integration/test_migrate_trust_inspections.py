"""Migration 0022 on a log that already holds trust inspections: commissioning's knowledge
consumer read them before its table existed, so the migration copies them, column for column
as the consumer writes them (a replay of the log afterwards changes nothing)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

import pytest

from shared import migrate
from shared.contracts import all_contracts
from shared.contracts.trust_inspections import TrustInspectionOutcome, TrustInspectionRecorded
from shared.db import connect, set_role_passwords
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.runtime import owner_store
from shared.settings import Settings

pytestmark = pytest.mark.eventlog

META = EventMetadata(actor="ofsted-import", reason="trust inspections before 0022")


async def test_trust_inspections_already_in_the_log_are_copied_to_commissioning(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> None:
    url = await fresh_database(migrated=False)
    await asyncio.to_thread(migrate.upgrade, url, "0021_notice_policy")
    await set_role_passwords(url, settings)
    recorded = TrustInspectionRecorded(
        uid=4_000_001,
        inspection_id="TI-OLD-1",
        inspection_start=date(2027, 1, 12),
        publication_date=None,
        inspection_type=None,
        outcomes=[
            TrustInspectionOutcome(
                area="leadership_and_governance",
                heading="Leadership and governance",
                outcome="Urgent improvement",
            )
        ],
        source_file="trusts.csv",
        format_version=1,
    )
    async with owner_store(url, settings, all_contracts(), "registry") as registry:
        await registry.append("trust-4000001", [NewEvent(recorded, META)], expected_version=ANY)

    await asyncio.to_thread(migrate.upgrade, url)
    conn = await connect(url, settings)
    try:
        rows = await conn.fetch("SELECT * FROM commissioning.commissioning_trust_inspections")
        assert [dict(r) for r in rows] == [
            {
                "trust_uid": 4_000_001,
                "inspection_id": "TI-OLD-1",
                "inspection_start": date(2027, 1, 12),
                "publication_date": None,
                "inspection_type": None,
                "outcomes": '[{"area": "leadership_and_governance", "heading":'
                ' "Leadership and governance", "outcome": "Urgent improvement"}]',
                "report_url": None,
                "format_version": 1,
            }
        ]
    finally:
        await conn.close()
