"""Batched projections: each batch of events applied in memory to the rows it touches.

For read models fed by many events (a national GIAS import brings a hundred thousand),
SQL per event would cost several round trips an event. A ``BatchProjection`` handles a batch
in the consumer's transaction, so rows and checkpoint commit together, in a handful of
statements whatever its size:

1. ``load``: the rows the batch touches, as JSON, in one round trip (``select_rows``,
   ``fetch_json``);
2. each event applied in log order to those rows in memory by the function registered for
   its contract (``Appliers``), so a batch gives exactly what one event at a time would;
3. ``writes``: each table written with one set-based statement (``upsert_sql``,
   ``Rows.write``), sent through a ``Pipeline`` so the server writes one chunk of events'
   rows while the next chunk is applied here.

Appliers read an event's data as JSON in its current contract's shape, not as a model:
building models was most of a replay's time. The data was validated against its contract
when it was appended, and an event stored under an older contract version is upcast and
validated here (``RecordedEvent.current``) before any applier sees it.

Replays are harmless: rows kept per stream (a school's, from ``school-{urn}``) remember the
last version of their stream applied and skip older events of it (``RowKind``), and their
upserts keep the newer version when two writes meet.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

import asyncpg
import orjson
from sqlalchemy import Column, Table

from shared.eventlog.contracts import EventContract, EventRegistry
from shared.eventlog.model import RecordedEvent
from shared.eventlog.rebuild import log_has_more
from shared.eventlog.subscriptions import HandlerContext

Row = dict[str, Any]
# A statement and a function giving its arguments: encoding is left until just before the
# statement is sent, so it overlaps the server's work on the statement before.
Write = tuple[str, Callable[[], Sequence[Any]]]


# ------------------------------------------------------------------ JSON


def encode(value: Any) -> str:
    """JSON text for a statement's argument (rows, or a column of values)."""
    # orjson: encoding the rows of a replay batch was a seventh of its time with json. Keys
    # are strings (rows come from JSON), so no OPT_NON_STR_KEYS: it costs half as much again.
    # Times become ISO 8601 with their offset, as isoformat() writes them.
    return orjson.dumps(value).decode()


def rows_write(sql: str, rows: Sequence[Row]) -> Write:
    """A statement taking ``rows`` as one JSON array, ``$1``, encoded when it is sent."""
    return sql, lambda: [encode(rows)]


# ------------------------------------------------------------------ SQL from tables


def _names(table: Table, columns: Sequence[str] | None) -> list[str]:
    return list(columns) if columns is not None else [c.name for c in table.columns]


def upsert_sql(
    table: Table,
    key: Sequence[str],
    *,
    columns: Sequence[str] | None = None,
    guarded: bool = False,
    also_set: str = "",
) -> str:
    """Insert or update ``table``'s rows given as one JSON array, ``$1``.

    One encode here and one parse there are far cheaper than a parameter per value. The
    array is read as ``json``, not ``jsonb``: each row is taken apart once, so building
    jsonb's binary form first only doubles the server's work (about half the time of the
    statement, measured on 2,000 schools).
    ``columns`` (default all) are written; ``guarded`` keeps a row whose ``version`` is newer
    than the one given; ``also_set`` is more to set when a row is updated.
    """
    names = _names(table, columns)
    listed = ", ".join(names)
    updates = [f"{c} = EXCLUDED.{c}" for c in names if c not in key]
    if also_set:
        updates.append(also_set)
    on_conflict = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    guard = f" WHERE {table.name}.version <= EXCLUDED.version" if guarded and updates else ""
    return (
        f"INSERT INTO {table.name} ({listed})"
        f" SELECT {listed} FROM json_populate_recordset(NULL::{table.name}, $1::json)"
        f" ON CONFLICT ({', '.join(key)}) {on_conflict}{guard}"
    )


def _array_type(column: Column[Any]) -> str:
    # A key's type (INTEGER, BIGINT, TEXT) reads the same in every dialect.
    return f"{column.type}[]"


