"""The batched-projection toolkit over a real PostgreSQL: current-shape data, guarded rows,
chunked writes, and work left until the consumer has caught up."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import asyncpg
import pytest
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text

from shared.eventlog.batch import (
    Appliers,
    Batch,
    BatchProjection,
    RowKind,
    Rows,
    Write,
    fetch_json,
)
from shared.eventlog.contracts import EventContract, EventRegistry, JsonObject
from shared.eventlog.model import ANY, NewEvent, RecordedEvent
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import HandlerContext
from tests.integration.helpers import META, unique_category, wait_until

pytestmark = pytest.mark.eventlog


class LabelledV1(EventContract):
    """How test.Labelled was first published: the label as ``name``."""

    type_name = "test.Labelled"
    id: int
    name: str


class Labelled(EventContract):
    """test.Labelled today."""

    type_name = "test.Labelled"
    version = 2
    id: int
    label: str


OLD_CODE = EventRegistry([LabelledV1])
NEW_CODE = EventRegistry([Labelled])


@NEW_CODE.upcaster(Labelled.type_name, from_version=1)
def _name_becomes_label(data: JsonObject) -> JsonObject:
    return {"id": data["id"], "label": data["name"]}


@dataclass
class Things(Batch):
    things: Rows


@dataclass
class World:
    """A table of the test's own, a category of its own, and the projection writing it."""

    pool: asyncpg.Pool
    store: EventStore
    table: Table
    category: str
    # The row count each time the projection's caught-up work ran.
    caught_up: list[int] = field(default_factory=list)

    def projection(self, *, chunk: int | None = None) -> BatchProjection[Things]:
        kind = RowKind(self.table, "id")
        appliers = Appliers[Things]()

        @appliers.on(Labelled, kind)
        def _labelled(batch: Things, event: RecordedEvent) -> None:
            d = event.data
            row = batch.things.setdefault(d["id"], {"id": d["id"], "applied": 0})
            row["label"] = d["label"]
            row["applied"] += 1

        async def load(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> Things:
            keys = list(appliers.keys(events, kind))
            (rows,) = await fetch_json(conn, f"SELECT {kind.select(1)}", keys)
            return Things(kind.rows(rows))

        def writes(batch: Things) -> list[Write]:
            return [w for w in (batch.things.write(),) if w is not None]

        async def when_caught_up(conn: asyncpg.Connection) -> None:
            self.caught_up.append(await conn.fetchval(f"SELECT count(*) FROM {self.table.name}"))

        return BatchProjection(
            name=f"batch-{self.category}",
            categories={self.category},
            appliers=appliers,
            load=load,
            writes=writes,
            chunk=chunk,
            when_caught_up=when_caught_up,
        )

    async def handle(self, events: Sequence[RecordedEvent], *, chunk: int | None = None) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await self.projection(chunk=chunk).handle(events, HandlerContext(conn, self.store))

    async def rows(self) -> list[tuple[int, str, int, int]]:
        fetched = await self.pool.fetch(
            f"SELECT id, label, applied, version FROM {self.table.name} ORDER BY id"
        )
        return [tuple(r) for r in fetched]

    async def events(self, n: int) -> list[RecordedEvent]:
        found: list[RecordedEvent] = []

        async def readable() -> bool:
            found[:] = await self.store.read_all(categories={self.category}, limit=100)
            return len(found) == n

        # Other transactions on the server may hold the read horizon back a moment.
        await wait_until(readable, what="the test's events to be readable")
        return found


@pytest.fixture
async def world(pool: asyncpg.Pool) -> AsyncIterator[World]:
    # In the test role's own schema, first on its search path.
    name = f"batch_{uuid.uuid4().hex[:10]}"
    await pool.execute(
        f"CREATE TABLE {name} (id integer PRIMARY KEY, label text NOT NULL,"
        " applied integer NOT NULL, version bigint NOT NULL)"
    )
    table = Table(
        name,
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("label", Text, nullable=False),
        Column("applied", Integer, nullable=False),
        Column("version", BigInteger, nullable=False),
    )
    try:
        yield World(pool, EventStore(pool, NEW_CODE), table, unique_category("batch"))
    finally:
        await pool.execute(f"DROP TABLE {name}")


async def test_appliers_get_current_shape_data_and_a_replay_changes_nothing(
    world: World,
) -> None:
    old = EventStore(world.pool, OLD_CODE)
    await old.append(
        f"{world.category}-1", [NewEvent(LabelledV1(id=1, name="Ada"), META)], expected_version=ANY
    )
    await world.store.append(
        f"{world.category}-1",
        [NewEvent(Labelled(id=1, label="Ada Lovelace"), META)],
        expected_version=ANY,
    )
    await world.store.append(
        f"{world.category}-2",
        [NewEvent(Labelled(id=2, label="Grace Hopper"), META)],
        expected_version=ANY,
    )
    events = await world.events(3)
    assert [e.schema_version for e in events] == [1, 2, 2]

    # One event at a time between writes: the pipeline sends a round of writes per chunk.
    await world.handle(events, chunk=1)
    expected = [(1, "Ada Lovelace", 2, 2), (2, "Grace Hopper", 1, 1)]
    assert await world.rows() == expected

    # Each row remembers its stream's version: the same events again are skipped.
    await world.handle(events)
    await world.handle(events[:1])
    assert await world.rows() == expected


async def test_caught_up_work_waits_until_the_log_holds_nothing_more(world: World) -> None:
    for i in (1, 2):
        await world.store.append(
            f"{world.category}-{i}",
            [NewEvent(Labelled(id=i, label=f"thing {i}"), META)],
            expected_version=ANY,
        )
    first, second = await world.events(2)

    await world.handle([first])
    assert world.caught_up == []  # the second event is still to come

    await world.handle([second])
    assert world.caught_up == [2]
