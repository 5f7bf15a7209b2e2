"""The restart fault: the registry under write load while PostgreSQL is stopped and started.

Shared by the fault test and the benchmark (``lost_acknowledged_writes``). Every write's
outcome is classified by what the client saw:
- acknowledged: a 2xx, with the trust's UID. It must be in the log.
- refused: a 5xx problem (the database was down). It may or may not be in the log: a COMMIT
  can reach the disk while its connection dies before the server hears that it succeeded.
- dropped: no HTTP response at all (the connection failed). The same holds.
- unexpected: anything else (a 4xx), a bug in the load or the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
import httpx

from shared.db import asyncpg_dsn
from shared.http.auth import Role, issue_token
from shared.settings import Settings
from tests import dbutil
from tests.faults.embedded import EmbeddedPostgres, StopMode, server_log_tail
from tests.faults.live import LiveService, live_service
from tests.integration.helpers import wait_until

WRITERS = 8
# Acknowledged writes wanted before each outage and after each restart: enough that the
# load is really running on both sides of the outage.
WRITES_PER_PHASE = 25
STOPS: tuple[StopMode, ...] = ("fast", "immediate")


@dataclass
class WriteLoad:
    """Concurrent clients registering uniquely named trusts, and what each write got back."""

    base_url: str
    token: str
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    acknowledged: dict[str, int] = field(default_factory=dict)  # name -> uid
    refused: dict[str, int] = field(default_factory=dict)  # name -> status
    dropped: dict[str, str] = field(default_factory=dict)  # name -> exception type
    unexpected: dict[str, str] = field(default_factory=dict)  # name -> status and body
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def attempted(self) -> int:
        """Writes sent."""
        return len(self.acknowledged) + len(self.refused) + len(self.dropped) + len(self.unexpected)

    @property
    def failed(self) -> int:
        """Writes the client was told (or must assume) failed."""
        return len(self.refused) + len(self.dropped)

    async def _writer(self, client: httpx.AsyncClient, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            i += 1
            name = f"Fault Trust {self.run}-{n}-{i}"
            body = {
                "name": name,
                "trust_type": "multi_academy_trust",
                "incorporated_on": "2026-09-01",
            }
            try:
                response = await client.post("/trusts", json=body)
            except httpx.HTTPError as exc:
                self.dropped[name] = type(exc).__name__
            else:
                if response.status_code == 201:
                    self.acknowledged[name] = response.json()["uid"]
                    continue
                if response.status_code >= 500:
                    self.refused[name] = response.status_code
                else:
                    self.unexpected[name] = f"{response.status_code} {response.text[:300]}"
            # The database is down: do not spin on instant failures.
            await asyncio.sleep(0.02)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WriteLoad]:
        """The writers run for the duration of the block."""
        headers = {"Authorization": f"Bearer {self.token}", "X-Reason": "fault test"}
        limits = httpx.Limits(max_connections=WRITERS)
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=15, limits=limits
        ) as client:
            tasks = [asyncio.create_task(self._writer(client, n)) for n in range(WRITERS)]
            try:
                yield self
            finally:
                self._stop.set()
                await asyncio.gather(*tasks)

    async def wait_for_more_acknowledged(self, count: int, what: str) -> None:
        """Wait until ``count`` more writes have been acknowledged."""
        target = len(self.acknowledged) + count

        async def enough() -> bool:
            return len(self.acknowledged) >= target

        await wait_until(enough, timeout_s=30, what=what)


@dataclass(frozen=True)
class RestartOutcome:
    """What the clients saw and what the log holds after the restarts."""

    load: WriteLoad
    logged: dict[str, str]  # every TrustIncorporated in the log: name -> stream id
    service_pid_unchanged: bool

    @property
    def lost(self) -> dict[str, int]:
        """Acknowledged writes missing from the log."""
        return {n: uid for n, uid in self.load.acknowledged.items() if n not in self.logged}

    @property
    def committed_anyway(self) -> set[str]:
        """Writes in the log that the client was not told succeeded."""
        return set(self.logged) - set(self.load.acknowledged)

    def summary(self) -> dict[str, int]:
        """The counts, for a report."""
        return {
            "attempted": self.load.attempted,
            "acknowledged": len(self.load.acknowledged),
            "refused_5xx": len(self.load.refused),
            "dropped": len(self.load.dropped),
            "unexpected": len(self.load.unexpected),
            "in_log": len(self.logged),
            "committed_but_unacknowledged": len(self.committed_anyway),
            "lost_acknowledged": len(self.lost),
        }


async def logged_trusts(url: str) -> dict[str, str]:
    """Every TrustIncorporated in the log: name -> stream id (no name may appear twice)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT stream_id, data->'details'->>'name' AS name FROM events"
            " WHERE event_type = 'registry.TrustIncorporated'"
        )
    finally:
        await conn.close()
    names = [r["name"] for r in rows]
    if len(names) != len(set(names)):
        raise AssertionError("a write was recorded twice")
    return {r["name"]: r["stream_id"] for r in rows}


async def _outage(
    pg: EmbeddedPostgres, service: LiveService, load: WriteLoad, mode: StopMode
) -> None:
    await load.wait_for_more_acknowledged(WRITES_PER_PHASE, f"writes before the {mode} stop")
    failed_before = load.failed
    await pg.stop(mode)

    async def writes_fail() -> bool:
        return load.failed > failed_before + WRITERS

    # The outage must be seen by the clients, or the scenario proves nothing.
    await wait_until(writes_fail, what=f"writes to fail while PostgreSQL is stopped ({mode})")
    await pg.start_again()
    await load.wait_for_more_acknowledged(
        WRITES_PER_PHASE, f"writes to succeed again after the {mode} restart"
    )
    async with httpx.AsyncClient(base_url=service.base_url) as client:

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await wait_until(ready, timeout_s=30, what=f"/readyz to be 200 after the {mode} restart")
    if service.process.returncode is not None:
        raise AssertionError("the service process exited")


async def run_restart_scenario(pg: EmbeddedPostgres, secret: str) -> RestartOutcome:
    """A fresh database on ``pg``, a live registry, writers, and each stop mode in turn,
    all on the same service process (a clean shutdown, then a crash recovery replays)."""
    url = await dbutil.create_database(pg.url)
    settings = Settings(environment="test", database_url=url, jwt_secret=secret)
    token = issue_token(settings, roles=[Role.CASEWORKER], subject="fault-writer")
    async with live_service("registry", url, settings) as service:
        pid = service.process.pid
        load = WriteLoad(service.base_url, token)
        try:
            async with load.running():
                for mode in STOPS:
                    await _outage(pg, service, load, mode)
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n--- service log ---\n{service.log_tail()}\n"
                f"--- postgres log ---\n{server_log_tail(pg)}"
            ) from exc
        same = service.process.pid == pid and service.process.returncode is None
    return RestartOutcome(load, await logged_trusts(url), same)
