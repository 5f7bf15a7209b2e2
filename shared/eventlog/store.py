"""The event store: append with optimistic concurrency, and gap-safe reads in log order."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from uuid import UUID

import asyncpg

from shared.eventlog.canonical import NotCanonicalisable, canonical_utf8
from shared.eventlog.contracts import (
    ContractError,
    EventMetadata,
    EventRegistry,
    number_kinds,
)
from shared.eventlog.errors import EventIdReused, NotStreamOwner, WrongExpectedVersion
from shared.eventlog.model import (
    GENESIS_HASH,
    RECORDED_COLUMNS,
    START,
    AppendResult,
    Checkpoint,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
    StreamAppend,
    category_of,
    chain_stream_hash,
    event_digest,
)
from shared.ownership import Owner, owner_of_category

# The stream's head: its last version and hash (version 0 and the genesis hash when new).
_HEAD = """
    SELECT coalesce(l.stream_version, 0) AS v,
           coalesce(l.stream_hash, decode(repeat('00', 32), 'hex')) AS h
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (
          SELECT stream_version, stream_hash FROM events
           WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1
      ) AS l ON true
"""

# One event, one statement: the version check, the stream hash chain and the insert,
# because round trips, not the server, are what an append costs. There is no lock: the
# unique (stream_id, stream_version) index makes a concurrent writer of the same version
# fail. The same link formula is ``chain_stream_hash`` in Python.
APPEND_ONE_SQL = f"""
WITH head AS ({_HEAD}),
ins AS (
    INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                        schema_version, data, metadata, recorded_at, stream_hash)
    SELECT (SELECT era FROM eventlog_era), $4, $1, $2, head.v + 1, $5, $6, $7, $8, now(),
           sha256(head.h || int8send(head.v + 1)
                  || int8send((extract(epoch FROM now()) * 1000000)::bigint) || $9)
      FROM head
     WHERE $3::bigint IS NULL OR ($3 = -1 AND head.v > 0) OR ($3 >= 0 AND head.v = $3)
    RETURNING position, stream_version, era, tx_id
)
SELECT head.v AS previous, ins.position, ins.stream_version, ins.era, ins.tx_id
  FROM head LEFT JOIN ins ON true
"""

# Several events, in one stream or many: read the heads and the transaction's time, chain
# the hashes here, then insert them all in one statement, inside one transaction so that
# ``now()`` is the same in both statements.
HEADS_SQL = """
SELECT (SELECT era FROM eventlog_era) AS era,
       (extract(epoch FROM now()) * 1000000)::bigint AS micros,
       to_regclass('pg_temp.eventlog_staging') IS NOT NULL AS staging,
       h.id, h.v, h.h
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (
      SELECT s.id, l.stream_version AS v, l.stream_hash AS h
        FROM unnest($1::text[]) AS s(id)
       CROSS JOIN LATERAL (
           SELECT stream_version, stream_hash FROM events
            WHERE stream_id = s.id ORDER BY stream_version DESC LIMIT 1
       ) AS l
  ) AS h ON true
"""

APPEND_ROWS_SQL = """
INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                    schema_version, data, metadata, recorded_at, stream_hash)
SELECT $1, u.id, u.s, u.c, u.v, u.t, u.sv, u.d, u.m, now(), u.h
  FROM unnest($2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::integer[],
              $8::jsonb[], $9::jsonb[], $10::bytea[]) WITH ORDINALITY AS u(id, s, c, v, t, sv, d, m, h, ord)
 ORDER BY u.ord
RETURNING stream_id, position, stream_version, tx_id
"""

# Large batches travel by COPY, PostgreSQL's fastest way in, but row-level security (the
# ownership policy, migration 0009) refuses COPY FROM into the log for every role it applies
# to. So they are copied into a temporary table of the session's own, and moved into the
# log by one INSERT, which the policy checks row by row like any other. Measured against the
# alternatives (a statement-level trigger instead of the policy, INSERT from arrays) in
# BENCHMARKS.md. The table lives as long as the connection and empties at each commit; the
# INSERT empties it too, for a second batch in the same transaction.
COPY_MIN_EVENTS = 64
STAGING_COLUMNS = (
    "ord",
    "event_id",
    "stream_id",
    "category",
    "stream_version",
    "event_type",
    "schema_version",
    "data",
    "metadata",
    "stream_hash",
)
CREATE_STAGING_SQL = """
CREATE TEMPORARY TABLE IF NOT EXISTS eventlog_staging (
    ord integer NOT NULL,
    event_id uuid NOT NULL,
    stream_id text NOT NULL,
    category text NOT NULL,
    stream_version bigint NOT NULL,
    event_type text NOT NULL,
    schema_version integer NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    stream_hash bytea NOT NULL
) ON COMMIT DELETE ROWS
"""
APPEND_STAGED_SQL = """
WITH staged AS (DELETE FROM pg_temp.eventlog_staging RETURNING *)
INSERT INTO events (era, event_id, stream_id, category, stream_version, event_type,
                    schema_version, data, metadata, recorded_at, stream_hash)
