"""Approved transfers through the log: the registry schedules them and applies them on the day.

The registry app runs with a hand-moved clock; the tests write commissioning's events into
case streams themselves (the registry only reads the log) and watch what the registry
writes back and what its read side shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import httpx
import pytest

from services.registry.main import create_app
from services.registry.transfers.apply import Applied, apply_due
from services.registry.transfers.clock import ManualClock
from services.registry.transfers.consumer import TransfersConsumer
from services.registry.transfers.scheduler import SCHEDULER_NAME, TransferScheduler
from shared.contracts import all_contracts
from shared.contracts.commissioning import (
    CaseClosed,
    DecisionChallenged,
    DecisionRecorded,
    SignificantDateChanged,
    TransferApproved,
)
from shared.contracts.registry import (
    OfstedInspectionRecorded,
    SchoolClosed,
    SchoolJoinedTrust,
    SchoolRegistered,
    TrustClosed,
    TrustIncorporated,
)
from shared.db import asyncpg_dsn
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.leader import LOCK_SALT
from shared.eventlog.model import ANY, NewEvent, RecordedEvent
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import HandlerContext
from shared.http.auth import Role, issue_token
from shared.ownership import OwnerName
from shared.settings import Settings
from tests.integration.helpers import wait_until
from tests.integration.test_registry_projections import (
    fresh_uids,
    fresh_urns,
    school_details,
    trust_details,
)

TODAY = date(2026, 11, 22)
THIS_MONTH = date(2026, 11, 1)
NEXT_YEAR = date(2027, 1, 1)
REGISTRY_META = EventMetadata(actor="gias-feed", reason="test register")
ACTOR = "registry-transfers"


@pytest.fixture(scope="module")
def log(pool: asyncpg.Pool) -> EventStore:
    """The log, with every service's contracts (the test plays the other services)."""
    return EventStore(pool, all_contracts())


