"""``python -m bench.profile``: where an append's and a read's time goes.

Three ladders, each step one change away from the next, repeated and reported as medians
(the steps alternate within a repetition, so server drift hits them alike), with this
process's CPU per row or event; then a cProfile of the 8-writer append loop. Not part of
``make bench``: it is the evidence behind the interpretation in BENCHMARKS.md.

The reference statements below belong to the bench, not to the store, so the ladders keep
working whatever the store's SQL looks like; only the last step of each ladder is the store.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench import eventlog, raw
from bench.common import bench_database, median, progress, quiet_platformdirs
from bench.contract import CATEGORY, bench_registry, new_events
from shared.db import create_pool
from shared.eventlog.canonical import canonical_json
from shared.eventlog.model import (
    RECORDED_COLUMNS,
    START,
    Checkpoint,
    NewEvent,
    chain_stream_hash,
    event_digest,
)
from shared.eventlog.store import READ_ALL_SQL, EventStore
from shared.settings import Settings

LIKE_EVENTS = "bench_raw_like_events"
LIKE_EVENTS_INSERT = f"""
INSERT INTO {LIKE_EVENTS} (era, event_id, stream_id, category, stream_version, event_type,
                           schema_version, data, metadata, recorded_at, stream_hash)
VALUES (1, $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, now(), $9)
"""

# One event in one plain statement: the head is the stream's latest row, the hash is
# chained on the server, the unique (stream_id, stream_version) key stops a concurrent
# writer. ($3 is the exact expected version.)
ONE_STATEMENT_SQL = """
WITH prev AS (
    SELECT stream_version AS v, stream_hash AS h FROM events
     WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1)
INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                    schema_version, data, metadata, recorded_at, stream_hash)
SELECT (SELECT era FROM eventlog_era), $4, $1, $2, coalesce(prev.v, 0) + 1, $5, $6, $7, $8, now(),
       sha256(coalesce(prev.h, decode(repeat('00', 32), 'hex')) || int8send(coalesce(prev.v, 0) + 1)
              || int8send((extract(epoch FROM now()) * 1000000)::bigint) || $9)
  FROM (SELECT 1) AS one LEFT JOIN prev ON true
 WHERE coalesce(prev.v, 0) = $3::bigint
RETURNING position, stream_version
"""

# A batch as one INSERT from arrays, versions and hashes computed by the client.
UNNEST_INSERT_SQL = """
INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                    schema_version, data, metadata, recorded_at, stream_hash)
SELECT 1, u.id, $1, $2, u.v, u.t, u.sv, u.d, u.m, now(), u.h
  FROM unnest($3::uuid[], $4::bigint[], $5::text[], $6::integer[], $7::jsonb[], $8::jsonb[],
              $9::bytea[]) AS u(id, v, t, sv, d, m, h)
RETURNING position, stream_version
"""


@dataclass(frozen=True)
class Sample:
    """Rows or events per second, and this process's CPU per row or event."""

    rate: float
    cpu_us: float


async def measured(count: int, work: Awaitable[Any]) -> Sample:
    """Time ``work`` (wall clock and this process's CPU) over ``count`` rows or events."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await work
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return Sample(count / wall, cpu / count * 1e6)


Step = Callable[[], Awaitable[Sample]]


@dataclass(frozen=True)
class Ready:
    """An event already in its stored form, as the store would send it."""

    event_id: uuid.UUID
    type_name: str
    schema_version: int
    data: str
    metadata: str
    digest: bytes


def ready(stream: str, events: Sequence[NewEvent]) -> list[Ready]:
    """Canonical JSON and digests computed up front, outside any timing."""
    out = []
    for e in events:
        data = canonical_json(e.data.model_dump(mode="json"))
        meta = canonical_json(e.metadata.model_dump(mode="json", exclude_none=True))
        contract = type(e.data)
        digest = event_digest(
            e.event_id, stream, contract.type_name, contract.version, data.encode(), meta.encode()
        )
        out.append(Ready(e.event_id, contract.type_name, contract.version, data, meta, digest))
    return out


def _scalar_args(stream: str, expected: int, r: Ready) -> tuple[Any, ...]:
    """Arguments of ``ONE_STATEMENT_SQL``."""
    return (
        stream,
        CATEGORY,
        expected,
        r.event_id,
        r.type_name,
        r.schema_version,
        r.data,
        r.metadata,
        r.digest,
    )


async def _no_reset(conn: asyncpg.Connection) -> None:
    """A pool ``reset`` that skips asyncpg's reset query (open transactions still roll back)."""