def select_rows(
    table: Table,
    key: str,
    param: int,
    *,
    columns: Sequence[str] | None = None,
    where: str = "",
) -> str:
    """A subquery giving, as JSON text, ``table``'s rows whose ``key`` is in array ``$param``.

    ``columns`` (default all) are given; ``where`` narrows further, naming the row ``r``.
    """
    record = (
        "r"
        if columns is None
        else "json_build_object(" + ", ".join(f"'{c}', r.{c}" for c in columns) + ")"
    )
    condition = f"r.{key} = ANY(${param}::{_array_type(table.c[key])})"
    if where:
        condition += f" AND {where}"
    return (
        f"(SELECT coalesce(json_agg({record}), '[]') FROM {table.name} r WHERE {condition})::text"
    )


async def fetch_json(conn: asyncpg.Connection, selects: str, *args: Any) -> list[list[Row]]:
    """Run ``SELECT`` of subqueries from ``select_rows`` in one round trip; each one's rows."""
    record = await conn.fetchrow(selects, *args)
    assert record is not None
    return [orjson.loads(text) for text in record]


def group_rows(rows: Iterable[Row], key: str) -> dict[Any, list[Row]]:
    """Rows in lists by the value of ``key`` (a school's open memberships, say)."""
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row)
    return grouped


# ------------------------------------------------------------------ guarded rows


class RowKind:
    """Rows kept per stream: a school's from ``school-{urn}``, a trust's from ``trust-{uid}``.

    Each row remembers in ``version`` the last version of its stream applied: an event of
    that stream at or below it was applied already (a replay without a rebuild) and is
    skipped. ``key`` is both the row's key column and the event field naming the row;
    ``stamp``, when given, is a column set to the time of the last event applied.
    """

    def __init__(
        self,
        table: Table,
        key: str,
        *,
        columns: Sequence[str] | None = None,
        stamp: str | None = None,
        also_set: str = "",
    ) -> None:
        self.table = table
        self.key = key
        self.columns = columns
        self.stamp = stamp
        self.upsert = upsert_sql(table, [key], columns=columns, guarded=True, also_set=also_set)

    def select(self, param: int) -> str:
        """The subquery loading the rows whose keys are in array ``$param``."""
        return select_rows(self.table, self.key, param, columns=self.columns)

    def rows(self, loaded: Iterable[Row] = ()) -> Rows:
        """A batch's rows of this kind, starting from ``loaded``."""
        return Rows(self, loaded)


class Rows(dict[Any, Row]):
    """A batch's rows of one kind by key, and the keys of those its events have changed."""

    def __init__(self, kind: RowKind, loaded: Iterable[Row] = ()) -> None:
        super().__init__((row[kind.key], row) for row in loaded)
        self.kind = kind
        self.changed: set[Any] = set()

    def write(self) -> Write | None:
        """The upsert of the rows changed since the last write, in key order; None if none."""
        if not self.changed:
            return None
        # A row loaded only to be read (a trust's name in a school's history) is not written.
        rows = [self[key] for key in sorted(self.changed)]
        self.changed = set()
        return rows_write(self.kind.upsert, rows)


class Batch:
    """What one batch of events works on: a dataclass, whose ``Rows`` fields are guarded."""

    guarded: dict[RowKind, Rows]

    def __post_init__(self) -> None:
        self.guarded = {v.kind: v for v in vars(self).values() if isinstance(v, Rows)}


B = TypeVar("B", bound=Batch)
Apply = Callable[[B, RecordedEvent], None]


