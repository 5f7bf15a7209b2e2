"""Durable named consumers: exactly-once effects, one active instance, visible failures.

A consumer's effects and its checkpoint commit in one transaction, so after any crash it
resumes exactly where its last effects ended. Only one instance per name is active across
all processes (``leader.Leader``: a session advisory lock on a connection of its own), and
every checkpoint write is fenced by a counter it bumped on becoming active, so a former
leader that lost its lock (a dropped connection, a long pause) cannot move the checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import traceback
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import asyncpg

from shared.db import CONNECTION_LOST_ERRORS, UNREACHABLE_ERRORS
from shared.eventlog.contracts import EventRegistry
from shared.eventlog.leader import Leader, LostLead, wait_for_wake
from shared.eventlog.model import (
    AppendResult,
    Checkpoint,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
)
from shared.eventlog.signals import LogSignals
from shared.eventlog.store import EventStore

log = logging.getLogger(__name__)


async def _cancelled(task: asyncio.Task[list[RecordedEvent]] | None) -> None:
    """Cancel a read-ahead and wait for it to end, whatever it ended with."""
    if task is not None and not task.done():
        task.cancel()
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


class HandlerContext:
    """What a handler may touch: the batch's transaction, and appends inside it."""

    def __init__(self, conn: asyncpg.Connection, store: EventStore) -> None:
        self.conn = conn
        self.store = store
        self.appended = False

    @property
    def registry(self) -> EventRegistry:
        """The contracts (and upcasters) of the store the events were read through."""
        return self.store.registry

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], *, expected_version: ExpectedVersion
    ) -> AppendResult:
        """Append in the consumer's transaction: the events exist only if the checkpoint moves."""
        self.appended = True
        return await self.store.append(
            stream_id, events, expected_version=expected_version, conn=self.conn
        )


class Consumer(Protocol):
    """Something that handles batches of events in log order."""

    @property
    def name(self) -> str:
        """The durable name its checkpoint is stored under."""

    @property
    def categories(self) -> Collection[str] | None:
        """The categories it reads, or None for the whole log."""

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Apply the effects of ``events``; raise to refuse the batch."""


class ConsumerFailed(Exception):
    """A consumer stopped because one event kept failing; it is never skipped."""


class Unavailable(Exception):
    """Where a consumer's effects go, outside the database, cannot be reached just now.

    Not the event's fault, so it never counts against the event's attempts: the runner
    waits, longer each time up to a limit, shows itself as ``waiting`` with the error, and
    tries the same batch again. Nothing is skipped.
    """


# The database's fault or the destination's: retried without using up the event's attempts.
_NOT_THE_EVENTS_FAULT: tuple[type[Exception], ...] = (*CONNECTION_LOST_ERRORS, Unavailable)


class Fenced(LostLead):
    """Another instance became active; this one must stop writing."""


class _HandlerFailed(Exception):
    """The consumer's handler raised; ``__cause__`` holds what it raised."""


