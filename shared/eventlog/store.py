"""The event store: append with optimistic concurrency, and gap-safe reads in log order."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from shared.eventlog.canonical import NotCanonicalisable, canonical_json
from shared.eventlog.contracts import ContractError, EventRegistry
from shared.eventlog.errors import EventIdReused, WrongExpectedVersion
from shared.eventlog.model import (
    RECORDED_COLUMNS,
    START,
    AppendResult,
    Checkpoint,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
    category_of,
    event_digest,
)

APPEND_SQL = """
SELECT out_position, out_version
  FROM eventlog_append($1, $2, $3, $4::uuid[], $5::text[], $6::integer[],
                       $7::jsonb[], $8::jsonb[], $9::bytea[])
"""

# Gap safety: a position is taken at INSERT but becomes visible only at COMMIT, so a reader
# that resumes from "the highest position seen" skips transactions that commit late. Rows
# are read only below the transaction-id horizon: every transaction older than the
# snapshot's xmin has finished, so nothing can still appear below it. The whole check is
# one statement so that the horizon and the rows come from the same snapshot.
_HORIZON = (
    "(era, tx_id) < ((SELECT era FROM eventlog_era), pg_snapshot_xmin(pg_current_snapshot()))"
)

READ_ALL_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE (era, tx_id, position) > ($1, $2, $3) AND {_HORIZON}
 ORDER BY era, tx_id, position
 LIMIT $4
"""

READ_CATEGORY_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE category = $5 AND (era, tx_id, position) > ($1, $2, $3) AND {_HORIZON}
 ORDER BY era, tx_id, position
 LIMIT $4
"""

READ_CATEGORIES_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE category = ANY($5::text[]) AND (era, tx_id, position) > ($1, $2, $3) AND {_HORIZON}
 ORDER BY era, tx_id, position
 LIMIT $4
"""

READ_STREAM_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE stream_id = $1 AND stream_version >= $2
 ORDER BY stream_version
 LIMIT $3