async def _held(pool: asyncpg.Pool, calls: Sequence[Sequence[tuple[Any, ...]]], sql: str) -> None:
    """Run ``sql`` with ready arguments, one task per list, each holding one connection
    throughout (no pool acquire or release per call)."""

    async def writer(mine: Sequence[tuple[Any, ...]]) -> None:
        async with pool.acquire() as conn:
            for args in mine:
                if not await conn.fetch(sql, *args):
                    raise RuntimeError("the statement wrote nothing")

    await asyncio.gather(*(writer(m) for m in calls))


async def _ladder(name: str, steps: dict[str, Step], repeats: int) -> None:
    samples: dict[str, list[Sample]] = {k: [] for k in steps}
    progress(f"{name}: warming up")
    for step in steps.values():
        await step()  # not counted: prepares statements, fills caches
    for rep in range(1, repeats + 1):
        for key, step in steps.items():
            samples[key].append(await step())
        progress(f"{name} {rep}/{repeats}")
    rates = {k: median([s.rate for s in v]) for k, v in samples.items()}
    cpus = {k: median([s.cpu_us for s in v]) for k, v in samples.items()}
    base = next(iter(rates.values()))
    print(f"\n{name} (median of {repeats})")
    print(f"  {'':<62} {'per s':>10}  {'share':>5}  {'client CPU':>10}")
    for key, rate in rates.items():
        print(f"  {key:<62} {rate:>10,.0f}  {rate / base:5.2f}  {cpus[key]:>7.1f} us")


