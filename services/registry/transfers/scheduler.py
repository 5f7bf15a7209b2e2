"""The transfer scheduler: applies pending transfers whose significant date has come.

One instance is active across all processes (``shared.eventlog.leader``, as for consumers),
and it LISTENs on its lock's connection for the registry-transfers consumer's NOTIFY. It wakes when that consumer commits a due or moved
transfer, when the clock says the date may have changed, and otherwise every
``poll_interval_s``. A due row waits while its case stream holds an event the consumer has
not handled yet, so a closure or a date change already in the log is never overtaken. Even
two active instances could not apply a transfer twice: each school's row is locked while
it is applied, and the events' ids are derived from the decision and the school.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.registry.models import pending_transfers
from services.registry.transfers.apply import Applied, apply_due
from services.registry.transfers.clock import Clock
from services.registry.transfers.consumer import CONSUMER_NAME, WAKE_CHANNEL
from shared.eventlog.leader import Leader, Sleep, wait_for_wake
from shared.eventlog.store import EventStore

log = logging.getLogger(__name__)

SCHEDULER_NAME = "registry-transfer-scheduler"

_DUE = f"""
SELECT decision_id, urn, case_id FROM {pending_transfers.name}
 WHERE status = 'pending' AND significant_date <= $1
 ORDER BY significant_date, decision_id, urn
 LIMIT $2
"""
# Of these cases, those whose stream holds a committed event the consumer has not handled
# yet (all of them before it first ran): a due row of such a case may be about to be
# cancelled or moved by an event already in the log (after a replay, say), so it waits.
# The same for the decisions' project streams (a date change there moves the rows).
_UNREAD_CASES = """
SELECT c.case_id FROM unnest($2::text[], $3::text[]) AS c(case_id, decision_id)
 WHERE NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.name = $1)
    OR EXISTS (SELECT 1 FROM events e JOIN subscriptions s ON s.name = $1
                WHERE e.stream_id IN ('case-' || c.case_id, 'project-' || c.decision_id)
                  AND (e.era, e.tx_id, e.position) > (s.era, s.tx_id, s.position))
"""


@dataclass
class TransferScheduler:
    """Applies due transfers while it holds the scheduler lock; see the module docstring."""

    store: EventStore
    url: str
    clock: Clock
    # How often a standby instance asks for the lock, and an active one looks anyway.
    poll_interval_s: float = 0.5
    retry_base_s: float = 0.01
    retry_max_s: float = 1.0
    batch_size: int = 100
    # A standby's wait between lock attempts; injected by tests that count the attempts.
    sleep: Sleep = asyncio.sleep
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def __post_init__(self) -> None:
        self.leader = Leader(
            SCHEDULER_NAME,
            self.url,
            poll_interval_s=self.poll_interval_s,
            retry_s=self.retry_max_s,
            sleep=self.sleep,
        )

    @property
    def active(self) -> asyncio.Event:
        """Set while this instance is the active scheduler."""
        return self.leader.active

    def wake(self) -> None:
        """Look for due transfers now."""
        self._wake.set()

    async def run(self) -> None:
        """Run until cancelled: stand by, or apply due transfers while active."""
        watcher = asyncio.create_task(self._watch_clock(), name=f"{SCHEDULER_NAME}:clock")
        try:
            await self.leader.run(self._serve, take_over=self._listen)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def run_due(self) -> bool:
        """Apply every transfer due by the clock's today; True if some must be tried again."""
        today = self.clock.today()
        retry = False
        while True:
            keys = await self.store.pool.fetch(_DUE, today, self.batch_size)
            if not keys:
                return retry
            pairs = sorted({(k["case_id"], k["decision_id"]) for k in keys})
            unread = {
                r["case_id"]
                for r in await self.store.pool.fetch(
                    _UNREAD_CASES,
                    CONSUMER_NAME,
                    [c for c, _ in pairs],
                    [d for _, d in pairs],
                )
            }
            progressed = False
            for key in keys:
                if key["case_id"] in unread:
                    retry = True
                    continue
                result = await apply_due(self.store, key["decision_id"], key["urn"], today)
                if result is Applied.RETRY:
                    retry = True
                elif result is not Applied.SKIPPED:
                    progressed = True
            # A full page with some settled: there may be more behind it.
            if len(keys) < self.batch_size or not progressed:
                return retry

    async def _serve(self) -> None:
        backoff = 0.0
        while True:
            self.leader.check()
            self._wake.clear()
            if await self.run_due():
                backoff = min(self.retry_max_s, max(self.retry_base_s, backoff * 2))
                await wait_for_wake(self._wake, backoff)
            else:
                backoff = 0.0
                await wait_for_wake(self._wake, self.poll_interval_s)

    async def _listen(self, lock_conn: asyncpg.Connection) -> None:
        # On the lock's connection, so the subscription ends when the lead does.
        await lock_conn.add_listener(WAKE_CHANNEL, self._notified)
        log.info("%s active", SCHEDULER_NAME)

    def _notified(self, *_: Any) -> None:
        self._wake.set()

    async def _watch_clock(self) -> None:
        while True:
            await self.clock.changed()
            self._wake.set()
