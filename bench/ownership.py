"""The ownership policy in the benchmarks: a service-like role that appends under it, and the
shapes a batch append could take with it, each beside the raw baselines of the same run.

Row-level security (migration 0009) applies to every role but the log's owner, so a bench
that appends as the database owner measures an append no service makes. The bench role
here is what a service's is: not the owner, no BYPASSRLS, column INSERT on the log, and one
category of its own in ``eventlog.stream_owners``. The same appends by the same role with the
policy switched off (``set_policy``, on the bench's own database) are what the policy costs.

For batches, PostgreSQL refuses COPY FROM into a table with row-level security for a role it
applies to. The alternatives EVENTLOG.md lists are measured on copies of the log's table
with all of its indexes: COPY as the owner (no check: the floor for any append with these
indexes), and COPY under a statement-level trigger that checks every new row at once
instead of the policy (with what that trigger costs a one-row INSERT).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from bench import raw
from bench.contract import CATEGORY
from shared.db import create_pool, with_user
from shared.ownership import APPEND_COLUMNS, LOG_SCHEMA
from shared.settings import Settings

ROLE = "strongtrusts_bench"
SERVICE = "bench"
# Copies of the log's table with every index it has, but not its policy.
INDEXED = "bench_indexed_events"
TRIGGERED = "bench_triggered_events"
INDEXED_INSERT = """
INSERT INTO {table} (era, event_id, stream_id, category, stream_version, event_type,
                     schema_version, data, metadata, recorded_at, stream_hash)
VALUES (1, $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, now(), $9)
"""
COPY_COLUMNS = ("era", *raw.COLUMNS)

SETUP = f"""
DO $$
BEGIN
    CREATE ROLE {ROLE} LOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;
ALTER ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS;
GRANT USAGE ON SCHEMA {LOG_SCHEMA}, public TO {ROLE};
GRANT SELECT ON ALL TABLES IN SCHEMA {LOG_SCHEMA} TO {ROLE};
GRANT INSERT ({APPEND_COLUMNS}) ON {LOG_SCHEMA}.events TO {ROLE};
INSERT INTO {LOG_SCHEMA}.stream_owners (category, service, role)
VALUES ('{CATEGORY}', '{SERVICE}', '{ROLE}') ON CONFLICT (category) DO NOTHING;
CREATE TABLE {INDEXED} (LIKE {LOG_SCHEMA}.events INCLUDING DEFAULTS INCLUDING IDENTITY
                        INCLUDING INDEXES);
CREATE TABLE {TRIGGERED} (LIKE {LOG_SCHEMA}.events INCLUDING DEFAULTS INCLUDING IDENTITY
                          INCLUDING INDEXES);
GRANT INSERT, SELECT ON {INDEXED}, {TRIGGERED} TO {ROLE};
-- The policy's own condition, checked once per statement over every row it added.
CREATE FUNCTION bench_appended_by_owner() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_rows n
         WHERE n.appended_by <> current_user
            OR NOT EXISTS (
                SELECT 1 FROM {LOG_SCHEMA}.stream_owners o
                 WHERE o.category IN (n.category, '*') AND o.role = current_user
                   AND (o.category = '*' OR o.service = split_part(n.event_type, '.', 1))))
    THEN
        RAISE EXCEPTION 'appended outside the role''s categories' USING ERRCODE = '42501';
    END IF;
    RETURN NULL;
END
$f$;
CREATE TRIGGER {TRIGGERED}_owned AFTER INSERT ON {TRIGGERED}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bench_appended_by_owner();
"""


async def prepare(url: str) -> None:
    """Make the bench role, its category and the comparison tables (as the database owner)."""
    conn = await raw.connect(url)
    try:
        await conn.execute(SETUP)
    finally:
        await conn.close()


async def set_policy(conn: asyncpg.Connection, *, enabled: bool) -> None:
    """Turn the log's row-level security on or off (the bench database's owner only): the
    same role, pool and statements with and without the policy are its whole cost."""
    action = "ENABLE" if enabled else "DISABLE"
    await conn.execute(f"ALTER TABLE {LOG_SCHEMA}.events {action} ROW LEVEL SECURITY")


async def role_pool(url: str, settings: Settings, **options: Any) -> asyncpg.Pool:
    """A pool logging in as the bench role, set up as the services' pools are."""
    return await create_pool(
        with_user(url, ROLE, None), settings, search_path=f"{LOG_SCHEMA}, public", **options
    )


