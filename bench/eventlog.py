"""Our event store under the same loads as the raw baselines, and the subscription lag."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from bench.common import percentile
from bench.contract import CATEGORY, metadata, trust_data
from shared.eventlog.model import NO_STREAM, RECORDED_COLUMNS, NewEvent, RecordedEvent
from shared.eventlog.signals import LogSignals
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerRunner, HandlerContext


async def append_concurrently(
    store: EventStore, per_writer: Sequence[Sequence[NewEvent]], tag: str
) -> float:
    """One event per append, one task and stream per writer, exact expected versions; events/s."""

    async def writer(w: int, events: Sequence[NewEvent]) -> None:
        stream = f"{CATEGORY}-w{w}-{tag}"
        for version, event in enumerate(events):
            await store.append(stream, [event], expected_version=version)

    started = time.perf_counter()
    await asyncio.gather(*(writer(w, events) for w, events in enumerate(per_writer)))
    elapsed = time.perf_counter() - started
    return sum(len(e) for e in per_writer) / elapsed


async def append_batches(
    store: EventStore, batches: Sequence[Sequence[NewEvent]], tag: str
) -> float:
    """One writer, one append call (and one new stream) per batch; events/s."""
    started = time.perf_counter()
    for i, batch in enumerate(batches):
        await store.append(f"{CATEGORY}-b{tag}-{i}", batch, expected_version=NO_STREAM)
    elapsed = time.perf_counter() - started
    return sum(len(b) for b in batches) / elapsed


async def read_everything(store: EventStore, batch_size: int = 5000) -> tuple[float, int]:
    """The whole log through ``iterate_all``, decoded into RecordedEvents; events/s, events."""
    count = 0
    started = time.perf_counter()
    async for batch in store.iterate_all(batch_size=batch_size):
        count += len(batch)
    return count / (time.perf_counter() - started), count


def prepare_cost_us(store: EventStore, events: Sequence[NewEvent]) -> float | None:
    """Microseconds of Python work per event before an append reaches the server
    (contract dump, re-validation, canonical JSON, SHA-256), measured without a database.
    None if the store no longer has its ``_prepare`` step."""
    prepare = getattr(store, "_prepare", None)
    if prepare is None:
        return None
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for event in events:
            prepare(f"{CATEGORY}-probe", event, {})
        best = min(best, time.perf_counter() - started)
    return best / len(events) * 1e6


async def decode_cost_us(pool: asyncpg.Pool, rows: int = 5000) -> float:
    """Microseconds per row to build RecordedEvents (JSON parsing) from already fetched rows."""
    fetched = await pool.fetch(
        f"SELECT {RECORDED_COLUMNS} FROM events ORDER BY position LIMIT $1",
        rows,
    )
    started = time.perf_counter()
    for row in fetched:
        RecordedEvent.from_row(row)
    return (time.perf_counter() - started) / max(1, len(fetched)) * 1e6


# ------------------------------------------------------------------ subscription lag


class _LagProbe:
    """A consumer that notes when each event reached its handler."""

    categories: Collection[str] | None = None

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: dict[UUID, float] = {}

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        now = time.perf_counter()
        for event in events:
            self.seen.setdefault(event.event_id, now)


@dataclass(frozen=True)
class LagRun:
    """One run of writers with a live consumer."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    events: int
    events_per_s: float
    seen_before_append_returned: int


async def subscription_lag(
    store: EventStore,
    signals: LogSignals,
    url: str,
    *,
    tag: str,
    writers: int = 8,
    duration_s: float = 3.0,
    rate_per_writer: float | None = None,
    poll_interval_s: float = 0.5,
    batch_size: int = 500,
) -> LagRun:
    """Commit-to-handler latency: ``writers`` tasks append (flat out, or paced at
    ``rate_per_writer`` appends/s each) through ``store``, whose ``on_commit`` wakes ``signals``,
    while a ConsumerRunner in this process handles the log. The commit time of an event is
    taken right after its ``append`` returns; the handler time when its batch reaches
    ``handle``."""
    name = f"bench-lag-{tag}"
    pool = store.pool
    # Start the consumer at the head of the log: the earlier scenarios are not its business.
    head = await pool.fetchrow(
        "SELECT era, tx_id, position FROM events ORDER BY era DESC, tx_id DESC, position DESC LIMIT 1"
    )
    era, tx_id, position = (head["era"], head["tx_id"], head["position"]) if head else (0, 0, 0)
    await pool.execute(
        "INSERT INTO subscriptions (name, era, tx_id, position) VALUES ($1, $2, $3, $4)",
        name,
        era,
        tx_id,
        position,
    )
    probe = _LagProbe(name)
    runner = ConsumerRunner(
        probe, store, signals, url, batch_size=batch_size, poll_interval_s=poll_interval_s
    )
    task = asyncio.create_task(runner.run(), name=f"consumer:{name}")
    committed: dict[UUID, float] = {}
    try:
        await asyncio.wait_for(runner.active.wait(), timeout=10)
        deadline = time.perf_counter() + duration_s

        async def writer(w: int) -> None:
            stream = f"{CATEGORY}-lag-{tag}-{w}"
            version = 0
            next_at = time.perf_counter()
            while time.perf_counter() < deadline:
                i = w * 1_000_000 + version
                event = NewEvent(trust_data(i), metadata(i))
                await store.append(stream, [event], expected_version=version)
                committed[event.event_id] = time.perf_counter()
                version += 1
                if rate_per_writer is not None:
                    next_at += 1 / rate_per_writer
                    delay = next_at - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)

        started = time.perf_counter()
        await asyncio.gather(*(writer(w) for w in range(writers)))
        write_elapsed = time.perf_counter() - started
        # Let the consumer finish what was written.
        wait_until = time.perf_counter() + 15
        while any(e not in probe.seen for e in committed):
            if time.perf_counter() > wait_until:
                missing = sum(1 for e in committed if e not in probe.seen)
                raise RuntimeError(f"consumer did not see {missing} events within 15 s")
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    lags_ms = [(probe.seen[e] - t) * 1000 for e, t in committed.items()]
    return LagRun(
        p50_ms=percentile(lags_ms, 50),
        p99_ms=percentile(lags_ms, 99),
        max_ms=max(lags_ms),
        events=len(lags_ms),
        events_per_s=len(lags_ms) / write_elapsed,
        seen_before_append_returned=sum(1 for lag in lags_ms if lag < 0),
    )
