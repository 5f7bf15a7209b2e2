"""Alembic builds every table from empty, and takes them all away again."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date

import asyncpg

from shared import migrate
from shared.contracts import all_contracts
from shared.contracts.feeds import (
    GiasImportCompleted,
    GiasImportFailed,
    GiasImportStarted,
    OfstedImportCompleted,
)
from shared.db import asyncpg_dsn
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.runtime import owner_store
from shared.settings import Settings

LOG_TABLES = {
    "eventlog.events",
    "eventlog.event_seals",
    "eventlog.eventlog_era",
    "eventlog.stream_owners",
    "registry.subscriptions",
    "assessment.subscriptions",
    "commissioning.subscriptions",
    "audit.subscriptions",
}


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT schemaname || '.' || tablename AS t FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        return {r["t"] for r in rows}
    finally:
        await conn.close()


async def test_an_empty_database_migrates_to_head_and_back(
    fresh_database: Callable[..., Awaitable[str]],
) -> None:
    url = await fresh_database(migrated=False)
    assert await _tables(url) == set()
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) >= LOG_TABLES
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        assert await migrate.current_revision(conn) == migrate.head_revision()
    finally:
        await conn.close()
    await asyncio.to_thread(migrate.downgrade, url, "base")
    assert await _tables(url) == {"public.alembic_version"}
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) >= LOG_TABLES


async def test_a_restore_into_a_new_cluster_starts_a_new_era(
    fresh_database: Callable[..., Awaitable[str]],
) -> None:
    url = await fresh_database()
    assert await migrate.ensure_era(url) == 1
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SET session_replication_role = replica")
        # As after a logical restore elsewhere: stored transaction ids from "the future".
        await conn.execute(
            """
            INSERT INTO events (era, tx_id, event_id, stream_id, category, stream_version,
                                event_type, schema_version, data, metadata, recorded_at, stream_hash)
            VALUES (1, (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000000)::text::xid8,
                    gen_random_uuid(), 'era-1', 'era', 1, 'test.Noted', 1, '{}', '{}', now(), '')
            """
        )
    finally:
        await conn.close()
    assert await migrate.ensure_era(url) == 2
    assert await migrate.ensure_era(url) == 2


async def test_the_dropped_imports_read_model_comes_back_from_the_log_on_a_downgrade(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> None:
    url = await fresh_database()
    meta = EventMetadata(actor="gias-feed")
    handed_in, applied, inspected = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    async with owner_store(url, settings, all_contracts(), "registry") as store:
        feeds: list[tuple[str, list[EventContract]]] = [
            (
                f"gias_import-{handed_in}",
                [
                    GiasImportStarted(import_id=handed_in, files={"establishments": "e.csv"}),
                    GiasImportFailed(import_id=handed_in, file="e.csv", reason="no header"),
                ],
            ),
            (
                f"gias_import-{applied}",
                [
                    GiasImportCompleted(
                        import_id=applied,
                        snapshot_date=date(2026, 11, 1),
                        files={"establishments": "edubasealldata20261101.csv"},
                        rows_read={"establishments": 3},
                        events_written=7,
                        rejected=[],
                    )
                ],
            ),
            (
                f"ofsted_import-{inspected}",
                [
                    OfstedImportCompleted(
                        import_id=inspected,
                        file="ofsted_mi.csv",
                        rows_read=2,
                        events_written=2,
                        rejected=[],
                    )
                ],
            ),
        ]
        for stream, events in feeds:
            await store.append(stream, [NewEvent(e, meta) for e in events], expected_version=ANY)
    assert "registry.registry_imports" not in await _tables(url)

    await asyncio.to_thread(migrate.downgrade, url, "0012_drop_registry_imports-1")

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT import_id, kind, status, report::text FROM registry.registry_imports"
        )
    finally:
        await conn.close()
    by_id = {r["import_id"]: r for r in rows}
    assert {i: (r["kind"], r["status"]) for i, r in by_id.items()} == {
        handed_in: ("gias", "failed"),
        applied: ("gias", "completed"),
        inspected: ("ofsted", "completed"),
    }
    assert json.loads(by_id[applied]["report"])["events_written"] == 7
    await asyncio.to_thread(migrate.upgrade, url)
    assert "registry.registry_imports" not in await _tables(url)
