"""A unit of work: one command's appends in one transaction, committed together or not at all.

Every write of every service goes through one: the HTTP write kit opens it around a route's
handler (and records the request's idempotency key in the same transaction), commands and
first-run data open one of their own. Nothing is committed unless the block ends normally.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import asyncpg

from shared.eventlog.contracts import EventContract, EventMetadata, EventRegistry
from shared.eventlog.errors import WrongExpectedVersion
from shared.eventlog.model import (
    START,
    AppendResult,
    Checkpoint,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
    StreamAppend,
    category_of,
)
from shared.eventlog.store import EventStore


class Authority(Protocol):
    """What a person's write acts under (``shared/authority``): it stamps each append's
    metadata with the scope and authority the write was checked under, and refuses to
    while the resource's place has not been checked."""

    def stamp(self, metadata: EventMetadata) -> EventMetadata:
        """``metadata`` with the write's scope and authority; raises if not yet settled."""
        ...


@dataclass
class UnitOfWork:
    """Appends on one connection inside one transaction, each event with the write's metadata.

    ``if_match`` is the version the caller said it read (HTTP If-Match), if it said one:
    ``expect`` then makes the append conditional on exactly that version.
    """

    store: EventStore
    conn: asyncpg.Connection
    metadata: EventMetadata
    if_match: int | None = None
    appended: list[AppendResult] = field(default_factory=list)
    # Set by the HTTP write kit for a person's write; None for the platform's own writers
    # (seeds, consumers, commands), which act under no person's authority.
    authority: Authority | None = None

    def _meta(self, metadata: EventMetadata | None) -> EventMetadata:
        meta = metadata or self.metadata
        return meta if self.authority is None else self.authority.stamp(meta)

    def expect(self, version_read: int) -> ExpectedVersion:
        """The version to append at: the one the caller named, else the one just read."""
        return version_read if self.if_match is None else self.if_match

    async def append(
        self,
        stream_id: str,
        events: Sequence[EventContract],
        *,
        expected_version: ExpectedVersion,
        metadata: EventMetadata | None = None,
    ) -> AppendResult:
        """Append ``events`` to one stream in this unit's transaction."""
        meta = self._meta(metadata)
        result = await self.store.append(
            stream_id,
            [NewEvent(e, meta) for e in events],
            expected_version=expected_version,
            conn=self.conn,
        )
        self.appended.append(result)
        return result

    async def append_streams(
        self, appends: Sequence[tuple[str, Sequence[EventContract], ExpectedVersion]]
    ) -> list[AppendResult]:
        """Append to several streams in this unit's transaction."""
        meta = self._meta(None)
        results = await self.store.append_streams(
            [
                StreamAppend(stream, [NewEvent(e, meta) for e in events], expected)
                for stream, events, expected in appends
            ],
            conn=self.conn,
        )
        self.appended.extend(results)
        return results

    async def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        """A stream's events, read in this unit's transaction."""
        return await self.store.read_stream(stream_id, conn=self.conn)

    async def read_for_change(self, stream_id: str) -> list[RecordedEvent]:
        """The stream this unit is about to change, checked against ``if_match`` first.

        A caller who read another version is told so (WrongExpectedVersion) before anything
        is decided on a state they have not seen.
        """
        events = await self.read_stream(stream_id)
        version = events[-1].stream_version if events else 0
        if self.if_match is not None and events and self.if_match != version:
            raise WrongExpectedVersion(stream_id, self.if_match, version)
        return events

    @property
    def registry(self) -> EventRegistry:
        """The contracts the store knows."""
        return self.store.registry

    @property
    def last(self) -> Checkpoint:
        """The log-order place of the last event this unit appended (START if none)."""
        return max((r.last for r in self.appended), default=START)

    @property
    def categories(self) -> frozenset[str]:
        """The categories this unit appended to."""
        return frozenset(category_of(r.stream_id) for r in self.appended)


@contextlib.asynccontextmanager
async def unit_of_work(
    store: EventStore,
    metadata: EventMetadata,
    *,
    if_match: int | None = None,
    authority: Authority | None = None,
) -> AsyncIterator[UnitOfWork]:
    """A unit of work on a pooled connection: committed if the block ends normally."""
    async with store.pool.acquire() as conn:
        unit = UnitOfWork(store, conn, metadata, if_match, authority=authority)
        async with conn.transaction():
            yield unit
    if unit.appended:
        store.committed()