SELECT $1, event_id, stream_id, category, stream_version, event_type, schema_version,
       data, metadata, now(), stream_hash
  FROM staged ORDER BY ord
RETURNING stream_id, position, stream_version, tx_id
"""

# Gap safety: a position is taken at INSERT but becomes visible only at COMMIT, so a reader
# that resumes from "the highest position seen" skips transactions that commit late. Rows
# are read only below the transaction-id horizon: every transaction older than the
# snapshot's xmin has finished, so nothing can still appear below it. The whole check is
# one statement so that the horizon and the rows come from the same snapshot.
HORIZON_CONDITION = (
    "(era, tx_id) < ((SELECT era FROM eventlog_era), pg_snapshot_xmin(pg_current_snapshot()))"
)

# "After the checkpoint", written as at-or-after the next position. The two are the same for
# integer positions, but PostgreSQL estimates a row comparison from its first column alone:
# `era > 1` matches nothing in a log of one era, so the strict form was planned as a
# few rows and read by scanning and sorting everything after the checkpoint (or, for
# several categories, by filtering the whole log's order), ten times the work of walking
# the category's index and stopping at the limit; `era >= 1` is estimated as it is.
AFTER_CHECKPOINT = "(era, tx_id, position) >= ($1, $2, $3::bigint + 1)"

READ_ALL_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE {AFTER_CHECKPOINT} AND {HORIZON_CONDITION}
 ORDER BY era, tx_id, position
 LIMIT $4
"""

READ_CATEGORY_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE category = $5 AND {AFTER_CHECKPOINT} AND {HORIZON_CONDITION}
 ORDER BY era, tx_id, position
 LIMIT $4
"""

# Several categories: walk each one's index in log order and merge, rather than let the
# planner scan and sort everything after the checkpoint. Still one statement, so every
# category is read below the same horizon.
READ_CATEGORIES_SQL = f"""
SELECT e.* FROM unnest($5::text[]) AS c(category)
 CROSS JOIN LATERAL (
     SELECT {RECORDED_COLUMNS} FROM events
      WHERE category = c.category AND {AFTER_CHECKPOINT}
        AND {HORIZON_CONDITION}
      ORDER BY era, tx_id, position
      LIMIT $4
 ) AS e
 ORDER BY e.era, e.tx_id, e.position
 LIMIT $4
"""

# The same reads without the horizon, for ``iterate_committed``: inside one repeatable-read
# snapshot nothing can appear behind the cursor, so every committed event is safe to read.
_SNAPSHOT_SQL = {
    sql: sql.replace(f" AND {HORIZON_CONDITION}", "")
    for sql in (READ_ALL_SQL, READ_CATEGORY_SQL, READ_CATEGORIES_SQL)
}

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


def _meets(expected: int | None, version: int) -> bool:
    if expected is None:
        return True
    if expected == -1:
        return version > 0
    return version == expected


class _Conflict(Exception):
    """One append attempt lost: the version was wrong, or a unique index refused a row."""

    def __init__(
        self,
        actual: int | None = None,
        constraint: str | None = None,
        stream_id: str | None = None,
    ) -> None:
        super().__init__(constraint or f"stream at version {actual}")
        self.actual = actual
        self.constraint = constraint
        self.stream_id = stream_id


_ANY_RETRIES = 5


@dataclass
class PreparedAppends:
    """Appends whose events are checked and encoded, ready for ``append_prepared``.

    Prepared parts can be joined (``extend``) before they are written together.
    """

    appends: list[StreamAppend] = field(default_factory=list)
    batch: list[_Batch] = field(default_factory=list)

    def extend(self, other: PreparedAppends) -> None:
        """Add ``other``'s appends after these."""
        self.appends.extend(other.appends)
        self.batch.extend(other.batch)


