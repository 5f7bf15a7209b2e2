"""Durable consumers: exactly-once across a crash, one leader, wake-ups, visible failures."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest

from shared.db import asyncpg_dsn
from shared.eventlog.contracts import EventContract, EventMetadata, EventRegistry
from shared.eventlog.model import ANY, NewEvent, RecordedEvent
from shared.eventlog.projection import Handler, Handlers, Projection
from shared.eventlog.signals import LogSignals
from shared.eventlog.status import subscription_statuses
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerFailed, ConsumerRunner, HandlerContext
from shared.settings import PROJECT_ROOT
from tests.contracts import Noted, test_registry
from tests.integration.helpers import META, note, unique_category, wait_until

pytestmark = pytest.mark.eventlog


class Counter:
    """Counts what it handles, in memory and in a table row written with its checkpoint."""

    def __init__(self, name: str, categories: set[str]) -> None:
        self.name = name
        self.categories = categories
        self.seen: list[uuid.UUID] = []

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        self.seen.extend(e.event_id for e in events)


@pytest.fixture
async def signals(database_url: str) -> AsyncIterator[LogSignals]:
    s = LogSignals(database_url)
    await s.start()
    await asyncio.wait_for(s.wait_listening(), 10)
    yield s
    await s.stop()


def _on_noted(fn: Handler[Noted]) -> Handlers:
    handlers = Handlers()
    handlers.on(Noted)(fn)
    return handlers


async def _run(runner: ConsumerRunner) -> asyncio.Task[None]:
    return asyncio.create_task(runner.run())


async def _stop(*tasks: asyncio.Task[None]) -> None:
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_consumer_killed_mid_batch_has_exactly_once_effects_after_restart(
    store: EventStore, database_url: str, admin_url: str
) -> None:
    category = unique_category("crash")
    name = f"crash-{uuid.uuid4().hex[:8]}"
    # In the test role's own schema, where its consumers write.
    await store.pool.execute(
        "CREATE TABLE IF NOT EXISTS crash_effects (consumer text NOT NULL, event_id uuid NOT NULL)"
    )
    total = 400
    for chunk in range(0, total, 100):
        await store.append(
            f"{category}-{chunk}",
            [note(i) for i in range(chunk, chunk + 100)],
            expected_version=ANY,
        )

    async def effects() -> int:
        return int(
            await store.pool.fetchval(
                "SELECT count(*) FROM crash_effects WHERE consumer = $1", name
            )
        )

    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    cmd = [sys.executable, "-m", "tests.integration.consumer_proc", database_url, category, name]
    proc = await asyncio.create_subprocess_exec(*cmd, env=env, cwd=PROJECT_ROOT)
    try:
        await wait_until(lambda: _at_least(effects, 120), what="the first batches to commit")
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    killed_at = await effects()
    assert 0 < killed_at < total, "the kill should land part-way through"

    proc = await asyncio.create_subprocess_exec(*cmd, env=env, cwd=PROJECT_ROOT)
    try:
        await wait_until(lambda: _at_least(effects, total), what="the restarted consumer to finish")
        # Let it idle a moment in which a duplicate would show, by waiting for its status row
        # to confirm the checkpoint reached the end.
        await wait_until(
            lambda: _handled(store, name, total), what="the checkpoint to reach the end"
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    rows = await store.pool.fetch("SELECT event_id FROM crash_effects WHERE consumer = $1", name)
    ids = [r["event_id"] for r in rows]
    assert len(ids) == total and len(set(ids)) == total


async def _at_least(count: object, n: int) -> bool:
    return await count() >= n  # type: ignore[operator,no-any-return]


async def _handled(store: EventStore, name: str, n: int) -> bool:
    handled = await store.pool.fetchval(
        "SELECT events_handled FROM subscriptions WHERE name = $1", name
    )
    return handled is not None and handled >= n


async def test_delivery_continues_after_the_listen_connection_is_killed(
    store: EventStore, database_url: str, signals: LogSignals
) -> None:
    category = unique_category("listen")
    counter = Counter(f"listen-{uuid.uuid4().hex[:8]}", {category})
    # A long poll interval: only a working wake-up path delivers promptly.
    runner = ConsumerRunner(counter, store, None, database_url, poll_interval_s=30)
    runner.signals = signals
    task = await _run(runner)
    try:
        await asyncio.wait_for(runner.active.wait(), 10)
        before = signals.listen_backend_pid
        admin = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", before)
        finally:
            await admin.close()

        async def relistened() -> bool:
            return signals.listening and signals.listen_backend_pid not in (None, before)

        await wait_until(relistened, what="the listener to reconnect")
        # Another process appends: only NOTIFY over the new connection can wake us.
        other = EventStore(store.pool, test_registry)
        received = signals.notifications_received
        await other.append(f"{category}-1", [note(1)], expected_version=ANY)
        await store.pool.execute("NOTIFY strongtrusts_events")

        async def delivered() -> bool:
            return len(counter.seen) == 1

        await wait_until(delivered, timeout_s=10, what="the event after the listener died")
        assert signals.notifications_received > received
    finally:
        await _stop(task)


async def test_polling_delivers_when_no_notification_comes(
    store: EventStore, database_url: str
) -> None:
    category = unique_category("poll")
    counter = Counter(f"poll-{uuid.uuid4().hex[:8]}", {category})
    runner = ConsumerRunner(counter, store, None, database_url, poll_interval_s=0.05)
    task = await _run(runner)
    try:
        await asyncio.wait_for(runner.active.wait(), 10)
        await EventStore(store.pool, test_registry).append(
            f"{category}-1", [note()], expected_version=ANY
        )

        async def delivered() -> bool:
            return len(counter.seen) == 1

        await wait_until(delivered, what="polling to deliver")
    finally:
        await _stop(task)


async def test_only_one_instance_of_a_consumer_makes_progress(
    store: EventStore, database_url: str, signals: LogSignals
) -> None:
    category = unique_category("leader")
    name = f"leader-{uuid.uuid4().hex[:8]}"
    a, b = Counter(name, {category}), Counter(name, {category})
    ra = ConsumerRunner(a, store, signals, database_url, poll_interval_s=0.05)
    rb = ConsumerRunner(b, store, signals, database_url, poll_interval_s=0.05)
    ta, tb = await _run(ra), await _run(rb)
    try:
        await wait_until(lambda: _true(ra.active.is_set() or rb.active.is_set()), what="a leader")
        for i in range(5):
            await store.append(f"{category}-{i}", [note(i), note(i)], expected_version=ANY)
        await wait_until(lambda: _true(len(a.seen) + len(b.seen) >= 10), what="delivery")
        # Seen is not yet committed: stop the leader only once its checkpoint is stored.
        await wait_until(lambda: _handled(store, name, 10), what="the checkpoint")
        assert ra.active.is_set() != rb.active.is_set()
        assert sorted(map(len, (a.seen, b.seen))) == [0, 10]
        # The leader goes away: the standby takes over from the checkpoint, repeating nothing.
        leader, standby = (ta, b) if ra.active.is_set() else (tb, a)
        await _stop(leader)
        await store.append(f"{category}-x", [note(99)], expected_version=ANY)
        await wait_until(lambda: _true(len(standby.seen) == 1), what="the standby to take over")
        # As above: what it saw is committed with its checkpoint a moment later.
        await wait_until(lambda: _handled(store, name, 11), what="the standby's checkpoint")
    finally:
        await _stop(ta, tb)
    status = {s.name: s for s in await subscription_statuses(store.pool)}[name]
    assert status.events_handled == 11


async def test_a_fenced_out_instance_cannot_move_the_checkpoint(
    store: EventStore, database_url: str
) -> None:
    category = unique_category("fence")
    name = f"fence-{uuid.uuid4().hex[:8]}"
    counter = Counter(name, {category})
    runner = ConsumerRunner(counter, store, None, database_url, poll_interval_s=0.05)
    task = await _run(runner)
    try:
        await asyncio.wait_for(runner.active.wait(), 10)
        # Someone else became leader behind this one's back (as after a lost lock).
        await store.pool.execute("UPDATE subscriptions SET fence = fence + 1 WHERE name = $1", name)
        await store.append(f"{category}-1", [note()], expected_version=ANY)
        # Its first try is refused at the checkpoint and rolled back; it then wins the lock
        # again (no real rival here), bumps the fence and handles the event for good.
        await wait_until(lambda: _true(len(counter.seen) == 2), what="a refused then a real commit")
        await wait_until(lambda: _handled(store, name, 1), what="the checkpoint")
    finally:
        await _stop(task)
    row = await store.pool.fetchrow(
        "SELECT events_handled, fence FROM subscriptions WHERE name = $1", name
    )
    assert row is not None and row["events_handled"] == 1 and row["fence"] == 3
    assert counter.seen[0] == counter.seen[1]


async def _true(value: bool) -> bool:
    return value


class Future(EventContract):
    """A contract this consumer's code does not know."""

    type_name = "test.FromTheFuture"


