"""The cases read models: the migration agrees with the models, and the role may rebuild."""

from __future__ import annotations

import asyncpg

from services.commissioning.models import READ_MODEL_TABLES, metadata
from tests.dbutil import owner_may_rewrite, tables_as_modelled


async def test_the_migration_builds_the_tables_the_models_describe(pool: asyncpg.Pool) -> None:
    await tables_as_modelled(pool, "commissioning", metadata, READ_MODEL_TABLES)
    indexes = {
        r["indexname"]
        for r in await pool.fetch(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'eventlog' AND tablename = 'events'"
        )
    }
    assert {"events_causation_id", "events_correlation_id"} <= indexes


async def test_the_commissioning_role_may_read_write_and_empty_its_read_models(
    pool: asyncpg.Pool,
) -> None:
    await owner_may_rewrite(pool, "commissioning", READ_MODEL_TABLES)
