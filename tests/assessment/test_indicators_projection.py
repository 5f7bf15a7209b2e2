"""The indicators' consumer over a real PostgreSQL: registry events in, exact figures out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import pytest

from services.assessment.indicators import load_indicators
from services.assessment.indicators.models import READ_MODEL_TABLES, metadata
from services.assessment.indicators.projection import (
    CATEGORIES,
    indicators_projection,
    rebuild_indicators,
    reset,
)
from shared.contracts import all_contracts
from shared.contracts.registry import (
    FieldChange,
    OfstedGrade,
    OfstedInspectionRecorded,
    ReportCardGrade,
    SchoolClosed,
    SchoolDetails,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolLinkedToPredecessor,
    SchoolRegistered,
    SchoolTransferred,
    TrustClosed,
    TrustDetails,
    TrustDetailsChanged,
    TrustIncorporated,
)
from shared.contracts.trust_inspections import TrustInspectionOutcome, TrustInspectionRecorded
from shared.db import create_pool
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent, RecordedEvent
from shared.eventlog.rebuild import ProjectionBusy, catch_up
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import HandlerContext
from shared.settings import Settings
from tests.conftest import TEST_SECRET
from tests.dbutil import tables_as_modelled
from tests.integration.helpers import wait_until

META = EventMetadata(actor="indicators-test", reason="a small registry scenario")
AS_OF = date(2026, 11, 22)
TRUST_A, TRUST_B = 7001, 7002
ALDER, BIRCH, CEDAR, DAMSON, ELDER, OLD_BIRCH = 100001, 100002, 100003, 100004, 100005, 200002


def as_of() -> date:
    return AS_OF


@dataclass
class Db:
    """A database of the test's own, so the consumer sees only the test's events."""

    url: str
    settings: Settings
    pool: asyncpg.Pool
    store: EventStore


@pytest.fixture
async def db(fresh_database: Callable[..., Awaitable[str]]) -> AsyncIterator[Db]:
    url = await fresh_database()
    settings = Settings(environment="test", database_url=url, jwt_secret=TEST_SECRET)
    pool = await create_pool(url, settings, max_size=5)
    try:
        yield Db(url, settings, pool, EventStore(pool, all_contracts()))
    finally:
        await pool.close()


async def caught_up(db: Db, today: Callable[[], date] = as_of) -> None:
    """Run the indicators' consumer here until it has handled the log, as the service would."""
    await catch_up(
        db.url,
        db.settings,
        indicators_projection(today),
        all_contracts(),
        service="assessment",
        batch_size=db.settings.consumer_batch_size,
        timeout_s=60,
    )


# ------------------------------------------------------------------ scenario


def details(name: str, **changes: Any) -> SchoolDetails:
    values: dict[str, Any] = {
        "name": name,
        "la_code": "383",
        "la_name": "Leeds",
        "status": "Open",
        "phase": "Primary",
        "pupils": 200,
        "region_code": "D",
        "region_name": "Yorkshire and the Humber",
    }
    values.update(changes)
    return SchoolDetails(**values)


def graded(urn: int, on: date, grade: OfstedGrade) -> OfstedInspectionRecorded:
    return OfstedInspectionRecorded(
        urn=urn, framework="single_grade", inspection_start=on, overall_effectiveness=grade
    )


def card(urn: int, on: date, **areas: ReportCardGrade) -> OfstedInspectionRecorded:
    return OfstedInspectionRecorded(
        urn=urn, framework="report_card", inspection_start=on, report_card=areas
    )


def registered(urn: int, name: str, **changes: Any) -> SchoolRegistered:
    return SchoolRegistered(
        urn=urn, details=details(name, **changes), effective_on=date(2014, 9, 1)
    )


def joined(urn: int, uid: int, on: date) -> SchoolJoinedTrust:
    return SchoolJoinedTrust(urn=urn, trust_uid=uid, joined_on=on, reason="conversion")


async def append(store: EventStore, stream: str, *events: EventContract) -> None:
    await store.append(stream, [NewEvent(e, META) for e in events], expected_version=ANY)


