"""Appending: expected versions, idempotent retries, contracts refused, append-only table."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.db import asyncpg_dsn
from shared.eventlog.contracts import ContractError, EventContract, EventMetadata
from shared.eventlog.errors import EventIdReused, InvalidStreamId, WrongExpectedVersion
from shared.eventlog.model import ANY, NO_STREAM, STREAM_EXISTS, NewEvent, StreamAppend
from shared.eventlog.store import COPY_MIN_EVENTS, EventStore
from shared.eventlog.verify import verify_log
from tests.contracts import Measured, Noted
from tests.integration.helpers import META, note, unique_category

pytestmark = pytest.mark.eventlog


def stream() -> str:
    return f"{unique_category()}-1"


async def test_exact_version_appends_and_stale_version_conflicts(store: EventStore) -> None:
    s = stream()
    first = await store.append(s, [note(1)], expected_version=NO_STREAM)
    assert (first.first_version, first.last_version) == (1, 1)
    second = await store.append(s, [note(2), note(3)], expected_version=1)
    assert (second.first_version, second.last_version) == (2, 3)
    assert second.positions[0] < second.positions[1]
    with pytest.raises(WrongExpectedVersion) as err:
        await store.append(s, [note(4)], expected_version=1)
    assert (err.value.actual, err.value.expected) == (3, 1)
    assert await store.stream_version(s) == 3


async def test_no_stream_refuses_an_existing_stream(store: EventStore) -> None:
    s = stream()
    await store.append(s, [note()], expected_version=NO_STREAM)
    with pytest.raises(WrongExpectedVersion):
        await store.append(s, [note()], expected_version=NO_STREAM)


async def test_any_appends_whatever_the_version(store: EventStore) -> None:
    s = stream()
    await store.append(s, [note()], expected_version=ANY)
    result = await store.append(s, [note()], expected_version=ANY)
    assert result.last_version == 2


async def test_exists_needs_the_stream(store: EventStore) -> None:
    s = stream()
    with pytest.raises(WrongExpectedVersion):
        await store.append(s, [note()], expected_version=STREAM_EXISTS)
    await store.append(s, [note()], expected_version=ANY)
    assert (await store.append(s, [note()], expected_version=STREAM_EXISTS)).last_version == 2


@pytest.mark.parametrize("expected", [0, 1])
async def test_two_writers_with_the_same_expected_version_one_wins(
    store: EventStore, expected: int
) -> None:
    s = stream()
    if expected:
        await store.append(s, [note()], expected_version=NO_STREAM)
    outcomes = await asyncio.gather(
        *(store.append(s, [note(i)], expected_version=expected) for i in range(8)),
        return_exceptions=True,
    )
    wins = [o for o in outcomes if not isinstance(o, BaseException)]
    losses = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(wins) == 1
    assert all(isinstance(o, WrongExpectedVersion) for o in losses)
    assert await store.stream_version(s) == expected + 1


async def test_resending_the_same_events_is_idempotent(store: EventStore) -> None:
    s = stream()
    events = [note(1), note(2)]
    first = await store.append(s, events, expected_version=NO_STREAM)
    again = await store.append(s, events, expected_version=NO_STREAM)
    assert again.duplicate and again.positions == first.positions
    any_again = await store.append(s, events, expected_version=ANY)
    assert any_again.duplicate and any_again.positions == first.positions
    assert len(await store.read_stream(s)) == 2


async def test_an_event_id_cannot_be_reused_for_another_event(store: EventStore) -> None:
    s = stream()
    event = note(1)
    await store.append(s, [event], expected_version=ANY)
    with pytest.raises(EventIdReused):
        await store.append(stream(), [event], expected_version=ANY)
    with pytest.raises(EventIdReused):
        await store.append(s, [event, note(2)], expected_version=ANY)


async def test_an_event_failing_its_contract_is_refused_and_nothing_is_written(
    store: EventStore,
) -> None:
    s = stream()
    broken = Noted.model_construct(n="not a number", text="x")  # type: ignore[arg-type]
    with pytest.raises(ContractError):
        await store.append(s, [note(1), NewEvent(broken, META)], expected_version=ANY)
    with pytest.raises(ContractError):
        await store.append(
            s, [NewEvent(Measured(payload={"x": float("nan")}), META)], expected_version=ANY
        )
    with pytest.raises(ContractError):
        await store.append(s, [NewEvent(Noted(text="nul \x00 byte"), META)], expected_version=ANY)
    assert await store.stream_version(s) == 0


async def test_unregistered_contracts_are_refused(store: EventStore) -> None:
    class Stray(EventContract):
        type_name = "test.Stray"

    with pytest.raises(ContractError):
        await store.append(stream(), [NewEvent(Stray(), META)], expected_version=ANY)


async def test_stream_ids_name_their_category(store: EventStore) -> None:
    with pytest.raises(InvalidStreamId):
        await store.append("no category", [note()], expected_version=ANY)
    s = stream()
    await store.append(s, [note()], expected_version=ANY)
    (event,) = await store.read_stream(s)
    assert event.category == s.split("-")[0]


async def test_metadata_is_stored_with_each_event(store: EventStore) -> None:
    s = stream()
    cause = uuid.uuid4()
    meta = EventMetadata(
        actor="alice",
        reason="because",
        correlation_id="req-1",
        causation_id=cause,
        source="import-7",
    )
    await store.append(s, [NewEvent(Noted(), meta)], expected_version=ANY)
    (event,) = await store.read_stream(s)
    assert event.meta == meta
    assert event.recorded_at.tzinfo is not None


async def test_a_writing_role_cannot_rewrite_the_log(store: EventStore, database_url: str) -> None:
    s = stream()
    await store.append(s, [note()], expected_version=ANY)
    async with store.pool.acquire() as conn:
        assert await conn.fetchval("SELECT current_user") == "strongtrusts_test"
        for sql in (
            "UPDATE events SET data = '{}' WHERE stream_id = $1",
            "DELETE FROM events WHERE stream_id = $1",
        ):
            with pytest.raises(asyncpg.PostgresError):
                await conn.execute(sql, s)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("TRUNCATE events")
    # Even the owner is stopped by the triggers.
    owner = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await owner.execute("DELETE FROM events WHERE stream_id = $1", s)
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await owner.execute("TRUNCATE events")
    finally:
        await owner.close()
    assert len(await store.read_stream(s)) == 1


async def test_writers_cannot_hold_a_transaction_open_forever(store: EventStore) -> None:
    # An idle open transaction would hold back every reader's horizon.
    async with store.pool.acquire() as conn:
        assert await conn.fetchval("SHOW idle_in_transaction_session_timeout") == "30s"


async def test_many_streams_append_together_or_not_at_all(store: EventStore) -> None:
    a, b, c = stream(), stream(), stream()
    await store.append(b, [note(1)], expected_version=NO_STREAM)
    results = await store.append_streams(
        [
            StreamAppend(a, [note(1), note(2)], NO_STREAM),
            StreamAppend(b, [note(2)], 1),
        ]
    )
    assert [(r.stream_id, r.first_version, r.last_version) for r in results] == [
        (a, 1, 2),
        (b, 2, 2),
    ]
    with pytest.raises(WrongExpectedVersion) as err:
        await store.append_streams(
            [StreamAppend(c, [note()], NO_STREAM), StreamAppend(b, [note()], 1)]
        )
    assert (err.value.stream_id, err.value.actual) == (b, 2)
    assert await store.stream_version(c) == 0, "a refused multi-stream append writes nothing"
    assert [e.data["n"] for e in await store.read_stream(b)] == [1, 2]


async def test_concurrent_multi_stream_appends_to_one_stream_conflict_cleanly(
    store: EventStore,
) -> None:
    s = stream()
    outcomes = await asyncio.gather(
        *(store.append_streams([StreamAppend(s, [note(i), note(i)], NO_STREAM)]) for i in range(6)),
        return_exceptions=True,
    )
    losses = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(losses) == 5
    assert all(isinstance(o, WrongExpectedVersion) and o.stream_id == s for o in losses)
    assert await store.stream_version(s) == 2


async def test_multi_stream_appends_on_a_connection_without_a_transaction_still_verify(
    store: EventStore,
) -> None:
    s = stream()
    async with store.pool.acquire() as conn:
        await store.append_streams([StreamAppend(s, [note(1), note(2)], NO_STREAM)], conn=conn)
    events = await store.read_stream(s)
    assert [e.stream_version for e in events] == [1, 2]
    async with store.pool.acquire() as conn:
        report = await verify_log(conn)
    assert not [b for b in report.breaks if s in b.detail], "the hashes must cover the stored time"


# ------------------------------------------- large batches (COPY into staging, then INSERT)


def many(start: int, count: int) -> list[NewEvent]:
    return [note(i) for i in range(start, start + count)]


async def test_large_batches_land_in_order_and_verify(store: EventStore) -> None:
    assert COPY_MIN_EVENTS <= 100
    a, b, c = stream(), stream(), stream()
    await store.append(b, [note(0)], expected_version=NO_STREAM)
    results = await store.append_streams(
        [
            StreamAppend(a, many(1, 60), NO_STREAM),
            StreamAppend(b, many(1, 30), 1),
            StreamAppend(c, many(1, 10), NO_STREAM),
        ]
    )
    assert [(r.first_version, r.last_version) for r in results] == [(1, 60), (2, 31), (1, 10)]
    positions = [p for r in results for p in r.positions]
    assert positions == sorted(positions), "positions follow the order events were given"
    assert results[-1].last == max(r.last for r in results)
    assert [e.data["n"] for e in await store.read_stream(b)] == list(range(31))
    single = await store.append(c, many(100, 80), expected_version=10)
    assert (single.first_version, single.last_version) == (11, 90)
    async with store.pool.acquire() as conn:
        report = await verify_log(conn)
        # The staging rows went into the log; none are left behind.
        assert await conn.fetchval("SELECT count(*) FROM pg_temp.eventlog_staging") == 0
    assert not [x for x in report.breaks if any(s in x.detail for s in (a, b, c))]


async def test_a_large_batch_that_conflicts_writes_nothing(store: EventStore) -> None:
    a, b = stream(), stream()
    await store.append(b, [note(0)], expected_version=NO_STREAM)
    with pytest.raises(WrongExpectedVersion) as err:
        await store.append_streams(
            [StreamAppend(a, many(0, 100), NO_STREAM), StreamAppend(b, [note(1)], NO_STREAM)]
        )
    assert (err.value.stream_id, err.value.actual) == (b, 1)
    assert await store.stream_version(a) == 0
    # Writers racing for the same new stream: one wins, the others conflict at the INSERT.
    c = stream()
    outcomes = await asyncio.gather(
        *(store.append(c, many(i * 100, 100), expected_version=NO_STREAM) for i in range(4)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, WrongExpectedVersion) for o in outcomes) == 3
    assert await store.stream_version(c) == 100


async def test_large_batches_twice_in_one_transaction(store: EventStore) -> None:
    a, b = stream(), stream()
    async with store.transaction() as conn:
        await store.append_streams([StreamAppend(a, many(0, 70), NO_STREAM)], conn=conn)
        await store.append_streams([StreamAppend(b, many(0, 70), NO_STREAM)], conn=conn)
    assert [len(await store.read_stream(s)) for s in (a, b)] == [70, 70]


async def test_a_large_batch_resent_is_refused_by_its_ids(store: EventStore) -> None:
    events = many(0, 80)
    s = stream()
    await store.append_streams([StreamAppend(s, events, NO_STREAM)])
    with pytest.raises(EventIdReused):
        await store.append_streams([StreamAppend(stream(), events, NO_STREAM)])