async def test_unknown_event_types_are_skipped(store: EventStore, database_url: str) -> None:
    category = unique_category("unknown")
    newer = EventRegistry([Noted, Future])
    await EventStore(store.pool, newer).append(
        f"{category}-1",
        [note(1), NewEvent(Future(), META), note(2)],
        expected_version=ANY,
    )
    seen: list[int] = []

    async def on_noted(noted: Noted, event: RecordedEvent, ctx: HandlerContext) -> None:
        seen.append(noted.n)

    projection = Projection(f"skip-{uuid.uuid4().hex[:8]}", _on_noted(on_noted), {category})
    runner = ConsumerRunner(projection, store, None, database_url, poll_interval_s=0.05)
    task = await _run(runner)
    try:
        await wait_until(lambda: _true(seen == [1, 2]), what="the known events")
    finally:
        await _stop(task)


@pytest.mark.parametrize("error", [ValueError, TimeoutError, FileNotFoundError])
async def test_a_handler_that_keeps_failing_stops_its_consumer_visibly(
    store: EventStore, database_url: str, error: type[Exception]
) -> None:
    category = unique_category("poison")
    await store.append(f"{category}-1", [note(1), note(2), note(3)], expected_version=ANY)
    seen: list[int] = []

    async def on_noted(noted: Noted, event: RecordedEvent, ctx: HandlerContext) -> None:
        if noted.n == 2:
            # Timeouts and missing files are OSErrors, but still the handler's failure.
            raise error("cannot handle two")
        seen.append(noted.n)

    name = f"poison-{uuid.uuid4().hex[:8]}"
    projection = Projection(name, _on_noted(on_noted), {category})
    runner = ConsumerRunner(
        projection,
        store,
        None,
        database_url,
        poll_interval_s=0.05,
        max_attempts=3,
        retry_base_s=0.001,
    )
    with pytest.raises(ConsumerFailed, match="cannot handle two"):
        await asyncio.wait_for(runner.run(), 20)
    # (1 shows twice: once in the batch that failed and was rolled back, once on its own.)
    assert 3 not in seen and set(seen) == {1}, "the event after the poison one must not be handled"
    status = {s.name: s for s in await subscription_statuses(store.pool)}[name]
    assert status.status == "failed"
    assert status.failed_event_type == "test.Noted"
    assert status.attempts == 3
    assert status.last_error is not None and "cannot handle two" in status.last_error
    (_, poison, _) = await store.read_stream(f"{category}-1")
    assert status.failed_position == poison.position
    assert status.lag_events >= 2