class Appliers(Generic[B]):
    """A batched projection's functions, one per contract, and the row kind each guards.

    ``Appliers(a, b)`` takes in the functions of ``a`` and ``b``.
    """

    def __init__(self, *parts: Appliers[B]) -> None:
        self._by_type: dict[str, tuple[Apply[B], RowKind | None]] = {}
        for part in parts:
            for type_name, entry in part._by_type.items():
                self._add(type_name, entry)

    def on(
        self, contract: type[EventContract], guard: RowKind | None = None
    ) -> Callable[[Apply[B]], Apply[B]]:
        """Register the decorated function for ``contract``; ``guard``: the rows its stream keeps."""

        def register(fn: Apply[B]) -> Apply[B]:
            self._add(contract.type_name, (fn, guard))
            return fn

        return register

    def _add(self, type_name: str, entry: tuple[Apply[B], RowKind | None]) -> None:
        if type_name in self._by_type:
            raise ValueError(f"{type_name} already has an applier")
        self._by_type[type_name] = entry

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._by_type

    def current(
        self, events: Sequence[RecordedEvent], registry: EventRegistry
    ) -> list[RecordedEvent]:
        """The events these appliers take, with their data in the current contract's shape."""
        return [e.current(registry) for e in events if e.type in self._by_type]

    def keys(self, events: Iterable[RecordedEvent], kind: RowKind) -> set[Any]:
        """The keys of the rows of ``kind`` that ``events`` guard."""
        return {
            e.data[kind.key]
            for e in events
            if e.type in self._by_type and self._by_type[e.type][1] is kind
        }

    def apply(self, batch: B, event: RecordedEvent) -> None:
        """Apply one event to ``batch``, unless its stream's row has had it already."""
        fn, kind = self._by_type[event.type]
        if kind is None:
            fn(batch, event)
            return
        rows = batch.guarded[kind]
        key = event.data[kind.key]
        row = rows.get(key)
        if row is not None and event.stream_version <= row["version"]:
            return  # applied already: a replay without a rebuild
        fn(batch, event)
        row = rows.get(key)
        if row is not None:
            row["version"] = event.stream_version
            if kind.stamp is not None:
                row[kind.stamp] = event.recorded_at
            rows.changed.add(key)


# ------------------------------------------------------------------ writing


class Pipeline:
    """Statements sent one after another on one connection, each prepared while the server
    runs the one before.

    A connection takes one statement at a time, so each still waits for the one before;
    what overlaps is this thread's work (applying events, encoding rows) with the server's.
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._running: asyncio.Future[str] | None = None

    async def send(self, sql: str, arguments: Callable[[], Sequence[Any]]) -> None:
        """Send ``sql`` once the statement before it is done; its arguments are made first."""
        args = arguments()
        await self.flush()
        self._running = asyncio.ensure_future(self._conn.execute(sql, *args))
        await asyncio.sleep(0)  # lets it be sent before this thread gets busy

    async def flush(self) -> None:
        """Wait for the statement sent last, raising what it raised."""
        running, self._running = self._running, None
        if running is not None:
            await running

    async def __aenter__(self) -> Pipeline:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.flush()
            return
        # Never leave a statement running on the connection the consumer commits on.
        running, self._running = self._running, None
        if running is not None and not running.done():
            with contextlib.suppress(Exception):
                await running


# ------------------------------------------------------------------ the consumer


@dataclass
class BatchProjection(Generic[B]):
    """A consumer applying each batch of events in the three steps of the module docstring."""

    name: str
    categories: Collection[str] | None
    appliers: Appliers[B]
    load: Callable[[asyncpg.Connection, Sequence[RecordedEvent]], Awaitable[B]]
    # The statements writing what the events applied since the last call changed.
    writes: Callable[[B], Iterable[Write]]
    # Events applied between two rounds of writes (None: the whole batch at once): big
    # enough to amortise the round trips, small enough that the server always has the
    # previous chunk's writes to do while this one is worked out.
    chunk: int | None = None
    # Run after the batch's writes, in its transaction.
    after: Callable[[asyncpg.Connection, B], Awaitable[None]] | None = None
    # Run once the log holds nothing more for this consumer, by the same test a rebuild
    # ends on (``rebuild.caught_up``): the end of a replay, or of a burst such as an
    # import. Work worth doing once rather than after every batch.
    when_caught_up: Callable[[asyncpg.Connection], Awaitable[None]] | None = None

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Load, apply in log order, write; in the consumer's transaction."""
        conn = ctx.conn
        mine = self.appliers.current(events, ctx.registry)
        if mine:
            batch = await self.load(conn, mine)
            step = self.chunk or len(mine)
            async with Pipeline(conn) as pipeline:
                for start in range(0, len(mine), step):
                    for event in mine[start : start + step]:
                        self.appliers.apply(batch, event)
                    for sql, arguments in self.writes(batch):
                        await pipeline.send(sql, arguments)
            if self.after is not None:
                await self.after(conn, batch)
        if (
            self.when_caught_up is not None
            and events
            and not await log_has_more(conn, events[-1].checkpoint, self.categories)
        ):
            await self.when_caught_up(conn)
