"""Alembic builds every table from empty, and takes them all away again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg

from shared import migrate
from shared.db import asyncpg_dsn

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
