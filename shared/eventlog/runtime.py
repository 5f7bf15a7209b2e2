"""A process's share of the event log: pool, store, wake-ups and its running consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

import asyncpg

from shared.db import create_pool, owner_database_url, server_settings
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.model import Checkpoint
from shared.eventlog.signals import LogSignals
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import Consumer, ConsumerFailed, ConsumerRunner
from shared.ownership import OwnerName, owner
from shared.settings import Settings

log = logging.getLogger(__name__)


class EventLogRuntime:
    """Opens the pool and signals, runs consumers as tasks, and closes it all in order.

    With ``owner`` everything connects as that owner's own role and the store appends only
    to its categories; without, as the URL's user with ``search_path`` (admin tools and the
    log's own tests).
    """

    def __init__(
        self,
        url: str,
        settings: Settings,
        registry: EventRegistry,
        consumers: Sequence[Consumer] = (),
        *,
        owner: OwnerName | None = None,
        search_path: str | None = None,
    ) -> None:
        self.owner = owner
        self._search_path = search_path
        self.url = url if owner is None else owner_database_url(settings, owner, url)
        self._base_url = url
        self.settings = settings
        self.registry = registry
        self._consumers = list(consumers)
        self.pool: asyncpg.Pool | None = None
        self.signals = LogSignals(self.url, server_settings=server_settings(settings))
        self.runners: dict[str, ConsumerRunner] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def store(self) -> EventStore:
        """The store; only after ``start``."""
        if self._store is None:
            raise RuntimeError("the event log runtime is not started")
        return self._store

    _store: EventStore | None = None

    async def start(self) -> None:
        """Connect, start listening, and start every consumer."""
        self.pool = await create_pool(
            self._base_url, self.settings, as_owner=self.owner, search_path=self._search_path
        )
        self._store = EventStore(
            self.pool,
            self.registry,
            on_commit=self.signals.appended,
            owner=None if self.owner is None else owner(self.owner),
        )
        await self.signals.start()
        for consumer in self._consumers:
            runner = ConsumerRunner(
                consumer,
                self._store,
                self.signals,
                self.url,
                batch_size=self.settings.consumer_batch_size,
                poll_interval_s=self.settings.poll_interval_s,
                max_attempts=self.settings.consumer_max_attempts,
            )
            self.runners[consumer.name] = runner
            self._tasks[consumer.name] = asyncio.create_task(
                self._run(runner), name=f"consumer:{consumer.name}"
            )

    async def _run(self, runner: ConsumerRunner) -> None:
        try:
            await runner.run()
        except ConsumerFailed as exc:
            # Visible in /readyz, metrics and `strongtrusts consumers`; never skipped.
            log.error("consumer stopped: %s", exc)

    async def reached(
        self, at: Checkpoint, *, categories: Collection[str] | None = None, timeout_s: float
    ) -> bool:
        """Wait until this service's read models have taken in the log up to ``at``.

        The read models are the consumers reading ``categories`` (the categories a write
        appended to), or with None any of this owner's own. Each is asked of the runner in
        this process when it is the active one and the categories are known (it reaches
        ``at`` exactly), otherwise of its stored checkpoint: nothing of its categories left
        unread at or before ``at``. False if they have not within ``timeout_s``.
        """
        names = self._read_models(categories)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        delay = 0.002
        while names:
            for name in list(names):
                runner = self.runners[name]
                if categories is not None and runner.active.is_set():
                    if runner.checkpoint >= at:
                        names.discard(name)
                elif await self._stored_reached(name, at):
                    names.discard(name)
            remaining = deadline - loop.time()
            if not names or remaining <= 0:
                break
            wakes = [self.runners[n].advanced() for n in names if self.runners[n].active.is_set()]
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(delay, remaining)):
                    await _any(wakes)
            delay = min(delay * 2, 0.05)
        return not names

    def _read_models(self, categories: Collection[str] | None) -> set[str]:
        wanted = set(categories) if categories is not None else self._own_categories()
        return {
            name
            for name, runner in self.runners.items()
            if runner.consumer.categories is not None
            and (wanted is None or not wanted.isdisjoint(runner.consumer.categories))
        }

    def _own_categories(self) -> set[str] | None:
        return None if self.owner is None else set(owner(self.owner).categories)

    async def _stored_reached(self, name: str, at: Checkpoint) -> bool:
        assert self.pool is not None
        return bool(await self.pool.fetchval(_REACHED_SQL, name, *at))

    def failed_consumers(self) -> dict[str, str]:
        """Consumers in this process stopped by an event that kept failing."""
        return {
            name: runner.stopped_by_failure
            for name, runner in self.runners.items()
            if runner.stopped_by_failure is not None
        }

    async def stop(self) -> None:
        """Stop consumers, then signals, then the pool."""
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for consumer in self._consumers:
            # A consumer with a connection of its own (the publisher's to NATS) closes it.
            close = getattr(consumer, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        await self.signals.stop()
        if self.pool is not None:
            await self.pool.close()
            self.pool = None


# A consumer has reached a place in the log when the place is an event's and nothing of the
# consumer's categories between its checkpoint and that place is left unread (its
# checkpoint moves only to events of its own categories, so it may never equal the place).
_REACHED_SQL = """
SELECT EXISTS (SELECT 1 FROM subscriptions WHERE name = $1)
   -- A place no event holds (made up, or from another database) is never reached.
   AND EXISTS (SELECT 1 FROM events WHERE position = $4 AND era = $2 AND tx_id = $3)
   AND NOT EXISTS (
    SELECT 1 FROM subscriptions s
     CROSS JOIN LATERAL unnest(s.categories) AS c(category)
     CROSS JOIN LATERAL (
         SELECT 1 FROM events e
          WHERE e.category = c.category
            AND (e.era, e.tx_id, e.position) > (s.era, s.tx_id, s.position)
            AND (e.era, e.tx_id, e.position) <= ($2, $3, $4)
          LIMIT 1
     ) AS behind
     WHERE s.name = $1
)
"""


async def _any(events: Sequence[asyncio.Event]) -> None:
    """Wait until one of ``events`` is set (for ever, when there are none)."""
    if not events:
        await asyncio.Event().wait()
        return
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


@contextlib.asynccontextmanager
async def owner_store(
    url: str, settings: Settings, registry: EventRegistry, name: OwnerName, **pool_options: Any
) -> AsyncIterator[EventStore]:
    """A store appending as ``name``'s own role, for commands run outside a service process."""
    pool = await create_pool(url, settings, as_owner=name, **pool_options)
    try:
        yield EventStore(pool, registry, owner=owner(name))
    finally:
        await pool.close()