@dataclass
class ConsumerRunner:
    """Runs one consumer: wins the leader lock, then reads, handles and checkpoints batches."""

    consumer: Consumer
    store: EventStore
    signals: LogSignals | None
    url: str
    batch_size: int = 500
    poll_interval_s: float = 0.5
    max_attempts: int = 5
    retry_base_s: float = 0.05
    # The longest wait between tries while a consumer's destination is Unavailable.
    unavailable_max_s: float = 5.0
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def __post_init__(self) -> None:
        self.stopped_by_failure: str | None = None
        self._leader = Leader(
            self.consumer.name,
            self.url,
            poll_interval_s=self.poll_interval_s,
            retry_s=self.poll_interval_s,
        )
        self._fence = 0
        self.checkpoint = Checkpoint()
        # Set (then replaced) whenever the checkpoint moves, for those waiting on a position.
        self._advanced = asyncio.Event()

    @property
    def name(self) -> str:
        """The consumer's durable name."""
        return self.consumer.name

    @property
    def active(self) -> asyncio.Event:
        """Set while this instance is the consumer's active one."""
        return self._leader.active

    async def run(self) -> None:
        """Run until cancelled or until an event keeps failing (then raise ConsumerFailed)."""
        waiter = self.signals.waiter() if self.signals is not None else asyncio.Event()
        try:
            await self._leader.run(
                lambda: self._consume(waiter), take_over=self._take_over, fatal=(ConsumerFailed,)
            )
        finally:
            if self.signals is not None:
                self.signals.forget(waiter)

    # ------------------------------------------------------------- leadership

    async def _take_over(self, _lock_conn: asyncpg.Connection) -> None:
        # Bumping the fence makes any earlier leader's next checkpoint write fail.
        async with self.store.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO subscriptions (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
                self.name,
            )
            row: asyncpg.Record | None = await conn.fetchrow(
                """
                UPDATE subscriptions
                   SET fence = fence + 1, owner = $2, categories = $3, status = 'running',
                       attempts = 0, updated_at = now()
                 WHERE name = $1
                RETURNING fence, era, tx_id, position
                """,
                self.name,
                self.owner,
                None if self.consumer.categories is None else sorted(self.consumer.categories),
            )
        assert row is not None
        self._fence = row["fence"]
        self.checkpoint = Checkpoint(row["era"], row["tx_id"], row["position"])
        self._advanced.set()
        self._advanced = asyncio.Event()
        log.info("consumer %s active at %s (fence %s)", self.name, self.checkpoint, self._fence)

    # -------------------------------------------------------------- consuming

    async def _consume(self, waiter: asyncio.Event) -> None:
        backoff = 0.0
        unavailable = 0
        ahead: asyncio.Task[list[RecordedEvent]] | None = None
        try:
            while True:
                self._leader.check()
                waiter.clear()
                batch = await ahead if ahead is not None else []
                ahead = None
                # An empty read-ahead is read again: it was taken before the wake-up flag
                # was cleared, so a wake-up for an event it missed may have been lost.
                if not batch:
                    batch = await self._read(self.checkpoint)
                if batch:
                    # The next batch is read while this one is handled: the database finds
                    # it while the handler works, instead of after.
                    ahead = asyncio.create_task(self._read(batch[-1].checkpoint))
                    try:
                        await self._handle(batch)
                    except Unavailable as exc:
                        await _cancelled(ahead)
                        ahead = None
                        unavailable += 1
                        await self._wait_unavailable(batch[0], exc, unavailable)
                        continue
                    unavailable = 0
                    backoff = 0.0
                    continue
                # Nothing readable yet. After a wake-up the new events may still sit above
                # the horizon behind an older open transaction, so look again soon, backing
                # off to the poll interval; a wake-up cuts any wait short.
                backoff = min(self.poll_interval_s, max(0.002, backoff * 2))
                await wait_for_wake(waiter, backoff)
        finally:
            await _cancelled(ahead)

    async def _read(self, after: Checkpoint) -> list[RecordedEvent]:
        return await self.store.read_all(
            after, categories=self.consumer.categories, limit=self.batch_size
        )

    async def _handle(self, batch: list[RecordedEvent]) -> None:
        try:
            await self._commit(batch)
            return
        except _HandlerFailed:
            log.info("consumer %s: batch failed, retrying event by event", self.name)
        for event in batch:
            await self._handle_one(event)

    async def _handle_one(self, event: RecordedEvent) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._commit([event])
                return
            except _HandlerFailed as failed:
                exc = failed.__cause__ or failed
                error = "".join(traceback.format_exception_only(exc)).strip()
                log.warning(
                    "consumer %s failed on event %s (%s), attempt %s/%s: %s",
                    self.name,
                    event.position,
                    event.type,
                    attempt,
                    self.max_attempts,
                    error,
                )
                await self._record_failure(
                    event, error, attempt, final=attempt >= self.max_attempts
                )
                if attempt >= self.max_attempts:
                    self.stopped_by_failure = error
                    raise ConsumerFailed(
                        f"{self.name} stopped at position {event.position} ({event.type}): {error}"
                    ) from exc
                await asyncio.sleep(self.retry_base_s * 2 ** (attempt - 1))

    async def _commit(self, events: list[RecordedEvent]) -> None:
        last = events[-1].checkpoint
        async with self.store.pool.acquire() as conn:
            ctx = HandlerContext(conn, self.store)
            async with conn.transaction():
                try:
                    await self.consumer.handle(events, ctx)
                except _NOT_THE_EVENTS_FAULT:
                    # The database's fault or the destination's, not the event's: a
                    # restart must not use up the event's attempts.
                    raise
                except Exception as exc:
                    raise _HandlerFailed(str(exc)) from exc
                updated = await conn.execute(
                    """
                    UPDATE subscriptions
                       SET era = $3, tx_id = $4, position = $5, status = 'running',
                           attempts = 0, failed_position = NULL, failed_event_id = NULL,
                           failed_event_type = NULL, last_error = NULL,
                           events_handled = events_handled + $6, updated_at = now()
                     WHERE name = $1 AND fence = $2
                    """,
                    self.name,
                    self._fence,
                    last.era,
                    last.tx_id,
                    last.position,
                    len(events),
                )
                if updated != "UPDATE 1":
                    raise Fenced
        self.checkpoint = last
        self._advanced.set()
        self._advanced = asyncio.Event()
        if ctx.appended:
            self.store.committed()

    def advanced(self) -> asyncio.Event:
        """An event set the next time this runner's checkpoint moves."""
        return self._advanced

    async def _wait_unavailable(self, first: RecordedEvent, exc: Unavailable, tries: int) -> None:
        wait = min(self.unavailable_max_s, self.retry_base_s * 2 ** min(tries - 1, 30))
        error = "".join(traceback.format_exception_only(exc)).strip()
        log.warning(
            "consumer %s waiting at position %s (try %s, again in %.2fs): %s",
            self.name,
            first.position,
            tries,
            wait,
            error,
        )
        with contextlib.suppress(asyncpg.PostgresError, *UNREACHABLE_ERRORS):
            await self.store.pool.execute(
                """
                UPDATE subscriptions
                   SET status = 'waiting', last_error = $3, attempts = $4, updated_at = now()
                 WHERE name = $1 AND fence = $2
                """,
                self.name,
                self._fence,
                error[:4000],
                tries,
            )
        await asyncio.sleep(wait)

    async def _record_failure(
        self, event: RecordedEvent, error: str, attempts: int, *, final: bool
    ) -> None:
        with contextlib.suppress(asyncpg.PostgresError, *UNREACHABLE_ERRORS):
            await self.store.pool.execute(
                """
                UPDATE subscriptions
                   SET status = $3, failed_position = $4, failed_event_id = $5,
                       failed_event_type = $6, last_error = $7, attempts = $8,
                       updated_at = now()
                 WHERE name = $1 AND fence = $2
                """,
                self.name,
                self._fence,
                "failed" if final else "retrying",
                event.position,
                event.event_id,
                event.type,
                error[:4000],
                attempts,
            )
