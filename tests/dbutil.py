"""Test databases: a throwaway embedded PostgreSQL, or TEST_DATABASE_URL's server."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import FastAPI
from sqlalchemy import MetaData

from shared import migrate
from shared.app import ServiceSpec, create_service_app
from shared.db import (
    asyncpg_dsn,
    create_pool,
    start_embedded_postgres,
    with_database,
    with_user,
)
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.runtime import EventLogRuntime
from shared.eventlog.subscriptions import Consumer
from shared.ownership import (
    ANY_CATEGORY,
    APPEND_COLUMNS,
    LOG_SCHEMA,
    OWNERS,
    TEST_WRITER_ROLE,
    OwnerName,
    owner,
)
from shared.settings import Settings


def server_url() -> str:
    """An admin URL for the test server: TEST_DATABASE_URL, or a fresh embedded one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # A short path: the server's Unix socket lives in the data directory.
    data_dir = Path(tempfile.mkdtemp(prefix="st-pg-"))
    return start_embedded_postgres(data_dir, throwaway=True)


async def create_database(admin_url: str, *, migrated: bool = True) -> str:
    """A new, uniquely named database on the test server, migrated to head unless told not."""
    name = f"st_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = with_database(admin_url, name)
    if migrated:
        await asyncio.to_thread(migrate.upgrade, url)
        await prepare_test_role(url)
    return url


# The log's own tests append to categories of their own (``note-…``, ``tamper-…``), which no
# service owns. They run as this role: like a service's (not an owner, append-only, checked
# by row-level security) but allowed any category, reading every schema, and keeping its
# consumers' checkpoints in a schema of its own. Test databases only.
TEST_ROLE = TEST_WRITER_ROLE
TEST_SCHEMA = "st_test"
TEST_SEARCH_PATH = (
    f"{TEST_SCHEMA}, {LOG_SCHEMA}, registry, assessment, commissioning, audit, public"
)


async def prepare_test_role(url: str) -> None:
    """Make (or reuse) the test role, its schema and its right to append anywhere."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            f"""
            DO $$
            BEGIN
                CREATE ROLE {TEST_ROLE} LOGIN;
            EXCEPTION WHEN duplicate_object THEN NULL;
            END
            $$;
            ALTER ROLE {TEST_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS;
            CREATE SCHEMA IF NOT EXISTS {TEST_SCHEMA} AUTHORIZATION {TEST_ROLE};
            CREATE TABLE IF NOT EXISTS {TEST_SCHEMA}.subscriptions
                (LIKE registry.subscriptions INCLUDING ALL);
            GRANT USAGE ON SCHEMA {TEST_SCHEMA} TO {TEST_ROLE};
            GRANT ALL ON ALL TABLES IN SCHEMA {TEST_SCHEMA} TO {TEST_ROLE};
            GRANT USAGE ON SCHEMA {LOG_SCHEMA} TO {TEST_ROLE};
            GRANT SELECT ON ALL TABLES IN SCHEMA {LOG_SCHEMA} TO {TEST_ROLE};
            GRANT INSERT ({APPEND_COLUMNS}) ON {LOG_SCHEMA}.events TO {TEST_ROLE};
            GRANT INSERT ON {LOG_SCHEMA}.event_seals TO {TEST_ROLE};
            GRANT EXECUTE ON FUNCTION {LOG_SCHEMA}.oldest_writer_seconds() TO {TEST_ROLE};
            GRANT SELECT ON public.alembic_version TO {TEST_ROLE};
            """
        )
        for name in OWNERS:
            await conn.execute(
                f"GRANT USAGE ON SCHEMA {name} TO {TEST_ROLE};"
                f" GRANT SELECT ON ALL TABLES IN SCHEMA {name} TO {TEST_ROLE}"
            )
        await migrate.sync_stream_owners(conn, {ANY_CATEGORY: ("test", TEST_ROLE)})
    finally:
        await conn.close()


def log_writer_url(url: str) -> str:
    """``url``'s database, logging in as the test role."""
    return with_user(url, TEST_ROLE, None)


async def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_database``, ending any connections still open."""
    name = asyncpg_dsn(url).rsplit("/", 1)[-1].split("?", 1)[0]
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def log_writer_pool(url: str, settings: Settings, **options: Any) -> asyncpg.Pool:
    """A pool on ``url``'s database as the test role."""
    return await create_pool(log_writer_url(url), settings, search_path=TEST_SEARCH_PATH, **options)


def log_writer_runtime(
    url: str, settings: Settings, registry: EventRegistry, consumers: Sequence[Consumer] = ()
) -> EventLogRuntime:
    """An event-log runtime on ``url``'s database as the test role."""
    return EventLogRuntime(
        log_writer_url(url), settings, registry, consumers, search_path=TEST_SEARCH_PATH
    )


def log_writer_app(spec: ServiceSpec, settings: Settings, url: str) -> FastAPI:
    """A service app whose own event log runs as the test role (for the platform's tests)."""
    return create_service_app(
        spec,
        settings,
        url=url,
        runtime=lambda base: log_writer_runtime(base, settings, spec.registry, spec.consumers()),
    )


async def tables_as_modelled(
    pool: asyncpg.Pool, schema: str, metadata: MetaData, tables: Sequence[str]
) -> None:
    """Assert the migrations built ``tables`` in ``schema`` with the columns the models say."""
    rows = await pool.fetch(
        """
        SELECT table_name, column_name, is_nullable = 'YES' AS nullable
          FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = ANY($2::text[])
        """,
        schema,
        list(tables),
    )
    in_database = {(r["table_name"], r["column_name"], r["nullable"]) for r in rows}
    in_models = {
        (t.name, c.name, bool(c.nullable))
        for t in metadata.sorted_tables
        if t.name in tables
        for c in t.columns
    }
    assert in_database == in_models


async def owner_may_rewrite(pool: asyncpg.Pool, name: OwnerName, tables: Sequence[str]) -> None:
    """Assert ``name``'s role may read, write and empty each of its ``tables`` (for rebuilds)."""
    for table in tables:
        allowed = await pool.fetchval(
            "SELECT has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE')"
            " AND has_table_privilege($1, $2, 'TRUNCATE')",
            owner(name).role,
            f"{name}.{table}",
        )
        assert allowed, table