"""

_NO_LIMIT = 2**62


def _expected_param(expected: ExpectedVersion) -> int | None:
    if expected == "any":
        return None
    if expected == "exists":
        return -1
    if expected == "no_stream":
        return 0
    if isinstance(expected, int) and expected >= 0:
        return expected
    raise ValueError(
        f"expected_version must be 'any', 'exists', 'no_stream' or >= 0, not {expected!r}"
    )


@dataclass(frozen=True, slots=True)
class _Prepared:
    event_id: UUID
    type_name: str
    schema_version: int
    data: str
    metadata: str
    digest: bytes


class EventStore:
    """The one append-only log every service writes to and reads from."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: EventRegistry,
        *,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.pool = pool
        self.registry = registry
        # Called after an append commits, to wake subscribers (never inside the transaction:
        # a NOTIFY there would take a global lock at every commit).
        self._on_commit = on_commit or (lambda: None)

    def committed(self) -> None:
        """Tell subscribers that a transaction holding appends has committed."""
        self._on_commit()

    # ------------------------------------------------------------------ append

    async def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: ExpectedVersion,
        conn: asyncpg.Connection | None = None,
    ) -> AppendResult:
        """Append ``events`` to one stream atomically, if it is at ``expected_version``.

        Given ``conn``, the append joins that connection's open transaction and the caller
        must call ``committed()`` after commit. Resending events whose ids are already
        stored in this stream returns their result with ``duplicate=True``, outside a
        caller's transaction; inside one it raises, since the transaction is already lost.
        """
        if not events:
            raise ValueError("append needs at least one event")
        category = category_of(stream_id)
        expected = _expected_param(expected_version)
        prepared = [self._prepare(stream_id, e) for e in events]
        args = (
            stream_id,
            category,
            expected,
            [p.event_id for p in prepared],
            [p.type_name for p in prepared],
            [p.schema_version for p in prepared],
            [p.data for p in prepared],
            [p.metadata for p in prepared],
            [p.digest for p in prepared],
        )
        if conn is not None:
            rows = await self._run_append(conn, stream_id, expected_version, prepared, args)
            if isinstance(rows, AppendResult):
                raise EventIdReused([p.event_id for p in prepared])
            return _result(stream_id, rows)
        async with self.pool.acquire() as own:
            rows = await self._run_append(own, stream_id, expected_version, prepared, args)
        if isinstance(rows, AppendResult):
            return rows
        self._on_commit()
        return _result(stream_id, rows)

    async def _run_append(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        expected_version: ExpectedVersion,
        prepared: list[_Prepared],
        args: tuple[Any, ...],
    ) -> list[asyncpg.Record] | AppendResult:
        try:
            rows: list[asyncpg.Record] = await conn.fetch(APPEND_SQL, *args)
            return rows
        except asyncpg.PostgresError as exc:
            conflict = exc.sqlstate == "ST409" or (
                isinstance(exc, asyncpg.UniqueViolationError)
                and exc.constraint_name == "events_event_id_key"
            )
            if not conflict:
                raise
            # Either someone else wrote first, or this is a retry of an append that did
            # commit. Look on a fresh connection: the caller's transaction is aborted.
            duplicate = await self._find_duplicate(stream_id, prepared)
            if duplicate is not None:
                return duplicate
            if exc.sqlstate == "ST409":
                actual = int(getattr(exc, "detail", None) or 0)
                raise WrongExpectedVersion(stream_id, expected_version, actual) from None
            raise EventIdReused([p.event_id for p in prepared]) from None

    async def _find_duplicate(
        self, stream_id: str, prepared: list[_Prepared]
    ) -> AppendResult | None:
        ids = [p.event_id for p in prepared]
        rows = await self.pool.fetch(
            "SELECT event_id, stream_id, stream_version, position FROM events"
            " WHERE event_id = ANY($1::uuid[])",
            ids,
        )
        if not rows:
            return None
        found = {r["event_id"]: r for r in rows}
        versions = [found[i]["stream_version"] for i in ids if i in found]
        same_append = (
            len(found) == len(ids)
            and all(r["stream_id"] == stream_id for r in rows)
            and versions == list(range(versions[0], versions[0] + len(ids)))
        )
        if not same_append:
            raise EventIdReused(sorted(found, key=str))
        return AppendResult(
            stream_id=stream_id,
            positions=tuple(found[i]["position"] for i in ids),
            first_version=versions[0],
            last_version=versions[-1],
            duplicate=True,
        )

    def _prepare(self, stream_id: str, new: NewEvent) -> _Prepared:
        contract = type(new.data)
        type_name = contract.type_name
        if self.registry.contract(type_name) is not contract:
            raise ContractError(type_name, "the event's class is not the registered contract")
        data = new.data.model_dump(mode="json", warnings=False)
        # Validate the stored form, not the object: it may have been built without
        # validation, and what is refused here is never written.
        self.registry.validate(type_name, data)
        try:
            data_text = canonical_json(data)
            meta_text = canonical_json(new.metadata.model_dump(mode="json", exclude_none=True))
            data_bytes = data_text.encode()
            meta_bytes = meta_text.encode()
        except (NotCanonicalisable, UnicodeEncodeError) as exc:
            raise ContractError(type_name, str(exc)) from None
        return _Prepared(
            new.event_id,
            type_name,
            contract.version,
            data_text,
            meta_text,
            event_digest(
                new.event_id, stream_id, type_name, contract.version, data_bytes, meta_bytes
            ),
        )

    # ------------------------------------------------------------------ reads

    async def stream_version(self, stream_id: str) -> int:
        """The stream's current version; 0 if it does not exist."""
        version = await self.pool.fetchval(
            "SELECT version FROM streams WHERE stream_id = $1", stream_id
        )
        return int(version or 0)

    async def read_stream(
        self, stream_id: str, from_version: int = 1, *, limit: int | None = None
    ) -> list[RecordedEvent]:
        """A stream's events from ``from_version`` on, in version order."""
        rows = await self.pool.fetch(
            READ_STREAM_SQL, stream_id, from_version, limit if limit is not None else _NO_LIMIT
        )
        return [RecordedEvent.from_row(r) for r in rows]

    async def read_all(
        self,
        after: Checkpoint = START,
        *,
        categories: Collection[str] | None = None,
        limit: int = 1000,
        conn: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        """One batch of the whole log (or some categories) after ``after``, in log order."""
        executor: Any = conn if conn is not None else self.pool
        args: list[Any] = [after.era, after.tx_id, after.position, limit]
        if categories is None:
            sql = READ_ALL_SQL
        elif len(categories) == 1:
            sql = READ_CATEGORY_SQL
            args.append(next(iter(categories)))
        else:
            sql = READ_CATEGORIES_SQL
            args.append(list(categories))
        rows = await executor.fetch(sql, *args)
        return [RecordedEvent.from_row(r) for r in rows]

    async def iterate_all(
        self,
        after: Checkpoint = START,
        *,
        categories: Collection[str] | None = None,
        batch_size: int = 5000,
    ) -> AsyncIterator[list[RecordedEvent]]:
        """Batches of the log after ``after`` up to the current horizon."""
        async with self.pool.acquire() as conn:
            while True:
                batch = await self.read_all(
                    after, categories=categories, limit=batch_size, conn=conn
                )
                if not batch:
                    return
                yield batch
                after = batch[-1].checkpoint

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection in a transaction; appends made on it wake subscribers after commit."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn
        self._on_commit()


def _result(stream_id: str, rows: list[asyncpg.Record]) -> AppendResult:
    ordered = sorted(rows, key=lambda r: r[1])
    return AppendResult(
        stream_id=stream_id,
        positions=tuple(r[0] for r in ordered),
        first_version=ordered[0][1],
        last_version=ordered[-1][1],
    )