async def main_async(repeats: int) -> None:
    """Run the three ladders and the profile."""
    async with bench_database() as db:
        settings = Settings(database_url=db.url)
        await raw.create_table(db.url)
        conns = [await raw.connect(db.url) for _ in range(8)]
        await conns[0].execute(
            f"CREATE TABLE {LIKE_EVENTS} (LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY"
            " INCLUDING INDEXES)"
        )
        pool = await create_pool(db.url, settings, min_size=10, max_size=16)
        quiet_pool = await create_pool(db.url, settings, min_size=10, max_size=16, reset=_no_reset)
        store = EventStore(pool, bench_registry)
        quiet_store = EventStore(quiet_pool, bench_registry)
        rows = raw.RawRows()
        counter = 0

        def events(n: int) -> list[NewEvent]:
            nonlocal counter
            counter += n
            return new_events(counter - n, n)

        def tag() -> str:
            return uuid.uuid4().hex[:10]

        # ------------------------------------------------ single events, 8 concurrent

        async def raw_insert(sql: str = raw.INSERT_SQL) -> Sample:
            per = [rows.insert_rows(1000, f"{CATEGORY}-r{tag()}") for _ in range(8)]

            async def w(conn: asyncpg.Connection, mine: Sequence[tuple[Any, ...]]) -> None:
                for r in mine:
                    await conn.execute(sql, *r)

            return await measured(
                8000, asyncio.gather(*(w(c, m) for c, m in zip(conns, per, strict=True)))
            )

        async def one_statement() -> Sample:
            calls = []
            for _ in range(8):
                stream = f"{CATEGORY}-d{tag()}"
                calls.append(
                    [_scalar_args(stream, v, r) for v, r in enumerate(ready(stream, events(1000)))]
                )
            return await measured(8000, _held(pool, calls, ONE_STATEMENT_SQL))

        async def store_single(s: EventStore) -> Sample:
            batches = [events(1000) for _ in range(8)]
            return await measured(8000, eventlog.append_concurrently(s, batches, tag()))

        await _ladder(
            "append, 8 concurrent, one row/event per statement and transaction",
            {
                "raw INSERT, table with only a primary key": raw_insert,
                "raw INSERT, copy of events (its 5 indexes)": lambda: raw_insert(
                    LIKE_EVENTS_INSERT
                ),
                "one-statement append SQL, ready arguments, connection held": one_statement,
                "EventStore.append, pool without asyncpg's reset query": lambda: store_single(
                    quiet_store
                ),
                "EventStore.append (as configured by shared.db)": lambda: store_single(store),
            },
            repeats,
        )

        # ------------------------------------------------ batches of 1,000, one writer

        async def copy() -> Sample:
            records = rows.copy_rows(20_000, f"{CATEGORY}-c{tag()}")
            return await measured(20_000, raw.copy_rows(conns[0], records))

        async def copy_like_events() -> Sample:
            records = [(1, *r) for r in rows.copy_rows(20_000, f"{CATEGORY}-ci{tag()}")]
            return await measured(
                20_000,
                conns[0].copy_records_to_table(
                    LIKE_EVENTS, records=records, columns=("era", *raw.COLUMNS)
                ),
            )

        async def unnest_insert() -> Sample:
            calls = []
            for _ in range(20):
                stream = f"{CATEGORY}-u{tag()}"
                prepared = ready(stream, events(1000))
                link, hashes = bytes(32), []
                for v, r in enumerate(prepared, start=1):
                    link = chain_stream_hash(link, v, 0, r.digest)
                    hashes.append(link)
                calls.append(
                    (
                        stream,
                        CATEGORY,
                        [r.event_id for r in prepared],
                        list(range(1, len(prepared) + 1)),
                        [r.type_name for r in prepared],
                        [r.schema_version for r in prepared],
                        [r.data for r in prepared],
                        [r.metadata for r in prepared],
                        hashes,
                    )
                )
            return await measured(20_000, _held(pool, [calls], UNNEST_INSERT_SQL))

        async def store_batch() -> Sample:
            batches = [events(1000) for _ in range(20)]
            return await measured(20_000, eventlog.append_batches(store, batches, tag()))

        await _ladder(
            "append, batches of 1,000, one writer",
            {
                "raw COPY": copy,
                "raw COPY, copy of events (its 5 indexes)": copy_like_events,
                "one INSERT..SELECT unnest(arrays), ready arguments": unnest_insert,
                "EventStore.append": store_batch,
            },
            repeats,
        )

        # ------------------------------------------------ reading everything

        log_rows = int(await conns[0].fetchval("SELECT count(*) FROM events"))
        raw_rows = min(log_rows, int(await conns[0].fetchval(f"SELECT count(*) FROM {raw.TABLE}")))

        async def raw_read() -> Sample:
            return await measured(raw_rows, raw.read_ordered(conns[0], log_rows))

        async def keyset(sql: str, horizon: bool) -> None:
            after = START
            async with pool.acquire() as conn:
                while True:
                    if horizon:
                        batch = await conn.fetch(sql, *after, 5000)
                    else:
                        batch = await conn.fetch(sql, after.position)
                    if not batch:
                        return
                    last = batch[-1]
                    after = Checkpoint(last["era"], last["tx_id"], last["position"])

        by_position = f"SELECT {RECORDED_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT 5000"

        await _ladder(
            "read everything, batches of 5,000",
            {
                "raw cursor read, SELECT * ORDER BY id (as many rows)": raw_read,
                "events by position, no horizon, no decoding": lambda: measured(
                    log_rows, keyset(by_position, horizon=False)
                ),
                "the store's horizon read, no decoding": lambda: measured(
                    log_rows, keyset(READ_ALL_SQL, horizon=True)
                ),
                "EventStore.iterate_all (RecordedEvent)": lambda: measured(
                    log_rows, eventlog.read_everything(store)
                ),
            },
            repeats,
        )

        prepare_us = eventlog.prepare_cost_us(store, events(2000))
        decode_us = min([await eventlog.decode_cost_us(pool) for _ in range(3)])
        shown = "n/a" if prepare_us is None else f"{prepare_us:.1f} us"
        print(f"\nPython per event: prepare {shown}, decode {decode_us:.1f} us")

        progress("profiling the 8-writer append loop")
        batches = [events(1000) for _ in range(8)]
        profiler = cProfile.Profile()
        cpu0 = time.process_time()
        profiler.enable()
        rate = await eventlog.append_concurrently(store, batches, tag())
        profiler.disable()
        cpu = time.process_time() - cpu0
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats("store.py|pool.py|canonical.py|model.py", 15)
        print(f"\ncProfile of 8 x 1,000 single-event appends ({rate:,.0f}/s under the profiler,")
        print(f"{cpu / 8000 * 1e6:.0f} us of client CPU per append):")
        print(out.getvalue())

        for conn in conns:
            await conn.close()
        await pool.close()
        await quiet_pool.close()


def main() -> None:
    """Entry point of ``python -m bench.profile``."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    quiet_platformdirs()
    asyncio.run(main_async(args.repeats))


if __name__ == "__main__":
    main()
