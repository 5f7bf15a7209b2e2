"""32 writers that commit late or roll back, 3 subscribers: none may miss or repeat an event."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Sequence

import asyncpg
import pytest

from shared.db import create_pool
from shared.eventlog.model import ANY, Checkpoint, RecordedEvent
from shared.eventlog.signals import LogSignals
from shared.eventlog.status import horizon_status
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerRunner, HandlerContext
from shared.settings import Settings
from tests.integration.helpers import note, unique_category, wait_until

pytestmark = pytest.mark.eventlog

WRITERS = 32
TRANSACTIONS_PER_WRITER = 25


class Recorder:
    """A subscriber that remembers what it was given, in order."""

    def __init__(self, name: str, categories: set[str] | None) -> None:
        self.name = name
        self.categories = categories
        self.seen: list[uuid.UUID] = []

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        self.seen.extend(e.event_id for e in events)


async def test_late_commits_and_rollbacks_reach_every_subscriber_exactly_once_in_one_order(
    settings: Settings, database_url: str, store: EventStore
) -> None:
    category = unique_category("gap")
    rng = random.Random(20261122)
    committed: list[uuid.UUID] = []
    signals = LogSignals(database_url)
    await signals.start()
    # The log may already hold other tests' events; start every reader at its current end.
    start = await _log_end(store)
    recorders = [Recorder(f"gap-sub-{i}-{uuid.uuid4().hex[:6]}", {category}) for i in range(3)]
    runners = [
        ConsumerRunner(r, store, signals, database_url, batch_size=37, poll_interval_s=0.2)
        for r in recorders
    ]
    for runner in runners:
        # A new subscription starts from the beginning; skip ahead to this test's start.
        await store.pool.execute(
            "INSERT INTO subscriptions (name, era, tx_id, position) VALUES ($1, $2, $3, $4)",
            runner.name,
            *start,
        )
    tasks = [asyncio.create_task(r.run()) for r in runners]
    naive_seen: set[uuid.UUID] = set()
    stop_naive = asyncio.Event()
    naive = asyncio.create_task(_naive_reader(store.pool, category, naive_seen, stop_naive))
    writer_pool = await create_pool(database_url, settings, min_size=WRITERS, max_size=WRITERS)

    async def writer(w: int) -> None:
        for t in range(TRANSACTIONS_PER_WRITER):
            async with writer_pool.acquire() as conn:
                tx = conn.transaction()
                await tx.start()
                events = [note(w * 1000 + t) for _ in range(rng.randint(1, 3))]
                await store.append(f"{category}-{w}", events, expected_version=ANY, conn=conn)
                # Hold the transaction open after the insert: positions now commit out of order.
                await asyncio.sleep(rng.uniform(0, 0.004))
                if rng.random() < 0.2:
                    await tx.rollback()
                else:
                    await tx.commit()
                    committed.extend(e.event_id for e in events)
                    signals.appended()

    try:
        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        expected = set(committed)

        async def all_delivered() -> bool:
            return all(len(r.seen) >= len(expected) for r in recorders)

        await wait_until(all_delivered, what="every subscriber to receive every committed event")
        stop_naive.set()
        await naive
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await writer_pool.close()
        await signals.stop()

    log_order = [e.event_id for e in await _read_category(store, category, start)]
    assert set(log_order) == expected
    for recorder in recorders:
        assert len(recorder.seen) == len(set(recorder.seen)), "an event was delivered twice"
        assert set(recorder.seen) == expected, "an event was lost or invented"
        assert recorder.seen == log_order, "subscribers disagree on the order"
    # The same run defeats a reader that trusts positions: proof the test can see a skip.
    assert expected - naive_seen, "the naive position-only reader should have missed events"


async def _log_end(store: EventStore) -> Checkpoint:
    row = await store.pool.fetchrow(
        "SELECT era, tx_id, position FROM events ORDER BY era DESC, tx_id DESC, position DESC LIMIT 1"
    )
    return Checkpoint(*row) if row else Checkpoint()


async def _read_category(
    store: EventStore, category: str, after: Checkpoint
) -> list[RecordedEvent]:
    out: list[RecordedEvent] = []
    async for batch in store.iterate_all(after, categories={category}):
        out.extend(batch)
    return out


async def _naive_reader(
    pool: asyncpg.Pool, category: str, seen: set[uuid.UUID], stop: asyncio.Event
) -> None:
    """The classic bug: resume from the highest position seen."""
    last = 0
    while not stop.is_set():
        rows = await pool.fetch(
            "SELECT position, event_id FROM events WHERE category = $1 AND position > $2"
            " ORDER BY position",
            category,
            last,
        )
        for row in rows:
            seen.add(row["event_id"])
            last = row["position"]
        await asyncio.sleep(0)


async def test_a_long_open_writer_stalls_readers_without_losing_events(
    store: EventStore, settings: Settings, database_url: str
) -> None:
    category = unique_category("stall")
    start = await _log_end(store)
    slow = await store.pool.acquire()
    try:
        tx = slow.transaction()
        await tx.start()
        early = note(1)
        await store.append(f"{category}-slow", [early], expected_version=ANY, conn=slow)
        later = note(2)
        await store.append(f"{category}-fast", [later], expected_version=ANY)
        # The later event is committed, but readers must not pass the open transaction.
        assert await _read_category(store, category, start) == []
        status = await horizon_status(store.pool)
        assert status.events_behind >= 1
        assert status.oldest_writer_seconds >= 0
        await tx.commit()
    finally:
        await store.pool.release(slow)
    seen = [e.event_id for e in await _read_category(store, category, start)]
    assert seen == [early.event_id, later.event_id]


async def test_a_writer_folding_state_sees_what_committed_behind_an_open_transaction(
    store: EventStore,
) -> None:
    """A tailing reader stops at the horizon; a writer folding state must not."""
    category = unique_category()
    stream = f"{category}-1"
    await store.append(stream, [note(1)], expected_version=ANY)
    async with store.pool.acquire() as holder, holder.transaction():
        # An open transaction with a transaction id holds the horizon back...
        await holder.fetchval("SELECT pg_current_xact_id()")
        # ...so an event committed after it is not yet for tailing readers...
        await store.append(stream, [note(2)], expected_version=1)
        tailed = [e async for batch in store.iterate_all(categories={category}) for e in batch]
        assert [e.stream_version for e in tailed] == [1]
        # ...but it is part of the state a writer must check its expected version against.
        committed = [
            e async for batch in store.iterate_committed(categories={category}) for e in batch
        ]
        assert [e.stream_version for e in committed] == [1, 2]