async def role_connections(url: str, count: int) -> list[asyncpg.Connection]:
    """Plain connections as the bench role (for raw statements under its checks)."""
    return [await raw.connect(with_user(url, ROLE, None)) for _ in range(count)]


async def insert_concurrently(
    conns: Sequence[asyncpg.Connection], table: str, rows: Sequence[Sequence[raw.Row]]
) -> float:
    """Single-row autocommit INSERTs into ``table``, one task per connection; rows/s."""
    sql = INDEXED_INSERT.format(table=table)

    async def writer(conn: asyncpg.Connection, mine: Sequence[raw.Row]) -> None:
        for row in mine:
            await conn.execute(sql, *row)

    started = time.perf_counter()
    await asyncio.gather(*(writer(c, r) for c, r in zip(conns, rows, strict=True)))
    return sum(len(r) for r in rows) / (time.perf_counter() - started)


async def copy_rows(conn: asyncpg.Connection, table: str, rows: Sequence[raw.Row]) -> float:
    """COPY ``rows`` (from ``RawRows.copy_rows``) into one of the log's copies, 1,000 rows a
    transaction as the batch append writes them; rows/s."""
    records = [(1, *row) for row in rows]
    started = time.perf_counter()
    for start in range(0, len(records), 1000):
        async with conn.transaction():
            await conn.copy_records_to_table(
                table, records=records[start : start + 1000], columns=COPY_COLUMNS
            )
    return len(records) / (time.perf_counter() - started)


# The two shapes a batch can take into the log itself under the policy, with every row ready
# (versions, hashes, canonical JSON): so what differs is only what the server does.
UNNEST_SQL = """
INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                    schema_version, data, metadata, recorded_at, stream_hash)
SELECT 1, u.id, u.s, u.c, u.v, u.t, u.sv, u.d, u.m, now(), u.h
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::integer[],
              $7::jsonb[], $8::jsonb[], $9::bytea[]) WITH ORDINALITY
       AS u(id, s, c, v, t, sv, d, m, h, ord)
 ORDER BY u.ord
RETURNING position
"""
STAGING_SQL = """
CREATE TEMPORARY TABLE IF NOT EXISTS bench_staging (
    ord integer, event_id uuid, stream_id text, category text, stream_version bigint,
    event_type text, schema_version integer, data jsonb, metadata jsonb, stream_hash bytea
) ON COMMIT DELETE ROWS
"""
STAGED_SQL = """
WITH staged AS (DELETE FROM pg_temp.bench_staging RETURNING *)
INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                    schema_version, data, metadata, recorded_at, stream_hash)
SELECT 1, event_id, stream_id, category, stream_version, event_type, schema_version,
       data, metadata, now(), stream_hash
  FROM staged ORDER BY ord
RETURNING position
"""
STAGING_COLUMNS = (
    "ord",
    "event_id",
    "stream_id",
    "category",
    "stream_version",
    "event_type",
    "schema_version",
    "data",
    "metadata",
    "stream_hash",
)


async def insert_batches(
    conn: asyncpg.Connection, rows: Sequence[raw.Row], *, staged: bool
) -> float:
    """Ready rows into the log as the bench role, 1,000 a transaction: one INSERT from arrays,
    or COPY into a session table and one INSERT from it; rows/s."""
    started = time.perf_counter()
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        async with conn.transaction():
            if staged:
                await conn.execute(STAGING_SQL)
                await conn.copy_records_to_table(
                    "bench_staging",
                    schema_name="pg_temp",
                    records=[(i, *r[:8], r[9]) for i, r in enumerate(batch)],
                    columns=STAGING_COLUMNS,
                )
                await conn.fetch(STAGED_SQL)
            else:
                columns = list(zip(*batch, strict=True))
                await conn.fetch(UNNEST_SQL, *columns[:8], columns[9])
    return len(rows) / (time.perf_counter() - started)