async def write_scenario(store: EventStore) -> None:
    """Two trusts; B ends with Alder (transferred in), Birch, Cedar and Damson."""
    for uid in (TRUST_A, TRUST_B):
        await append(
            store,
            f"trust-{uid}",
            TrustIncorporated(
                uid=uid,
                details=TrustDetails(
                    name=f"Trust {uid}", trust_type="multi_academy_trust", status="Open"
                ),
                effective_on=date(2011, 4, 1),
            ),
        )
    await append(
        store,
        f"trust-{TRUST_B}",
        TrustDetailsChanged(
            uid=TRUST_B,
            changes=[
                FieldChange(field="name", old=f"Trust {TRUST_B}", new="Northern Lights Trust")
            ],
            effective_on=date(2016, 1, 1),
        ),
    )
    # Alder: inadequate in trust A, transferred to B, good 14 months later.
    await append(
        store,
        f"school-{ALDER}",
        registered(ALDER, "Alder Primary", easting=430_000, northing=433_000),
        joined(ALDER, TRUST_A, date(2015, 9, 1)),
        graded(ALDER, date(2018, 1, 10), "good"),
        graded(ALDER, date(2023, 3, 7), "inadequate"),
        SchoolDetailsChanged(
            urn=ALDER,
            changes=[FieldChange(field="pupils", old=200, new=210)],
            effective_on=date(2024, 1, 1),
        ),
        SchoolTransferred(
            urn=ALDER,
            from_trust_uid=TRUST_A,
            to_trust_uid=TRUST_B,
            effective_on=date(2024, 9, 1),
            reason="commissioning_decision",
        ),
        graded(ALDER, date(2025, 11, 4), "good"),
    )
    # Birch's predecessor: requires improvement, then closed.
    await append(
        store,
        f"school-{OLD_BIRCH}",
        registered(OLD_BIRCH, "Birch High", phase="Secondary"),
        graded(OLD_BIRCH, date(2015, 5, 5), "good"),
        graded(OLD_BIRCH, date(2024, 5, 5), "requires_improvement"),
        SchoolClosed(urn=OLD_BIRCH, closed_on=date(2025, 12, 31)),
    )
    await append(
        store,
        f"school-{BIRCH}",
        registered(
            BIRCH, "Birch Academy", phase="Secondary", pupils=900, easting=433_000, northing=437_000
        ),
        SchoolLinkedToPredecessor(urn=BIRCH, predecessor_urn=OLD_BIRCH, link_type="Predecessor"),
        joined(BIRCH, TRUST_B, date(2026, 1, 1)),
    )
    await append(
        store,
        f"school-{CEDAR}",
        registered(
            CEDAR,
            "Cedar School",
            la_code="384",
            la_name="Wakefield",
            pupils=None,
            easting=436_000,
            northing=441_000,
        ),
        graded(CEDAR, date(2019, 5, 1), "outstanding"),
        joined(CEDAR, TRUST_B, date(2020, 9, 1)),
        card(CEDAR, date(2026, 2, 3), inclusion="needs_attention", achievement="strong_standard"),
    )
    await append(
        store,
        f"school-{DAMSON}",
        registered(
            DAMSON,
            "Damson Free School",
            la_code="873",
            la_name="Cambridgeshire",
            region_code="H",
            region_name="East of England",
            phase=None,
            pupils=120,
        ),
        joined(DAMSON, TRUST_B, date(2023, 12, 1)),
    )
    # Trust A, left with no schools, closes.
    await append(store, f"trust-{TRUST_A}", TrustClosed(uid=TRUST_A, closed_on=date(2025, 8, 31)))
    # Elder was in trust B and left: not counted.
    await append(
        store,
        f"school-{ELDER}",
        registered(ELDER, "Elder Infants", easting=100_000, northing=100_000),
        joined(ELDER, TRUST_B, date(2019, 1, 1)),
        SchoolLeftTrust(
            urn=ELDER, trust_uid=TRUST_B, left_on=date(2022, 8, 31), reason="reported_by_gias"
        ),
    )


def assert_trust_b(result: Any) -> None:
    """Trust B's figures as the scenario makes them, to the last digit."""
    assert (result.trust_uid, result.trust_name, result.trust_status) == (
        TRUST_B,
        "Northern Lights Trust",
        "Open",
    )
    assert result.as_of == AS_OF
    assert result.size.model_dump() == {
        "schools": 4,
        "pupils": 1230,
        "schools_without_pupil_count": 1,
    }
    ofsted = result.ofsted
    assert (ofsted.inspected, ofsted.not_inspected, ofsted.good_or_better) == (2, 2, 1)
    assert ofsted.single_grade["good"] == 1 and ofsted.report_card["needs_attention"] == 1
    assert ofsted.good_or_better_share == 0.5
    record = result.improvement
    assert (record.joined_below_good, record.reinspected, record.improved_to_good_or_better) == (
        2,
        1,
        1,
    )
    alder, birch = record.schools
    assert (alder.urn, alder.joined_on, alder.before.outcome, alder.before_urn) == (
        ALDER,
        date(2024, 9, 1),
        "inadequate",
        ALDER,
    )
    assert alder.first_after is not None
    assert (alder.first_after.outcome, alder.first_after.inspection_start) == (
        "good",
        date(2025, 11, 4),
    )
    assert (alder.days_taken, alder.months_taken) == (429, 14)
    assert (birch.urn, birch.before.outcome, birch.before_urn, birch.first_after) == (
        BIRCH,
        "requires_improvement",
        OLD_BIRCH,
        None,
    )
    assert record.median_days_to_first_judgement == 429.0
    assert result.growth.model_dump() == {"joined_last_12_months": 1, "joined_last_36_months": 3}
    geo = result.geography
    assert [(a.code, a.schools) for a in geo.local_authorities] == [
        ("383", 2),
        ("384", 1),
        ("873", 1),
    ]
    assert [(r.code, r.schools) for r in geo.regions] == [("D", 3), ("H", 1)]
    assert (geo.schools_located, geo.median_distance_km) == (3, 5.0)
    assert [(p.phase, p.schools) for p in result.phases] == [
        ("Primary", 2),
        ("Not recorded", 1),
        ("Secondary", 1),
    ]