class _Prepared(NamedTuple):
    """An event in the form it is stored in: checked, canonical, digested."""

    event_id: UUID
    type_name: str
    schema_version: int
    data: str
    metadata: str
    digest: bytes


# EventMetadata holds strings and ids only; worked out once rather than on every append.
_METADATA_NUMBERS = number_kinds(EventMetadata)


class EventStore:
    """The one append-only log every service writes to and reads from."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: EventRegistry,
        *,
        on_commit: Callable[[], None] | None = None,
        owner: Owner | None = None,
    ) -> None:
        self.pool = pool
        self.registry = registry
        # The service this store appends for: its categories and event types only. None for
        # admin tools and the log's own tests, where the database alone decides.
        self.owner = owner
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
        caller's transaction; inside one it raises EventIdReused.
        """
        if not events:
            raise ValueError("append needs at least one event")
        category = category_of(stream_id)
        expected = _expected_param(expected_version)
        # A batch usually shares one metadata object; encode it once.
        metadata_texts: dict[int, tuple[str, bytes]] = {}
        prepared = [self._prepare(stream_id, e, metadata_texts) for e in events]
        attempts = _ANY_RETRIES if expected is None and conn is None else 1
        for attempt in range(1, attempts + 1):
            try:
                if conn is not None:
                    rows = await self._write(conn, stream_id, category, expected, prepared)
                else:
                    async with self.pool.acquire() as own:
                        rows = await self._write(own, stream_id, category, expected, prepared)
                    self._on_commit()
                return _result(stream_id, rows)
            except _Conflict as conflict:
                duplicate = await self._find_duplicate(stream_id, prepared)
                if duplicate is not None:
                    if conn is not None:
                        raise EventIdReused([p.event_id for p in prepared]) from None
                    return duplicate
                if conflict.constraint == "events_event_id_key":
                    raise EventIdReused([p.event_id for p in prepared]) from None
                if attempt == attempts:
                    actual = conflict.actual
                    if actual is None:
                        actual = await self.stream_version(stream_id)
                    raise WrongExpectedVersion(stream_id, expected_version, actual) from None
                # "any": a concurrent writer took the next version first; go again after it.
        raise AssertionError("unreachable")

    async def _write(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        category: str,
        expected: int | None,
        prepared: list[_Prepared],
    ) -> list[_Written]:
        try:
            if len(prepared) == 1:
                p = prepared[0]
                row = await conn.fetchrow(
                    APPEND_ONE_SQL,
                    stream_id,
                    category,
                    expected,
                    p.event_id,
                    p.type_name,
                    p.schema_version,
                    p.data,
                    p.metadata,
                    p.digest,
                )
                assert row is not None
                if row["position"] is None:
                    raise _Conflict(actual=row["previous"])
                return [
                    (
                        row["position"],
                        row["stream_version"],
                        Checkpoint(row["era"], row["tx_id"], row["position"]),
                    )
                ]
            batch = [(stream_id, category, expected, prepared)]
            if conn.is_in_transaction():
                written = await _write_chained(conn, batch)
            else:
                async with conn.transaction():
                    written = await _write_chained(conn, batch)
            return [(position, version, at) for _, position, version, at in written]
        except asyncpg.UniqueViolationError as exc:
            raise _Conflict(constraint=exc.constraint_name) from None

    async def append_streams(
        self,
        appends: Sequence[StreamAppend],
        *,
        conn: asyncpg.Connection | None = None,
    ) -> list[AppendResult]:
        """Append to many streams in one transaction: all of it, or (on any conflict) none.

        For feeds that touch thousands of streams at once. Each stream's expected version
        is checked; a conflict raises WrongExpectedVersion for the first stream that failed
        and nothing is written. There is no idempotent-resend shortcut here: feeds are
        idempotent by comparing with what the log already holds.
        """
        return await self.append_prepared(self.prepare_streams(appends), conn=conn)

    def prepare_streams(self, appends: Sequence[StreamAppend]) -> PreparedAppends:
        """The work ``append_streams`` does before it reaches the database: every event
        checked against its contract (ContractError, before anything is written), encoded
        and digested.

        A feed writing batch after batch can prepare the next while the last is written
        (``append_prepared``), since the two take different cores: Python and PostgreSQL.
        """
        prepared = PreparedAppends()
        metadata_texts: dict[int, tuple[str, bytes]] = {}
        for a in appends:
            if not a.events:
                raise ValueError(f"append to {a.stream_id} needs at least one event")
            prepared.appends.append(a)
            prepared.batch.append(
                (
                    a.stream_id,
                    category_of(a.stream_id),
                    _expected_param(a.expected_version),
                    [self._prepare(a.stream_id, e, metadata_texts) for e in a.events],
                )
            )
        return prepared

    async def append_prepared(
        self, prepared: PreparedAppends, *, conn: asyncpg.Connection | None = None
    ) -> list[AppendResult]:
        """Write what ``prepare_streams`` prepared, as ``append_streams`` does."""
        batch, appends = prepared.batch, prepared.appends
        seen: set[str] = set()
        for b in batch:
            if b[0] in seen:
                raise ValueError(f"{b[0]} appears twice in one append_streams call")
            seen.add(b[0])
        if not batch:
            return []
        try:
            if conn is not None and conn.is_in_transaction():
                rows = await _write_chained(conn, batch)
            elif conn is not None:
                # Both statements must see the same now(): the hashes cover the time.
                async with conn.transaction():
                    rows = await _write_chained(conn, batch)
            else:
                async with self.pool.acquire() as own, own.transaction():
                    rows = await _write_chained(own, batch)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id_key":
                raise EventIdReused([p.event_id for b in batch for p in b[3]]) from None
            # A concurrent writer took a version first; name the stream that moved.
            raise await self._moved(appends) from None
        except _Conflict as conflict:
            stream = conflict.stream_id or batch[0][0]
            expected = next(a.expected_version for a in appends if a.stream_id == stream)
            actual = (
                conflict.actual
                if conflict.actual is not None
                else await self.stream_version(stream)
            )
            raise WrongExpectedVersion(stream, expected, actual) from None
        if conn is None:
            self._on_commit()
        by_stream: dict[str, list[_Written]] = {}
        for stream_id, position, version, at in rows:
            by_stream.setdefault(stream_id, []).append((position, version, at))
        return [_result(b[0], by_stream[b[0]]) for b in batch]

    async def _moved(self, appends: Sequence[StreamAppend]) -> WrongExpectedVersion:
        """The first stream of a refused multi-stream append that is no longer as expected."""
        for a in appends:
            actual = await self.stream_version(a.stream_id)
            if not _meets(_expected_param(a.expected_version), actual):
                return WrongExpectedVersion(a.stream_id, a.expected_version, actual)
        first = appends[0]
        return WrongExpectedVersion(
            first.stream_id, first.expected_version, await self.stream_version(first.stream_id)
        )

    async def _find_duplicate(
        self, stream_id: str, prepared: list[_Prepared]
    ) -> AppendResult | None:
        ids = [p.event_id for p in prepared]
        rows = await self.pool.fetch(
            "SELECT event_id, stream_id, stream_version, position, era, tx_id FROM events"
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
            last=max(Checkpoint(r["era"], r["tx_id"], r["position"]) for r in rows),
        )

    def _prepare(
        self, stream_id: str, new: NewEvent, metadata_texts: dict[int, tuple[str, bytes]]
    ) -> _Prepared:
        contract = type(new.data)
        type_name = contract.type_name
        if self.owner is not None:
            self._check_owner(stream_id, type_name)
        registry = self.registry
        if registry.contract(type_name) is not contract:
            raise ContractError(type_name, "the event's class is not the registered contract")
        data = new.data.model_dump(mode="json", warnings=False)
        # Validate the stored form, not the object: it may have been built without
        # validation, and what is refused here is never written.
        registry.validate(type_name, data)
        try:
            numbers = registry.numbers(type_name)
            data_bytes = canonical_utf8(data, floats=numbers.floats, finite=not numbers.non_finite)
            meta = metadata_texts.get(id(new.metadata))
            if meta is None:
                meta_bytes = canonical_utf8(
                    new.metadata.model_dump(mode="json", exclude_none=True),
                    floats=_METADATA_NUMBERS.floats,
                    finite=not _METADATA_NUMBERS.non_finite,
                )
                meta = metadata_texts[id(new.metadata)] = (meta_bytes.decode(), meta_bytes)
            meta_text, meta_bytes = meta
        except NotCanonicalisable as exc:
            raise ContractError(type_name, str(exc)) from None
        return _Prepared(
            new.event_id,
            type_name,
            contract.version,
            data_bytes.decode(),
            meta_text,
            event_digest(
                new.event_id, stream_id, type_name, contract.version, data_bytes, meta_bytes
            ),
        )

    def _check_owner(self, stream_id: str, type_name: str) -> None:
        assert self.owner is not None
        category = category_of(stream_id)
        if category not in self.owner.categories or not type_name.startswith(self.owner.name + "."):
            raise NotStreamOwner(self.owner.name, stream_id, type_name, owner_of_category(category))

    # ------------------------------------------------------------------ reads

    async def stream_version(self, stream_id: str) -> int:
        """The stream's current version; 0 if it does not exist."""
        version = await self.pool.fetchval(
            "SELECT max(stream_version) FROM events WHERE stream_id = $1", stream_id
        )
        return int(version or 0)

    async def read_stream(
        self,
        stream_id: str,
        from_version: int = 1,
        *,
        limit: int | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        """A stream's events from ``from_version`` on, in version order (on ``conn`` if given)."""
        executor: Any = conn if conn is not None else self.pool
        rows = await executor.fetch(
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
        _in_snapshot: bool = False,
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
        if _in_snapshot:
            sql = _SNAPSHOT_SQL[sql]
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

    async def iterate_committed(
        self, *, categories: Collection[str] | None = None, batch_size: int = 5000
    ) -> AsyncIterator[list[RecordedEvent]]:
        """Batches of every event committed as of one snapshot, in log order.

        For a writer folding current state before appending (an import): unlike
        ``iterate_all`` it does not stop at the horizon, which any open transaction holds
        back, so it sees the events committed just now. Anything committed after its snapshot
        is caught by the append's expected-version check.
        """
        async with (
            self.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            after = START
            while True:
                batch = await self.read_all(
                    after, categories=categories, limit=batch_size, conn=conn, _in_snapshot=True
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


def _result(stream_id: str, rows: list[_Written]) -> AppendResult:
    ordered = rows if len(rows) == 1 else sorted(rows, key=lambda r: r[1])
    return AppendResult(
        stream_id=stream_id,
        positions=tuple(r[0] for r in ordered),
        first_version=ordered[0][1],
        last_version=ordered[-1][1],
        last=max(r[2] for r in ordered),
    )


_Batch = tuple[str, str, int | None, list[_Prepared]]
# One written event: its position, stream version and place in the log order.
_Written = tuple[int, int, Checkpoint]


async def _write_chained(
    conn: asyncpg.Connection, batch: list[_Batch]
) -> list[tuple[str, int, int, Checkpoint]]:
    """Read the heads, check versions, chain the hashes and insert: two statements (three
    with COPY, four the first time a connection copies)."""
    head_rows = await conn.fetch(HEADS_SQL, [b[0] for b in batch])
    era: int = head_rows[0]["era"]
    micros: int = head_rows[0]["micros"]
    heads = {r["id"]: (r["v"], bytes(r["h"])) for r in head_rows if r["id"] is not None}
    # Each event as a staging row: (ord, id, stream, category, version, type, schema
    # version, data, metadata, stream hash).
    rows: list[tuple[Any, ...]] = []
    for stream_id, category, expected, prepared in batch:
        version, link = heads.get(stream_id, (0, GENESIS_HASH))
        if not _meets(expected, version):
            raise _Conflict(actual=version, stream_id=stream_id)
        for p in prepared:
            version += 1
            link = chain_stream_hash(link, version, micros, p.digest)
            rows.append(
                (
                    len(rows),
                    p.event_id,
                    stream_id,
                    category,
                    version,
                    p.type_name,
                    p.schema_version,
                    p.data,
                    p.metadata,
                    link,
                )
            )
    if len(rows) >= COPY_MIN_EVENTS:
        if not head_rows[0]["staging"]:
            await conn.execute(CREATE_STAGING_SQL)
        await conn.copy_records_to_table(
            "eventlog_staging", schema_name="pg_temp", records=rows, columns=STAGING_COLUMNS
        )
        written = await conn.fetch(APPEND_STAGED_SQL, era)
    else:
        columns = list(zip(*rows, strict=True))
        written = await conn.fetch(APPEND_ROWS_SQL, era, *columns[1:])
    return [(r[0], r[1], r[2], Checkpoint(era, r[3], r[1])) for r in written]
