"""A service's authority table, read from the log once and kept: every request needs it.

The versions are read from the policy's stream and kept in memory with their documents
parsed; which version is in force is worked out per request from the day (pure), so a
version taking effect at midnight is used from midnight without a reload. A version
published through this process is seen at once (the publish route calls ``invalidate``
after it commits); one published through another replica is seen within
``STRONGTRUSTS_AUTHORITY_REFRESH_S`` seconds, when the cache reads the stream again. Each
write records the version it was allowed under, so a decision taken in that window says
which table it followed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from shared.authority.rules import TableVersion
from shared.authority.table import AUTHORITY, AuthorityTable
from shared.contracts.policy import PolicyVersionFields
from shared.errors import ServiceUnavailable

Source = Callable[[], Awaitable[Sequence[PolicyVersionFields]]]


class AuthorityTables:
    """The versions of one service's authority table, cached for ``refresh_s`` seconds."""

    def __init__(
        self,
        source: Source,
        *,
        refresh_s: float,
        service: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._refresh_s = refresh_s
        self._clock = clock
        self.service = service
        self._versions: list[TableVersion] | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def fixed(cls, versions: Sequence[TableVersion], *, service: str = "test") -> AuthorityTables:
        """Tables that never change (unit tests of routes, with no log behind them)."""
        held = list(versions)

        async def never() -> list[PolicyVersionFields]:
            raise AssertionError("fixed tables are never read")

        tables = cls(never, refresh_s=float("inf"), service=service)
        tables._versions = held
        return tables

    def invalidate(self) -> None:
        """Read the stream again on the next request (a version was just published here)."""
        self._read_at = float("-inf")

    async def versions(self) -> list[TableVersion]:
        """Every published version, oldest first, read again when the cache is stale."""
        if self._versions is not None and self._clock() - self._read_at < self._refresh_s:
            return self._versions
        async with self._lock:
            # Whoever waited for the lock finds the versions the first reader read.
            if self._versions is None or self._clock() - self._read_at >= self._refresh_s:
                read = await self._source()
                self._versions = [
                    TableVersion(
                        v.policy_version,
                        v.effective_from,
                        AuthorityTable.model_validate(v.document),
                    )
                    for v in read
                ]
                self._read_at = self._clock()
            return self._versions

    async def in_force(self, on: date) -> TableVersion:
        """The version in force on ``on``; 503 when none is (nothing can be authorised)."""
        candidates = [v for v in await self.versions() if v.effective_from <= on]
        if not candidates:
            raise ServiceUnavailable(
                f"The {self.service} service has no {AUTHORITY} table in force on"
                f" {on.isoformat()}, so it cannot say who may do anything."
            )
        return max(candidates, key=lambda v: (v.effective_from, v.number))
