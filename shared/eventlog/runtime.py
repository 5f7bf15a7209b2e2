"""A process's share of the event log: pool, store, wake-ups and its running consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import asyncpg

from shared.db import create_pool, server_settings
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.sealer import Sealer
from shared.eventlog.signals import LogSignals
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import Consumer, ConsumerFailed, ConsumerRunner
from shared.settings import Settings

log = logging.getLogger(__name__)


class EventLogRuntime:
    """Opens the pool and signals, runs consumers as tasks, and closes it all in order."""

    def __init__(
        self,
        url: str,
        settings: Settings,
        registry: EventRegistry,
        consumers: Sequence[Consumer] = (),
        *,
        run_sealer: bool = True,
    ) -> None:
        self.url = url
        self.settings = settings
        self.registry = registry
        self._consumers = list(consumers) + ([Sealer()] if run_sealer else [])
        self.pool: asyncpg.Pool | None = None
        self.signals = LogSignals(url, server_settings=server_settings(settings))
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
        self.pool = await create_pool(self.url, self.settings)
        self._store = EventStore(self.pool, self.registry, on_commit=self.signals.appended)
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
        await self.signals.stop()
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
