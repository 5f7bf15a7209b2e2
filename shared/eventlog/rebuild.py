"""Rebuilding a projection's read models from the log: empty them, rewind, replay.

Every read model is disposable: what it holds follows from the log, so a rebuild must give
the same rows. This is the one way every service does it, and where "caught up" is defined:
every committed event of the consumer's categories handled, including any not yet readable.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import asyncpg

from shared.db import create_pool, owner_database_url
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.leader import LOCK_SALT
from shared.eventlog.model import Checkpoint
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import Consumer, ConsumerFailed, ConsumerRunner
from shared.ownership import OwnerName, owner
from shared.settings import Settings

log = logging.getLogger(__name__)


class ProjectionBusy(RuntimeError):
    """The consumer is active in another process, so its read models cannot be reset now."""


@dataclass(frozen=True)
class RebuildReport:
    """How a rebuild went: events replayed and how long it took."""

    events: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        """Replay rate."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


async def reset_projection(
    conn: asyncpg.Connection, name: str, tables: Sequence[str], *, service: str
) -> None:
    """Empty ``tables`` and rewind consumer ``name`` to the start, in one transaction.

    Refuses with ProjectionBusy while an instance of the consumer is active anywhere: that
    instance would keep its place in memory and never replay. Stop the service first; it
    replays from the start when it comes back.
    """
    async with conn.transaction():
        # The same advisory lock an active consumer holds for its whole life; holding it
        # to the end of this transaction also keeps one from starting half-way through.
        free = await conn.fetchval(
            "SELECT pg_try_advisory_xact_lock($1, hashtext($2))", LOCK_SALT, name
        )
        if not free:
            owner = await conn.fetchval("SELECT owner FROM subscriptions WHERE name = $1", name)
            raise ProjectionBusy(
                f"{name} is running in another process ({owner or 'unknown'});"
                f" stop the {service} service and rebuild again"
            )
        await conn.execute(f"TRUNCATE {', '.join(tables)}")
        await conn.execute(
            "INSERT INTO subscriptions (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", name
        )
        # The fence moves too, so a former leader's late checkpoint write is refused.
        await conn.execute(
            """
            UPDATE subscriptions
               SET era = 0, tx_id = '0'::xid8, position = 0, fence = fence + 1,
                   status = 'idle', attempts = 0, failed_position = NULL,
                   failed_event_id = NULL, failed_event_type = NULL, last_error = NULL,
                   events_handled = 0, updated_at = now()
             WHERE name = $1
            """,
            name,
        )


# Anything of these categories in the log after a checkpoint, readable yet or not: an event
# still above the read horizon (an older transaction open somewhere) will be read, so it is
# waited for. One index walk per category, stopping at the first event found.
_MORE_IN_CATEGORIES_SQL = """
SELECT EXISTS (
  SELECT 1 FROM unnest($4::text[]) AS c(category) CROSS JOIN LATERAL (
    SELECT 1 FROM events
     WHERE category = c.category AND (era, tx_id, position) > ($1, $2, $3) LIMIT 1) AS e)
"""
_MORE_IN_LOG_SQL = """
SELECT EXISTS (SELECT 1 FROM events WHERE (era, tx_id, position) > ($1, $2, $3))
"""


async def log_has_more(
    executor: asyncpg.Connection | asyncpg.Pool,
    after: Checkpoint,
    categories: Collection[str] | None,
) -> bool:
    """Whether the log holds events of ``categories`` (None: any) after ``after``."""
    if categories is None:
        return bool(await executor.fetchval(_MORE_IN_LOG_SQL, *after))
    return bool(await executor.fetchval(_MORE_IN_CATEGORIES_SQL, *after, sorted(categories)))


async def caught_up(executor: asyncpg.Connection | asyncpg.Pool, consumer: Consumer) -> bool:
    """Whether ``consumer`` has handled every committed event of its categories.

    The same test a batched projection's ``when_caught_up`` is run on, so once a catch-up
    here is over, whatever waits for the end of a replay has been done.
    """
    row = await executor.fetchrow(
        "SELECT era, tx_id, position FROM subscriptions WHERE name = $1", consumer.name
    )
    if row is None:
        return False
    return not await log_has_more(executor, Checkpoint(*row), consumer.categories)


async def rebuild_projection(
    url: str,
    settings: Settings,
    consumer: Consumer,
    tables: Sequence[str],
    registry: EventRegistry,
    *,
    service: OwnerName,
    batch_size: int = 2000,
    timeout_s: float | None = None,
) -> RebuildReport:
    """Reset ``consumer``'s read models, then replay it here until it has caught up."""
    pool = await create_pool(url, settings, as_owner=service, min_size=1, max_size=3)
    try:
        async with pool.acquire() as conn:
            await reset_projection(conn, consumer.name, tables, service=service)
        report = await _catch_up(
            pool, url, settings, consumer, registry, service, batch_size, timeout_s
        )
    finally:
        await pool.close()
    log.info("rebuilt %s: %s events in %.2fs", consumer.name, report.events, report.seconds)
    return report


async def catch_up(
    url: str,
    settings: Settings,
    consumer: Consumer,
    registry: EventRegistry,
    *,
    service: OwnerName,
    batch_size: int = 2000,
    timeout_s: float | None = None,
) -> RebuildReport:
    """Run ``consumer`` here, from where it is, until it has caught up; what it handled.

    For tools and tests that need a consumer's effects without a service running it.
    """
    pool = await create_pool(url, settings, as_owner=service, min_size=1, max_size=3)
    try:
        return await _catch_up(
            pool, url, settings, consumer, registry, service, batch_size, timeout_s
        )
    finally:
        await pool.close()


async def _catch_up(
    pool: asyncpg.Pool,
    url: str,
    settings: Settings,
    consumer: Consumer,
    registry: EventRegistry,
    service: OwnerName,
    batch_size: int,
    timeout_s: float | None,
) -> RebuildReport:
    handled_sql = "SELECT events_handled FROM subscriptions WHERE name = $1"
    handled_before = int(await pool.fetchval(handled_sql, consumer.name) or 0)
    started = time.perf_counter()
    runner = ConsumerRunner(
        consumer,
        EventStore(pool, registry, owner=owner(service)),
        None,
        owner_database_url(settings, service, url),
        batch_size=batch_size,
        poll_interval_s=0.05,
        max_attempts=settings.consumer_max_attempts,
    )
    with _fewer_collections():
        task = asyncio.create_task(runner.run(), name=f"catch-up:{consumer.name}")
        try:
            await _wait_caught_up(pool, consumer, task, timeout_s)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    seconds = time.perf_counter() - started
    handled = int(await pool.fetchval(handled_sql, consumer.name) or 0)
    return RebuildReport(events=handled - handled_before, seconds=seconds)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    # A replay allocates millions of short-lived objects per minute and keeps almost none:
    # at the default threshold the collector runs thousands of times and finds nothing,
    # about a tenth of the replay. Collect less often while it runs.
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(20_000, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


async def _wait_caught_up(
    pool: asyncpg.Pool, consumer: Consumer, task: asyncio.Task[None], timeout_s: float | None
) -> None:
    name = consumer.name
    loop = asyncio.get_running_loop()
    deadline = None if timeout_s is None else loop.time() + timeout_s
    while not await caught_up(pool, consumer):
        if task.done():
            task.result()  # raises ConsumerFailed with the event that failed
            raise ConsumerFailed(f"{name} stopped before catching up")
        if deadline is not None and loop.time() > deadline:
            raise TimeoutError(f"{name} did not catch up in {timeout_s}s")
        await asyncio.sleep(0.02)
