"""Waking subscribers: LISTEN/NOTIFY between processes, with polling as the fallback.

A NOTIFY inside every writing transaction takes a global lock at commit and costs a quarter
to a half of append throughput (../shared/EVENTLOG.md). So writers never notify in their
transaction: after a commit they poke this process's subscribers directly and mark the log
dirty, and one background task sends at most one NOTIFY per short interval on its own
connection. Subscribers in other processes hear it through one LISTEN connection per
process; if that connection drops, they keep polling until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from shared.db import UNREACHABLE_ERRORS, asyncpg_dsn

CHANNEL = "strongtrusts_events"
log = logging.getLogger(__name__)


class LogSignals:
    """Per-process hub: pokes local subscribers, sends coalesced NOTIFYs, listens for others'."""

    def __init__(
        self,
        url: str,
        *,
        server_settings: dict[str, str] | None = None,
        notify_interval_s: float = 0.002,
        reconnect_delay_s: float = 0.2,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._server_settings = server_settings or {}
        self._notify_interval_s = notify_interval_s
        self._reconnect_delay_s = reconnect_delay_s
        self._waiters: set[asyncio.Event] = set()
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listen_conn: asyncpg.Connection | None = None
        self._listening = asyncio.Event()
        self.notifications_received = 0

    # -------------------------------------------------------------- for writers

    def appended(self) -> None:
        """Called after a transaction with appends commits."""
        self._wake_local()
        self._dirty.set()

    # ---------------------------------------------------------- for subscribers

    def waiter(self) -> asyncio.Event:
        """An event set whenever the log may have grown; discard it with ``forget``."""
        event = asyncio.Event()
        self._waiters.add(event)
        return event

    def forget(self, event: asyncio.Event) -> None:
        """Stop waking ``event``."""
        self._waiters.discard(event)

    @property
    def listening(self) -> bool:
        """Whether the LISTEN connection is up (if not, subscribers are only polling)."""
        return self._listening.is_set()

    async def wait_listening(self) -> None:
        """Wait until the LISTEN connection is established."""
        await self._listening.wait()

    @property
    def listen_backend_pid(self) -> int | None:
        """The server process of the LISTEN connection (fault tests terminate it)."""
        conn = self._listen_conn
        return conn.get_server_pid() if conn is not None and not conn.is_closed() else None

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Start the notifier and listener tasks."""
        self._tasks = [
            asyncio.create_task(self._notify_loop(), name="eventlog-notify"),
            asyncio.create_task(self._listen_loop(), name="eventlog-listen"),
        ]

    async def stop(self) -> None:
        """Stop both tasks and close their connections."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    def _wake_local(self) -> None:
        for event in self._waiters:
            event.set()

    async def _connect(self) -> asyncpg.Connection:
        settings = {k: v for k, v in self._server_settings.items() if k != "role"}
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn, server_settings=settings)
        return conn

    async def _notify_loop(self) -> None:
        conn: asyncpg.Connection | None = None
        try:
            while True:
                await self._dirty.wait()
                self._dirty.clear()
                try:
                    if conn is None or conn.is_closed():
                        conn = await self._connect()
                    await conn.execute(f"NOTIFY {CHANNEL}")
                except (*UNREACHABLE_ERRORS, asyncpg.PostgresError) as exc:
                    # Other processes fall back to polling; nothing is lost.
                    log.warning("could not send NOTIFY: %s", exc)
                    conn = None
                    await asyncio.sleep(self._reconnect_delay_s)
                    continue
                # Coalesce: appends in the next interval share one NOTIFY.
                await asyncio.sleep(self._notify_interval_s)
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    def _on_notify(self, *_: Any) -> None:
        self.notifications_received += 1
        self._wake_local()

    async def _listen_loop(self) -> None:
        while True:
            lost = asyncio.Event()
            try:
                conn = await self._connect()
            except (*UNREACHABLE_ERRORS, asyncpg.PostgresError) as exc:
                log.warning("LISTEN connection failed, polling meanwhile: %s", exc)
                await asyncio.sleep(self._reconnect_delay_s)
                continue
            try:
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._on_notify)
                self._listen_conn = conn
                self._listening.set()
                # Events may have been appended while we were not listening.
                self._wake_local()
                await lost.wait()
                log.warning("LISTEN connection lost; reconnecting")
            except (*UNREACHABLE_ERRORS, asyncpg.PostgresError) as exc:
                log.warning("LISTEN connection failed: %s", exc)
            finally:
                self._listening.clear()
                self._listen_conn = None
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), timeout=1)
            await asyncio.sleep(self._reconnect_delay_s)