@pytest.fixture(scope="module")
def registry(service_stores: dict[OwnerName, EventStore]) -> EventStore:
    """The registry's own store, for driving its transfer internals by hand."""
    return service_stores["registry"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(TODAY)


@pytest.fixture
async def client(
    settings: Settings, database_url: str, clock: ManualClock
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, url=database_url, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        token = issue_token(settings, roles=[Role.READER], subject="analyst")
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        ) as c:
            yield c


# ------------------------------------------------------------------ the register


async def _append(log: EventStore, stream: str, *events: EventContract) -> None:
    await log.append(stream, [NewEvent(e, REGISTRY_META) for e in events], expected_version=ANY)


async def trusts(log: EventStore, n: int, *, closed: bool = False) -> list[int]:
    """``n`` new open (or closed) trusts on the register."""
    uids = await fresh_uids(log, n)
    for uid in uids:
        events: list[EventContract] = [
            TrustIncorporated(
                uid=uid, details=trust_details(f"Trust {uid}"), effective_on=date(2015, 4, 1)
            )
        ]
        if closed:
            events.append(TrustClosed(uid=uid, closed_on=date(2026, 8, 31)))
        await _append(log, f"trust-{uid}", *events)
    return uids


async def school(log: EventStore, trust_uid: int | None, *, closed: bool = False) -> int:
    """A new school on the register, run by ``trust_uid`` since 2020 (or by no trust)."""
    (urn,) = await fresh_urns(log, 1)
    events: list[EventContract] = [
        SchoolRegistered(
            urn=urn, details=school_details(f"School {urn}"), effective_on=date(2019, 9, 1)
        )
    ]
    if trust_uid is not None:
        events.append(
            SchoolJoinedTrust(
                urn=urn, trust_uid=trust_uid, joined_on=date(2020, 9, 1), reason="sponsorship"
            )
        )
    if closed:
        events.append(SchoolClosed(urn=urn, closed_on=date(2026, 7, 31), reason="merged"))
    await _append(log, f"school-{urn}", *events)
    return urn


# ------------------------------------------------------------ commissioning's side


class Decision:
    """An approved decision written the way commissioning writes it: one append, two events."""

    def __init__(self) -> None:
        self.case_id = uuid.uuid4().hex
        self.decision_id = uuid.uuid4().hex
        self.correlation_id = f"case-{self.case_id}"
        self.approved_event_id = uuid.uuid4()

    @property
    def stream(self) -> str:
        return f"case-{self.case_id}"

    def meta(self, actor: str = "rd-yorkshire") -> EventMetadata:
        return EventMetadata(
            actor=actor, reason="advisory board", correlation_id=self.correlation_id
        )

    async def approve(
        self,
        log: EventStore,
        urns: list[int],
        to_trust_uid: int,
        on: date,
        kind: str = "transfer",
    ) -> None:
        decided = DecisionRecorded(
            case_id=self.case_id,
            decision_id=self.decision_id,
            outcome="approved",
            decided_on=date(2026, 10, 20),
            decision_maker_name="Regional Director",
            decision_maker_capacity="regional_director_for_region",
            trust_uid=to_trust_uid,
            rationale="The strongest trust for this school.",
            significant_date=on,
        )
        approved = TransferApproved(
            case_id=self.case_id,
            decision_id=self.decision_id,
            urns=urns,
            to_trust_uid=to_trust_uid,
            significant_date=on,
            kind=kind,
        )
        await log.append(
            self.stream,
            [
                NewEvent(decided, self.meta()),
                NewEvent(approved, self.meta(), self.approved_event_id),
            ],
            expected_version=ANY,
        )

    async def then(self, log: EventStore, event: EventContract) -> uuid.UUID:
        new = NewEvent(event, self.meta("caseworker"))
        await log.append(self.stream, [new], expected_version=ANY)
        return new.event_id


# ------------------------------------------------------------------ observing


async def events_of(log: EventStore, stream: str, type_name: str) -> list[RecordedEvent]:
    return [e for e in await log.read_stream(stream) if e.type == type_name]


async def wait_for_event(
    log: EventStore, stream: str, type_name: str, n: int = 1
) -> list[RecordedEvent]:
    async def there() -> bool:
        return len(await events_of(log, stream, type_name)) >= n

    await wait_until(there, what=f"{n} {type_name} in {stream}")
    return await events_of(log, stream, type_name)


async def trust_of(pool: asyncpg.Pool, urn: int) -> int | None:
    value: int | None = await pool.fetchval(
        "SELECT trust_uid FROM registry_schools WHERE urn = $1", urn
    )
    return value


async def wait_for_trust(pool: asyncpg.Pool, urn: int, uid: int) -> None:
    async def moved() -> bool:
        return await trust_of(pool, urn) == uid

    await wait_until(moved, what=f"school {urn} in trust {uid} in the read model")


async def statuses(pool: asyncpg.Pool, decision: Decision) -> dict[int, str]:
    rows = await pool.fetch(
        "SELECT urn, status FROM registry_pending_transfers WHERE decision_id = $1",
        decision.decision_id,
    )
    return {r["urn"]: r["status"] for r in rows}


async def outcomes(pool: asyncpg.Pool, decision: Decision) -> dict[int, str]:
    rows = await pool.fetch(
        "SELECT urn, outcome FROM registry_pending_transfers WHERE decision_id = $1",
        decision.decision_id,
    )
    return {r["urn"]: r["outcome"] for r in rows}


async def wait_for_status(pool: asyncpg.Pool, decision: Decision, expected: dict[int, str]) -> None:
    async def reached() -> bool:
        return await statuses(pool, decision) == expected

    await wait_until(reached, what=f"decision {decision.decision_id} rows {expected}")


def caused_by_the_decision(event: RecordedEvent, decision: Decision) -> None:
    meta = event.meta
    assert meta.actor == ACTOR
    assert meta.causation_id == decision.approved_event_id
    assert meta.correlation_id == decision.correlation_id
    assert meta.reason is not None and decision.decision_id in meta.reason


async def a_due_transfer_went_through(log: EventStore, pool: asyncpg.Pool) -> None:
    """Approve and see applied a transfer due today: proof the scheduler has run a pass since."""
    old, new = await trusts(log, 2)
    urn = await school(log, old)
    control = Decision()
    await control.approve(log, [urn], new, THIS_MONTH)
    await wait_for_trust(pool, urn, new)


# ------------------------------------------------------------------------ tests


async def test_a_future_transfer_is_scheduled_then_applied_when_its_date_comes(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool, clock: ManualClock
) -> None:
    old, new = await trusts(log, 2)
    urn = await school(log, old)
    decision = Decision()
    await decision.approve(log, [urn], new, NEXT_YEAR)

    (scheduled,) = await wait_for_event(
        log, f"transfer-{decision.decision_id}", "registry.TransferScheduled"
    )
    assert scheduled.data == {
        "decision_id": decision.decision_id,
        "case_id": decision.case_id,
        "urns": [urn],
        "to_trust_uid": new,
        "significant_date": "2027-01-01",
    }
    caused_by_the_decision(scheduled, decision)
    # The scheduler applies what is due today and leaves next year's transfer alone.
    await a_due_transfer_went_through(log, pool)
    assert await statuses(pool, decision) == {urn: "pending"}
    assert await trust_of(pool, urn) == old
    assert await events_of(log, f"school-{urn}", "registry.SchoolTransferred") == []

    clock.advance_to(NEXT_YEAR)
    await wait_for_trust(pool, urn, new)
    (moved,) = await events_of(log, f"school-{urn}", "registry.SchoolTransferred")
    assert moved.data == {
        "urn": urn,
        "from_trust_uid": old,
        "to_trust_uid": new,
        "effective_on": "2027-01-01",
        "decision_reference": decision.decision_id,
        "reason": "commissioning_decision",
    }
    caused_by_the_decision(moved, decision)
    assert await statuses(pool, decision) == {urn: "applied"}

    now = (await client.get(f"/schools/{urn}")).json()
    assert now["trust"]["uid"] == new and now["trust"]["since"] == "2027-01-01"
    assert now["trust"]["join_reason"] == "transfer"
    before = (await client.get(f"/schools/{urn}", params={"as_of": "2026-12-31"})).json()
    assert before["trust"]["uid"] == old
    on_the_day = (await client.get(f"/schools/{urn}", params={"as_of": "2027-01-01"})).json()
    assert on_the_day["trust"]["uid"] == new
    listed = (await client.get(f"/trusts/{new}/schools", params={"as_of": "2027-01-01"})).json()
    assert urn in [s["urn"] for s in listed["items"]]


async def test_a_conversion_due_today_is_applied_at_once(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool
) -> None:
    (trust,) = await trusts(log, 1)
    urn = await school(log, None)
    decision = Decision()
    await decision.approve(log, [urn], trust, THIS_MONTH, kind="conversion")

    await wait_for_trust(pool, urn, trust)
    (joined,) = await events_of(log, f"school-{urn}", "registry.SchoolJoinedTrust")
    assert joined.data == {
        "urn": urn,
        "trust_uid": trust,
        "joined_on": "2026-11-01",
        "reason": "conversion",
        "decision_reference": decision.decision_id,
    }
    caused_by_the_decision(joined, decision)
    # Scheduled first, then applied: the case's story reads in order.
    await wait_for_event(log, f"transfer-{decision.decision_id}", "registry.TransferScheduled")
    view = (await client.get(f"/schools/{urn}")).json()
    assert view["trust"] == {
        "uid": trust,
        "name": f"Trust {trust}",
        "since": "2026-11-01",
        "join_reason": "conversion",
    }
    before = (await client.get(f"/schools/{urn}", params={"as_of": "2026-10-31"})).json()
    assert before["trust"] is None


async def test_schools_and_trusts_that_cannot_take_part_are_rejected_with_reasons(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool
) -> None:
    old, new = await trusts(log, 2)
    (closed_trust,) = await trusts(log, 1, closed=True)
    (unknown_trust,) = await fresh_uids(log, 1)
    (unknown_urn,) = await fresh_urns(log, 1)
    closed_school = await school(log, old, closed=True)
    # Inspected, but never registered: its stream exists, the register does not know it.
    (inspected_only,) = await fresh_urns(log, 1)
    await _append(
        log,
        f"school-{inspected_only}",
        OfstedInspectionRecorded(
            urn=inspected_only,
            framework="single_grade",
            inspection_start=date(2024, 3, 1),
            overall_effectiveness="good",
        ),
    )
    already = await school(log, new)
    movable = await school(log, old)
    to_closed, to_unknown = await school(log, old), await school(log, old)

    decision = Decision()
    await decision.approve(
        log, [closed_school, unknown_urn, inspected_only, already, movable], new, THIS_MONTH
    )
    towards_closed, towards_unknown = Decision(), Decision()
    await towards_closed.approve(log, [to_closed], closed_trust, THIS_MONTH)
    await towards_unknown.approve(log, [to_unknown], unknown_trust, THIS_MONTH)

    await wait_for_status(
        pool,
        decision,
        {
            closed_school: "rejected",
            unknown_urn: "rejected",
            inspected_only: "rejected",
            already: "rejected",
            movable: "applied",
        },
    )
    rejected = await events_of(log, f"transfer-{decision.decision_id}", "registry.TransferRejected")
    assert {e.data["urn"]: e.data["reason_code"] for e in rejected} == {
        closed_school: "school_closed",
        unknown_urn: "school_unknown",
        inspected_only: "school_unknown",
        already: "already_in_trust",
    }
    for event in rejected:
        caused_by_the_decision(event, decision)
        assert event.data["decision_id"] == decision.decision_id
        assert event.data["significant_date"] == "2026-11-01" and event.data["reason"]
    await wait_for_trust(pool, movable, new)
    assert await trust_of(pool, closed_school) == old
    assert await trust_of(pool, already) == new
    # Nothing was written to the schools that stayed put.
    for urn in (closed_school, already):
        assert await events_of(log, f"school-{urn}", "registry.SchoolTransferred") == []

    for other, code in ((towards_closed, "trust_closed"), (towards_unknown, "trust_unknown")):
        (event,) = await wait_for_event(
            log, f"transfer-{other.decision_id}", "registry.TransferRejected"
        )
        assert event.data["reason_code"] == code
        caused_by_the_decision(event, other)
    assert await trust_of(pool, to_closed) == old and await trust_of(pool, to_unknown) == old


async def test_a_changed_significant_date_reschedules_the_transfer(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool, clock: ManualClock
) -> None:
    old, new = await trusts(log, 2)
    urn = await school(log, old)
    decision = Decision()
    await decision.approve(log, [urn], new, date(2027, 3, 1))
    await wait_for_event(log, f"transfer-{decision.decision_id}", "registry.TransferScheduled")
    changed_id = await decision.then(
        log,
        SignificantDateChanged(
            case_id=decision.case_id,
            decision_id=decision.decision_id,
            previous_date=date(2027, 3, 1),
            significant_date=date(2027, 2, 1),
            reason="The trust asked to start at half term.",
        ),
    )
    _, again = await wait_for_event(
        log, f"transfer-{decision.decision_id}", "registry.TransferScheduled", n=2
    )
    assert again.data["significant_date"] == "2027-02-01" and again.data["urns"] == [urn]
    assert again.meta.causation_id == changed_id
    assert again.meta.correlation_id == decision.correlation_id
    assert again.meta.reason is not None and "half term" in again.meta.reason

    clock.advance_to(date(2027, 1, 31))
    await a_due_transfer_went_through(log, pool)
    assert await trust_of(pool, urn) == old
    clock.advance_to(date(2027, 2, 1))
    await wait_for_trust(pool, urn, new)
    (moved,) = await events_of(log, f"school-{urn}", "registry.SchoolTransferred")
    assert moved.data["effective_on"] == "2027-02-01"
    caused_by_the_decision(moved, decision)


async def test_closing_the_case_cancels_its_pending_transfer(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool, clock: ManualClock
) -> None:
    old, new = await trusts(log, 2)
    urn = await school(log, old)
    decision = Decision()
    await decision.approve(log, [urn], new, NEXT_YEAR)
    await wait_for_status(pool, decision, {urn: "pending"})
    await decision.then(
        log, CaseClosed(case_id=decision.case_id, closed_on=TODAY, reason="DAO revoked.")
    )
    await wait_for_status(pool, decision, {urn: "cancelled"})

    clock.advance_to(NEXT_YEAR)
    await a_due_transfer_went_through(log, pool)
    assert await trust_of(pool, urn) == old
    assert await events_of(log, f"school-{urn}", "registry.SchoolTransferred") == []
    assert await statuses(pool, decision) == {urn: "cancelled"}


async def test_a_challenged_approval_cancels_its_pending_transfer(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool, clock: ManualClock
) -> None:
    old, new = await trusts(log, 2)
    urn = await school(log, old)
    decision = Decision()
    await decision.approve(log, [urn], new, NEXT_YEAR)
    await wait_for_status(pool, decision, {urn: "pending"})
    challenged = DecisionChallenged(
        case_id=decision.case_id,
        decision_id=decision.decision_id,
        kind="challenge",
        capacity="minister",
        referred_to="minister.schools",
        reason="The outgoing trust challenges the choice.",
        challenged_on=TODAY,
    )
    await decision.then(log, challenged)
    await wait_for_status(pool, decision, {urn: "cancelled"})
    assert await outcomes(pool, decision) == {urn: "decision_challenged"}
    clock.advance_to(NEXT_YEAR)
    await a_due_transfer_went_through(log, pool)
    assert await trust_of(pool, urn) == old


async def _versions(log: EventStore, streams: list[str]) -> dict[str, int]:
    return {s: await log.stream_version(s) for s in streams}


async def test_a_replay_or_a_second_delivery_writes_nothing_twice(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool, registry: EventStore
) -> None:
    old, new = await trusts(log, 2)
    moving, staying = await school(log, old), await school(log, new)
    decision = Decision()
    await decision.approve(log, [moving, staying], new, THIS_MONTH)
    await wait_for_status(pool, decision, {moving: "applied", staying: "rejected"})
    streams = [f"school-{moving}", f"school-{staying}", f"transfer-{decision.decision_id}"]
    written = await _versions(log, streams)
    first_outcomes = await outcomes(pool, decision)
    case_events = await log.read_stream(decision.stream)

    async def deliver() -> None:
        # The consumer's handler run again over the same events, as after a rewind.
        async with registry.transaction() as conn:
            await TransfersConsumer().handle(case_events, HandlerContext(conn, registry))

    await deliver()
    assert await statuses(pool, decision) == {moving: "applied", staying: "rejected"}
    # Applying a settled row again does nothing.
    assert await apply_due(registry, decision.decision_id, moving, TODAY) is Applied.SKIPPED

    # Its table emptied and the events replayed: the rows come back pending and due, and
    # the scheduler finds their outcomes already in the log.
    await registry.pool.execute(
        "DELETE FROM registry_pending_transfers WHERE decision_id = $1", decision.decision_id
    )
    await deliver()
    await wait_for_status(pool, decision, {moving: "applied", staying: "rejected"})
    await a_due_transfer_went_through(log, pool)
    assert await _versions(log, streams) == written
    # Settled from the log, the rows say what settling them first said.
    assert (
        await outcomes(pool, decision)
        == first_outcomes
        == {
            moving: "registry.SchoolTransferred",
            staying: "already_in_trust",
        }
    )


async def test_a_register_behind_its_streams_is_waited_for_not_trusted(
    client: httpx.AsyncClient, log: EventStore, pool: asyncpg.Pool, registry: EventStore
) -> None:
    old, new = await trusts(log, 2)
    urn = await school(log, old)
    decision = Decision()
    await decision.approve(log, [urn], new, NEXT_YEAR)
    await wait_for_status(pool, decision, {urn: "pending"})
    await wait_for_trust(pool, urn, old)
    lag_school = "UPDATE registry_schools SET version = version + $2 WHERE urn = $1"
    lag_trust = "UPDATE registry_trusts SET version = version + $2 WHERE uid = $1"
    before = await _versions(log, [f"school-{urn}", f"transfer-{decision.decision_id}"])

    # Applied by hand on its date while the app's clock is still in November: a read model
    # one event behind its stream is not trusted, and nothing is written.
    for lag, key in ((lag_school, urn), (lag_trust, new)):
        await registry.pool.execute(lag, key, -1)
        try:
            assert await apply_due(registry, decision.decision_id, urn, NEXT_YEAR) is Applied.RETRY
        finally:
            await registry.pool.execute(lag, key, 1)
    assert await _versions(log, list(before)) == before
    assert await statuses(pool, decision) == {urn: "pending"}

    assert await apply_due(registry, decision.decision_id, urn, NEXT_YEAR) is Applied.WRITTEN
    await wait_for_trust(pool, urn, new)
    assert await apply_due(registry, decision.decision_id, urn, NEXT_YEAR) is Applied.SKIPPED


_SCHEDULER_LOCKS = """
SELECT count(*) FROM pg_locks
 WHERE locktype = 'advisory' AND granted AND objsubid = 2
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND classid::bigint = $1 AND objid::bigint = (hashtext($2)::bigint & 4294967295)
"""


async def test_one_scheduler_is_active_across_replicas_and_another_takes_over(
    settings: Settings, database_url: str, log: EventStore, pool: asyncpg.Pool
) -> None:
    clock = ManualClock(TODAY)
    first = create_app(settings, url=database_url, clock=clock)
    second = create_app(settings, url=database_url, clock=clock)

    async def holders() -> int:
        return int(await pool.fetchval(_SCHEDULER_LOCKS, LOCK_SALT, SCHEDULER_NAME))

    async def one_holder() -> bool:
        return await holders() == 1

    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(first.router.lifespan_context(first))
        await wait_until(one_holder, what="the first app's scheduler to take the lock")
        async with second.router.lifespan_context(second):
            await a_due_transfer_went_through(log, pool)
            assert await holders() == 1
            await running.aclose()  # the first replica stops; the second must take over
            await a_due_transfer_went_through(log, pool)
            assert await holders() == 1
    assert await holders() == 0


class VirtualTime:
    """A standby's sleep in which the time asked for passes at once, up to ``until``
    seconds; then it sleeps for good, so what happened in that time can be counted."""

    def __init__(self, until: float) -> None:
        self.until = until
        self.elapsed = 0.0

    async def __call__(self, seconds: float) -> None:
        if self.elapsed >= self.until:
            await asyncio.Event().wait()
        self.elapsed += seconds
        await asyncio.sleep(0)


async def test_a_standby_scheduler_asks_for_the_lock_once_a_poll_however_often_it_is_woken(
    database_url: str, log: EventStore
) -> None:
    # Another instance holds the lock for the whole test.
    holder = await asyncpg.connect(asyncpg_dsn(database_url))
    await holder.execute("SELECT pg_advisory_lock($1, hashtext($2))", LOCK_SALT, SCHEDULER_NAME)
    clock = ManualClock(TODAY)
    time = VirtualTime(until=60)
    standby = TransferScheduler(log, database_url, clock, poll_interval_s=0.5, sleep=time)
    task = asyncio.create_task(standby.run())
    try:

        async def attempted() -> bool:
            return standby.leader.lock_attempts > 0

        await wait_until(attempted, what="the standby's first lock attempt")
        # Clock ticks and wake-ups set the scheduler's wake-up, which nothing clears while
        # it stands by: they must not make it ask for the lock any more often.
        for days in range(1, 4):
            clock.advance_to(TODAY + timedelta(days=days))
            standby.wake()

        async def a_minute_passed_or_it_spun() -> bool:
            return time.elapsed >= time.until or standby.leader.lock_attempts > 1000

        await wait_until(a_minute_passed_or_it_spun, what="a minute of standing by")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await holder.close()
    assert not standby.active.is_set()
    # One attempt at the start and one after each poll interval, over the minute.
    assert standby.leader.lock_attempts <= 60 / 0.5 + 2, standby.leader.lock_attempts


async def test_a_due_transfer_waits_until_the_consumer_has_read_its_case(
    settings: Settings,
    database_url: str,
    log: EventStore,
    pool: asyncpg.Pool,
    registry: EventStore,
) -> None:
    clock = ManualClock(TODAY)
    app = create_app(settings, url=database_url, clock=clock)
    async with app.router.lifespan_context(app):
        old, new = await trusts(log, 2)
        urn = await school(log, old)
        await wait_for_trust(pool, urn, old)
    # The app is stopped: the consumer's checkpoint is behind the case, as after a rewind.
    decision = Decision()
    await decision.approve(log, [urn], new, THIS_MONTH)
    await decision.then(
        log, CaseClosed(case_id=decision.case_id, closed_on=TODAY, reason="Withdrawn.")
    )
    approved = await events_of(log, decision.stream, "commissioning.TransferApproved")
    # Its first batch held only the approval: the row is pending and due.
    async with registry.transaction() as conn:
        await TransfersConsumer().handle(approved, HandlerContext(conn, registry))
    assert await statuses(pool, decision) == {urn: "pending"}

    scheduler = TransferScheduler(registry, database_url, clock)
    assert await scheduler.run_due() is True  # to be tried again, not applied
    assert await statuses(pool, decision) == {urn: "pending"}
    assert await events_of(log, f"school-{urn}", "registry.SchoolTransferred") == []

    async with app.router.lifespan_context(app):
        await wait_for_status(pool, decision, {urn: "cancelled"})
        await a_due_transfer_went_through(log, pool)
    assert await events_of(log, f"school-{urn}", "registry.SchoolTransferred") == []
    assert await trust_of(pool, urn) == old
