"""One active instance per name across processes, and standbys that ask politely.

The leader holds a session advisory lock on a connection of its own, so the lock lives
exactly as long as that session: a leader that crashes or loses its connection loses the
lock with it, and a standby takes over at its next attempt. Consumers
(``subscriptions.py``) and the registry's transfer scheduler both run under ``Leader``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from shared.db import UNREACHABLE_ERRORS, asyncpg_dsn

log = logging.getLogger(__name__)

LOCK_SALT = 0x5354_5355  # keeps our advisory locks apart from others'

Sleep = Callable[[float], Awaitable[None]]


class Busy(Exception):
    """Another instance leads (or the database cannot be reached to ask)."""


class LostLead(Exception):
    """This instance no longer leads (its lock's connection closed, or another instance
    took over): it must stop acting and stand by."""


async def wait_for_wake(wake: asyncio.Event, seconds: float) -> None:
    """Return when ``wake`` is set or after ``seconds``, whichever comes first."""
    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
    # that arrives as the event is set, and the task then never stops.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()


@dataclass
class Leader:
    """Stands by until it holds the lock named ``name``, then leads until it loses it."""

    name: str
    url: str
    # How often a standby asks for the lock.
    poll_interval_s: float = 0.5
    # How long to wait after the leading work failed, before standing by again.
    retry_s: float = 0.5
    # Injected so tests can count a standby's attempts over a long wait without waiting.
    sleep: Sleep = asyncio.sleep
    active: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    # Lock queries sent so far: a standby's should grow with time, never with wake-ups.
    lock_attempts: int = field(default=0, init=False)
    _conn: asyncpg.Connection | None = field(default=None, init=False)

    def check(self) -> None:
        """Raise LostLead once the lock's connection has closed (the lock went with it)."""
        if self._conn is None or self._conn.is_closed():
            raise LostLead(f"{self.name} lost its lock with its connection")

    async def run(
        self,
        lead: Callable[[], Awaitable[None]],
        *,
        take_over: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
        fatal: tuple[type[Exception], ...] = (),
    ) -> None:
        """Run until cancelled (or ``lead`` raises one of ``fatal``): stand by, and whenever
        this instance wins the lock, ``take_over`` with the lock's connection, then ``lead``."""
        try:
            while True:
                if not await self._acquire(take_over):
                    # Ask again a poll interval later, and only then: never on a wake-up,
                    # since nothing clears a wake-up while standing by, and waiting on one
                    # would turn the standby into a busy loop of lock queries.
                    await self.sleep(self.poll_interval_s)
                    continue
                try:
                    await lead()
                except fatal:
                    raise
                except LostLead as exc:
                    log.warning("%s: %s; standing by", self.name, exc)
                except UNREACHABLE_ERRORS as exc:
                    log.warning("%s lost the database: %s", self.name, exc)
                    await self.sleep(self.retry_s)
                except Exception:
                    # Say so loudly, then stand by and try again rather than die quietly.
                    log.exception("%s hit an unexpected error", self.name)
                    await self.sleep(self.retry_s)
                finally:
                    self.active.clear()
                    await self._release()
        finally:
            await self._release()

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Lead for the length of the block, for a one-off run beside the running instances;
        raises Busy rather than wait when another instance leads."""
        if not await self._acquire(None):
            raise Busy(f"{self.name} is active in another process (or the database is down)")
        try:
            yield
        finally:
            self.active.clear()
            await self._release()

    async def _acquire(
        self, take_over: Callable[[asyncpg.Connection], Awaitable[None]] | None
    ) -> bool:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await asyncpg.connect(
                    asyncpg_dsn(self.url), server_settings={"application_name": f"lock:{self.name}"}
                )
            self.lock_attempts += 1
            got = await self._conn.fetchval(
                "SELECT pg_try_advisory_lock($1, hashtext($2))", LOCK_SALT, self.name
            )
            if not got:
                return False
            if take_over is not None:
                await take_over(self._conn)
        except (*UNREACHABLE_ERRORS, asyncpg.PostgresError) as exc:
            log.warning("%s cannot reach the database: %s", self.name, exc)
            await self._release()
            return False
        self.active.set()
        return True

    async def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await conn.close()
