"""The raw PostgreSQL baselines: plain asyncpg against a table shaped like ``events``."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from bench.contract import CATEGORY, TrustRegistered, random_digest, stored_texts
from shared.db import asyncpg_dsn

TABLE = "bench_raw_events"

# The same column types as ``events`` (bigint identity key, uuid, text, text, bigint, text,
# integer, jsonb, jsonb, timestamptz, bytea), with only the primary key as an index.
CREATE_TABLE = f"""
CREATE TABLE {TABLE} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL,
    stream_id text NOT NULL,
    category text NOT NULL,
    stream_version bigint NOT NULL,
    event_type text NOT NULL,
    schema_version integer NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    recorded_at timestamptz NOT NULL,
    stream_hash bytea NOT NULL
)
"""

COLUMNS = (
    "event_id",
    "stream_id",
    "category",
    "stream_version",
    "event_type",
    "schema_version",
    "data",
    "metadata",
    "recorded_at",
    "stream_hash",
)

# One autocommit statement per row; jsonb goes over as text, as the store's pool sends it.
INSERT_SQL = f"""
INSERT INTO {TABLE} (event_id, stream_id, category, stream_version, event_type,
                     schema_version, data, metadata, recorded_at, stream_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, now(), $9)
"""

READ_SQL = f"SELECT * FROM {TABLE} ORDER BY id LIMIT $1"

Row = tuple[Any, ...]


class RawRows:
    """Rows with the very JSON the store writes, cycled from a small pre-built set."""

    def __init__(self, distinct: int = 1000) -> None:
        self._texts = [stored_texts(i) for i in range(distinct)]
        self._n = 0

    def insert_rows(self, count: int, stream: str) -> list[Row]:
        """Arguments for ``INSERT_SQL`` (the server stamps ``recorded_at``)."""
        rows = []
        for v in range(1, count + 1):
            data, meta = self._texts[self._n % len(self._texts)]
            self._n += 1
            rows.append(
                (
                    uuid.uuid4(),
                    stream,
                    CATEGORY,
                    v,
                    TrustRegistered.type_name,
                    1,
                    data,
                    meta,
                    random_digest(),
                )
            )
        return rows

    def copy_rows(self, count: int, stream_prefix: str) -> list[Row]:
        """Records for COPY (in ``COLUMNS`` order), 1,000 to a stream as in the batch append."""
        now = dt.datetime.now(dt.UTC)
        return [
            (*row[:8], now, row[8])
            for start in range(0, count, 1000)
            for row in self.insert_rows(min(1000, count - start), f"{stream_prefix}-{start}")
        ]


async def connect(url: str) -> asyncpg.Connection:
    """A plain asyncpg connection (its default jsonb codec takes and returns text)."""
    conn: asyncpg.Connection = await asyncpg.connect(asyncpg_dsn(url))
    return conn


async def create_table(url: str) -> None:
    """Create the baseline table in the bench database."""
    conn = await connect(url)
    try:
        await conn.execute(CREATE_TABLE)
    finally:
        await conn.close()


async def insert_concurrently(
    conns: Sequence[asyncpg.Connection], rows: Sequence[Sequence[Row]]
) -> float:
    """Single-row autocommit INSERTs, one task per connection; rows per second."""

    async def writer(conn: asyncpg.Connection, mine: Sequence[Row]) -> None:
        for row in mine:
            await conn.execute(INSERT_SQL, *row)

    started = time.perf_counter()
    await asyncio.gather(*(writer(c, r) for c, r in zip(conns, rows, strict=True)))
    elapsed = time.perf_counter() - started
    return sum(len(r) for r in rows) / elapsed


async def copy_rows(conn: asyncpg.Connection, rows: Sequence[Row]) -> float:
    """One ``copy_records_to_table``; rows per second."""
    started = time.perf_counter()
    await conn.copy_records_to_table(TABLE, records=rows, columns=COLUMNS)
    return len(rows) / (time.perf_counter() - started)


async def read_ordered(
    conn: asyncpg.Connection, rows: int, batch_size: int = 5000
) -> tuple[float, int]:
    """The first ``rows`` rows in key order through a cursor, ``batch_size`` a fetch (the
    runner passes the event log's size, so both reads cover as many rows); rows/s, rows."""
    count = 0
    started = time.perf_counter()
    async with conn.transaction():
        cursor = await conn.cursor(READ_SQL, rows)
        while True:
            batch = await cursor.fetch(batch_size)
            if not batch:
                break
            count += len(batch)
    return count / (time.perf_counter() - started), count
