"""The cases read models: the migration agrees with the models, and the app role may rebuild."""

from __future__ import annotations

import asyncpg

from services.commissioning.models import READ_MODEL_TABLES, metadata
from shared.settings import Settings


async def test_the_migration_builds_the_tables_the_models_describe(pool: asyncpg.Pool) -> None:
    rows = await pool.fetch(
        """
        SELECT table_name, column_name, is_nullable = 'YES' AS nullable
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = ANY($1::text[])
        """,
        list(READ_MODEL_TABLES),
    )
    in_database = {(r["table_name"], r["column_name"], r["nullable"]) for r in rows}
    in_models = {
        (t.name, c.name, bool(c.nullable)) for t in metadata.sorted_tables for c in t.columns
    }
    assert in_database == in_models
    indexes = {
        r["indexname"]
        for r in await pool.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'events'")
    }
    assert {"events_causation_id", "events_correlation_id"} <= indexes


async def test_the_app_role_may_read_write_and_empty_the_read_models(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    for table in READ_MODEL_TABLES:
        allowed = await pool.fetchval(
            "SELECT has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE')"
            " AND has_table_privilege($1, $2, 'TRUNCATE')",
            settings.database_app_role,
            table,
        )
        assert allowed, table