async def rows(pool: asyncpg.Pool) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table in READ_MODEL_TABLES:
        key = "urn" if "schools" in table else "uid"
        fetched = await pool.fetch(f"SELECT row_to_json(t)::text FROM {table} t ORDER BY {key}")
        out[table] = [r[0] for r in fetched]
    return out


# --------------------------------------------------------------------- tests


async def test_the_migration_builds_the_tables_the_models_describe(pool: asyncpg.Pool) -> None:
    await tables_as_modelled(pool, "assessment", metadata, READ_MODEL_TABLES)
    indexes = {
        r[0]
        for r in await pool.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY($1::text[])",
            list(READ_MODEL_TABLES),
        )
    }
    assert {i.name for t in metadata.sorted_tables for i in t.indexes} <= indexes


async def test_a_registry_scenario_gives_exact_indicators(db: Db) -> None:
    await write_scenario(db.store)

    await caught_up(db)

    stored = await db.pool.fetchrow(
        "SELECT dirty, as_of FROM assessment_indicator_trusts WHERE uid = $1", TRUST_B
    )
    assert stored is not None and (stored["dirty"], stored["as_of"]) == (False, AS_OF)
    assert_trust_b(await load_indicators(db.pool, TRUST_B, as_of=AS_OF))
    emptied = await load_indicators(db.pool, TRUST_A, as_of=AS_OF)
    assert (emptied.trust_status, emptied.size.schools, emptied.improvement.joined_below_good) == (
        "Closed",
        0,
        0,
    )
    with pytest.raises(NotFound):
        await load_indicators(db.pool, 7999, as_of=AS_OF)


async def test_a_predecessor_s_late_inspection_reaches_its_successor_s_trust(db: Db) -> None:
    await write_scenario(db.store)
    await caught_up(db)

    # Published late: Birch's predecessor was inadequate just before Birch joined trust B.
    await append(db.store, f"school-{OLD_BIRCH}", graded(OLD_BIRCH, date(2025, 6, 1), "inadequate"))
    await caught_up(db)

    stored = await db.pool.fetchval(
        "SELECT indicators::text FROM assessment_indicator_trusts WHERE uid = $1 AND NOT dirty",
        TRUST_B,
    )
    assert stored is not None
    (birch,) = [
        c
        for c in (await load_indicators(db.pool, TRUST_B, as_of=AS_OF)).improvement.schools
        if c.urn == BIRCH
    ]
    assert (birch.before.outcome, birch.before.inspection_start) == ("inadequate", date(2025, 6, 1))


async def test_mid_replay_a_dirty_trust_is_read_from_its_facts(db: Db) -> None:
    await write_scenario(db.store)
    events: list[RecordedEvent] = []

    async def all_readable() -> bool:
        events[:] = await db.store.read_all(categories=CATEGORIES, limit=1000)
        return len(events) == 27

    # Other databases' transactions on the server may hold the read horizon back a moment.
    await wait_until(all_readable, what="the scenario's events to be readable")
    # Up to Cedar's events: Alder and Birch are in trust B, Cedar not yet.
    split = next(i for i, e in enumerate(events) if e.stream_id == f"school-{CEDAR}")
    projection = indicators_projection(as_of)
    async with db.pool.acquire() as conn, conn.transaction():
        await projection.handle(events[:split], HandlerContext(conn, db.store))
    dirty = await db.pool.fetchval(
        "SELECT dirty FROM assessment_indicator_trusts WHERE uid = $1", TRUST_B
    )
    assert dirty is True  # more events follow, so computing waits for them
    partial = await load_indicators(db.pool, TRUST_B, as_of=AS_OF)
    assert partial.size.schools == 2 and partial.geography.median_distance_km == 5.0

    async with db.pool.acquire() as conn, conn.transaction():
        await projection.handle(events[split:], HandlerContext(conn, db.store))
    assert (
        await db.pool.fetchval("SELECT count(*) FROM assessment_indicator_trusts WHERE dirty") == 0
    )
    assert_trust_b(await load_indicators(db.pool, TRUST_B, as_of=AS_OF))

    # The same events again change nothing.
    before = await rows(db.pool)
    async with db.pool.acquire() as conn, conn.transaction():
        await projection.handle(events, HandlerContext(conn, db.store))
    assert await rows(db.pool) == before


