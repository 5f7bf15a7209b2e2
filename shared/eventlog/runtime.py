"""A process's share of the event log: pool, store, wake-ups and its running consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from shared.db import create_pool, owner_database_url, server_settings
from shared.eventlog.contracts import EventRegistry
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