@pytest.mark.parametrize(
    "error",
    [asyncpg.InternalClientError, asyncpg.ConnectionDoesNotExistError, ConnectionResetError],
)
async def test_a_connection_lost_inside_a_handler_does_not_use_up_its_attempts(
    store: EventStore, database_url: str, error: type[Exception]
) -> None:
    # What a handler's queries raise while PostgreSQL restarts: the database's fault, so
    # however often it happens, the event is tried again and never counted as failing.
    category = unique_category("restart")
    await store.append(f"{category}-1", [note(1), note(2), note(3)], expected_version=ANY)
    seen: list[int] = []
    losses = 0

    async def on_noted(noted: Noted, event: RecordedEvent, ctx: HandlerContext) -> None:
        nonlocal losses
        if noted.n == 2 and losses < 6:
            losses += 1
            raise error("the server went away")
        seen.append(noted.n)

    name = f"restart-{uuid.uuid4().hex[:8]}"
    runner = ConsumerRunner(
        Projection(name, _on_noted(on_noted), {category}),
        store,
        None,
        database_url,
        poll_interval_s=0.01,
        max_attempts=2,
        retry_base_s=0.001,
    )
    task = await _run(runner)
    try:
        await wait_until(lambda: _true(3 in seen), what="the events after the lost connections")
    finally:
        await _stop(task)
    assert losses == 6 and seen[-3:] == [1, 2, 3]
    assert runner.stopped_by_failure is None
    status = {s.name: s for s in await subscription_statuses(store.pool)}[name]
    assert status.status == "running" and status.attempts == 0


async def test_a_handlers_appends_commit_with_its_checkpoint(
    store: EventStore, database_url: str
) -> None:
    category = unique_category("react")
    await store.append(f"{category}-1", [note(1)], expected_version=ANY)

    async def react(noted: Noted, event: RecordedEvent, ctx: HandlerContext) -> None:
        await ctx.append(
            f"{category}x-1",
            [
                NewEvent(
                    Noted(n=noted.n + 1),
                    EventMetadata(actor="policy").caused_by(event.event_id),
                )
            ],
            expected_version=ANY,
        )

    runner = ConsumerRunner(
        Projection(f"react-{uuid.uuid4().hex[:8]}", _on_noted(react), {category}),
        store,
        None,
        database_url,
        poll_interval_s=0.05,
    )
    task = await _run(runner)
    try:

        async def reacted() -> bool:
            return await store.stream_version(f"{category}x-1") == 1

        await wait_until(reacted, what="the reaction")
    finally:
        await _stop(task)
    (reaction,) = await store.read_stream(f"{category}x-1")
    (cause,) = await store.read_stream(f"{category}-1")
    assert reaction.meta.causation_id == cause.event_id