async def test_a_rebuild_from_the_log_gives_identical_rows(db: Db) -> None:
    await write_scenario(db.store)
    await caught_up(db)
    before = await rows(db.pool)
    assert len(before["assessment_indicator_schools"]) == 6
    assert len(before["assessment_indicator_trusts"]) == 2

    report = await rebuild_indicators(db.url, db.settings, today=as_of, timeout_s=60)

    assert report.events == 27  # every event of the scenario, replayed
    assert await rows(db.pool) == before


async def test_a_reset_is_refused_while_the_consumer_runs_elsewhere(db: Db) -> None:
    lock = await db.pool.acquire()
    try:
        from shared.eventlog.leader import LOCK_SALT

        await lock.execute(
            "SELECT pg_advisory_lock($1, hashtext($2))",
            LOCK_SALT,
            "assessment-indicators",
        )
        async with db.pool.acquire() as conn:
            with pytest.raises(ProjectionBusy):
                await reset(conn)
        await lock.execute(
            "SELECT pg_advisory_unlock($1, hashtext($2))",
            LOCK_SALT,
            "assessment-indicators",
        )
    finally:
        await db.pool.release(lock)


async def test_figures_counted_on_an_earlier_day_are_read_live_and_then_recomputed(db: Db) -> None:
    await write_scenario(db.store)
    await caught_up(db)
    later = date(2027, 1, 2)

    # Birch (joined 2026-01-01) is no longer within 12 months, Damson not within 36.
    live = await load_indicators(db.pool, TRUST_B, as_of=later)
    assert live.as_of == later
    assert live.growth.model_dump() == {"joined_last_12_months": 0, "joined_last_36_months": 2}

    # The next event the consumer handles brings every trust's figures to the new day.
    await append(
        db.store,
        f"school-{ELDER}",
        SchoolDetailsChanged(
            urn=ELDER,
            changes=[FieldChange(field="pupils", old=200, new=190)],
            effective_on=later,
        ),
    )
    await caught_up(db, today=lambda: later)
    days = await db.pool.fetch("SELECT DISTINCT as_of FROM assessment_indicator_trusts")
    assert [r[0] for r in days] == [later]
    stored = await db.pool.fetchval(
        "SELECT indicators -> 'growth' FROM assessment_indicator_trusts WHERE uid = $1", TRUST_B
    )
    assert stored == '{"joined_last_12_months": 0, "joined_last_36_months": 2}'


def trust_inspection(inspection_id: str, on: date, leadership: str) -> TrustInspectionRecorded:
    return TrustInspectionRecorded(
        uid=TRUST_B,
        inspection_id=inspection_id,
        inspection_start=on,
        outcomes=[
            TrustInspectionOutcome(
                area="leadership_and_governance",
                heading="Leadership and governance",
                outcome=leadership,
            )
        ],
        report_url=f"https://reports.example/{inspection_id}" if inspection_id != "TI-1" else None,
        source_file="trust_inspections.csv",
        format_version=1,
    )


async def test_trust_inspections_sit_beside_the_figures_and_change_none_of_them(db: Db) -> None:
    await write_scenario(db.store)
    await caught_up(db)
    before = await load_indicators(db.pool, TRUST_B, as_of=AS_OF)
    assert before.trust_inspections.latest is None

    await append(
        db.store,
        f"trust-{TRUST_B}",
        trust_inspection("TI-2", date(2026, 3, 2), "Needs attention"),
        trust_inspection("TI-1", date(2024, 1, 10), "Urgent improvement"),
        trust_inspection("TI-3", date(2027, 1, 5), "Exceptional"),  # after AS_OF
    )
    await caught_up(db)

    after = await load_indicators(db.pool, TRUST_B, as_of=AS_OF)
    assert after.model_dump(exclude={"trust_inspections"}) == before.model_dump(
        exclude={"trust_inspections"}
    )
    shown = after.trust_inspections
    assert [(i.inspection_id, i.source) for i in shown.history] == [
        ("TI-2", "https://reports.example/TI-2"),
        ("TI-1", "Ofsted trust inspection file trust_inspections.csv"),
    ]
    assert shown.latest == shown.history[0]
    assert [(o.heading, o.outcome) for o in shown.latest.outcomes] == [
        ("Leadership and governance", "Needs attention")
    ]
    assert "not a grade of any pillar" in shown.note

    stored = await rows(db.pool)
    report = await rebuild_indicators(db.url, db.settings, today=as_of, timeout_s=60)
    assert report.events == 30
    assert await rows(db.pool) == stored
