"""The registry's read models over a real PostgreSQL: projected in order, idempotent, rebuildable."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest

from services.registry import projections
from services.registry.models import READ_MODEL_TABLES, metadata
from shared.contracts import all_contracts
from shared.contracts.registry import (
    FieldChange,
    LocalAuthorityTrustEstablished,
    OfstedInspectionRecorded,
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
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.rebuild import ProjectionBusy
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import ConsumerRunner, HandlerContext
from shared.settings import Settings
from tests.dbutil import owner_may_rewrite, tables_as_modelled
from tests.integration.helpers import wait_until

META = EventMetadata(actor="registry-projection-test", correlation_id="test")
_PRIMARY_KEYS: dict[str, str] = {
    "registry_schools": "urn",
    "registry_school_versions": "urn, stream_version",
    "registry_school_links": "urn, predecessor_urn",
    "registry_memberships": "urn, trust_uid, from_date",
    "registry_school_history": "urn, position",
    "registry_trusts": "uid",
    "registry_trust_inspections": "uid, inspection_id",
}


# ------------------------------------------------------------ shared helpers


def school_details(name: str, **changes: Any) -> SchoolDetails:
    """Plausible GIAS details for a test school."""
    values: dict[str, Any] = {
        "name": name,
        "la_code": "383",
        "la_name": "Leeds",
        "laestab": "3832001",
        "type_code": "34",
        "type_name": "Academy converter",
        "status": "Open",
        "phase": "Primary",
        "pupils": 300,
        "capacity": 420,
        "fsm_percent": 18.5,
        "region_code": "D",
        "region_name": "Yorkshire and the Humber",
        "postcode": "LS1 1AA",
        "open_date": date(2012, 9, 1),
    }
    values.update(changes)
    return SchoolDetails(**values)


def trust_details(name: str, **changes: Any) -> TrustDetails:
    """Plausible GIAS details for a test trust."""
    values: dict[str, Any] = {
        "name": name,
        "trust_type": "multi_academy_trust",
        "status": "Open",
        "incorporated_on": date(2011, 4, 1),
    }
    values.update(changes)
    return TrustDetails(**values)


def trust_inspection(uid: int, inspection_id: str, start: date) -> TrustInspectionRecorded:
    """An Ofsted inspection of a trust, as the trust-inspection importer records one."""
    return TrustInspectionRecorded(
        uid=uid,
        inspection_id=inspection_id,
        inspection_start=start,
        outcomes=[
            TrustInspectionOutcome(
                area="leadership_and_governance",
                heading="Leadership and governance",
                outcome="Needs attention",
            )
        ],
        source_file="trust_inspections.csv",
        format_version=1,
    )


async def fresh_urns(store: EventStore, n: int) -> list[int]:
    """URNs no stream in the session database uses yet, distinct from each other."""
    rng = random.SystemRandom()
    out: list[int] = []
    while len(out) < n:
        urn = rng.randint(100000, 999999)
        if urn not in out and await store.stream_version(f"school-{urn}") == 0:
            out.append(urn)
    return out


async def fresh_uids(store: EventStore, n: int) -> list[int]:
    """Trust UIDs no stream in the session database uses yet, distinct from each other."""
    rng = random.SystemRandom()
    out: list[int] = []
    while len(out) < n:
        uid = rng.randint(10_000_000, 89_999_999)
        if uid not in out and await store.stream_version(f"trust-{uid}") == 0:
            out.append(uid)
    return out


async def append(store: EventStore, stream: str, *events: EventContract) -> int:
    """Append events to a stream; returns its last version."""
    result = await store.append(stream, [NewEvent(e, META) for e in events], expected_version=ANY)
    return result.last_version


async def school_version(pool: asyncpg.Pool, urn: int) -> int:
    """The school-stream version its read-model row has reached (0 when absent)."""
    return int(await pool.fetchval("SELECT version FROM registry_schools WHERE urn = $1", urn) or 0)


async def projected(pool: asyncpg.Pool, urn: int, version: int) -> None:
    """Wait until the projection has applied the school's stream up to ``version``."""

    async def reached() -> bool:
        return await school_version(pool, urn) >= version

    await wait_until(reached, what=f"school {urn} at version {version} in the read model")


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
async def registry_store(database_url: str, settings: Settings) -> AsyncIterator[EventStore]:
    """A store appending as the registry."""
    async with owner_store(database_url, settings, all_contracts(), "registry") as store:
        yield store


@contextlib.asynccontextmanager
async def running_projection(store: EventStore, url: str) -> AsyncIterator[ConsumerRunner]:
    """The registry projection running in this process until the block ends."""
    runner = ConsumerRunner(
        projections.registry_projection(), store, None, url, poll_interval_s=0.02
    )
    task = asyncio.create_task(runner.run())
    try:
        yield runner
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def projection(
    registry_store: EventStore, database_url: str
) -> AsyncIterator[ConsumerRunner]:
    """The registry projection running for the test."""
    async with running_projection(registry_store, database_url) as runner:
        yield runner


async def snapshot(pool: asyncpg.Pool) -> dict[str, list[str]]:
    """Every registry read-model row, as JSON, in primary-key order."""
    out: dict[str, list[str]] = {}
    async with pool.acquire() as conn:
        for table in READ_MODEL_TABLES:
            rows = await conn.fetch(
                f"SELECT row_to_json(t)::text FROM {table} t ORDER BY {_PRIMARY_KEYS[table]}"
            )
            out[table] = [r[0] for r in rows]
    return out


# --------------------------------------------------------------------- tests


async def test_the_migration_builds_the_tables_the_models_describe(pool: asyncpg.Pool) -> None:
    await tables_as_modelled(pool, "registry", metadata, [t.name for t in metadata.sorted_tables])
    assert set(_PRIMARY_KEYS) == set(READ_MODEL_TABLES)
    assert set(SchoolDetails.model_fields) <= {
        c.name for c in metadata.tables["registry_schools"].c
    }
    assert set(TrustDetails.model_fields) <= {c.name for c in metadata.tables["registry_trusts"].c}


async def test_the_registry_role_may_read_write_and_empty_its_read_models(
    pool: asyncpg.Pool,
) -> None:
    await owner_may_rewrite(pool, "registry", READ_MODEL_TABLES)


async def test_a_school_story_lands_in_every_read_model(
    registry_store: EventStore, pool: asyncpg.Pool, projection: ConsumerRunner
) -> None:
    urn, predecessor = await fresh_urns(registry_store, 2)
    first, second = await fresh_uids(registry_store, 2)
    await append(
        registry_store,
        f"trust-{first}",
        TrustIncorporated(
            uid=first, details=trust_details("Bright Futures Trust"), effective_on=date(2011, 4, 1)
        ),
    )
    await append(
        registry_store,
        f"trust-{second}",
        TrustIncorporated(
            uid=second,
            details=trust_details("Northern Lights Trust"),
            effective_on=date(2012, 1, 1),
        ),
        LocalAuthorityTrustEstablished(uid=second, la_code="383", established_on=date(2025, 9, 1)),
        TrustDetailsChanged(
            uid=second,
            changes=[FieldChange(field="town", old=None, new="Leeds")],
            effective_on=date(2025, 10, 1),
        ),
    )
    version = await append(
        registry_store,
        f"school-{urn}",
        SchoolRegistered(
            urn=urn, details=school_details("Oak Primary"), effective_on=date(2019, 9, 1)
        ),
        SchoolJoinedTrust(
            urn=urn, trust_uid=first, joined_on=date(2020, 9, 1), reason="conversion"
        ),
        SchoolDetailsChanged(
            urn=urn,
            changes=[
                FieldChange(field="name", old="Oak Primary", new="Oak Primary Academy"),
                FieldChange(field="pupils", old=300, new=320),
            ],
            effective_on=date(2021, 1, 1),
        ),
        OfstedInspectionRecorded(
            urn=urn,
            framework="report_card",
            inspection_start=date(2025, 12, 1),
            report_card={"inclusion": "strong_standard"},
        ),
        # An older inspection delivered later never replaces the latest one.
        OfstedInspectionRecorded(
            urn=urn,
            framework="single_grade",
            inspection_start=date(2022, 3, 1),
            overall_effectiveness="good",
        ),
        SchoolTransferred(
            urn=urn,
            from_trust_uid=first,
            to_trust_uid=second,
            effective_on=date(2023, 4, 1),
            decision_reference="RD-2023-017",
            reason="commissioning_decision",
        ),
        SchoolLinkedToPredecessor(
            urn=urn, predecessor_urn=predecessor, link_type="Predecessor - amalgamated"
        ),
    )
    # The predecessor registers after the link to it.
    await append(
        registry_store,
        f"school-{predecessor}",
        SchoolRegistered(
            urn=predecessor,
            details=school_details("Old Oak Infants", status="Closed"),
            effective_on=date(2019, 9, 1),
        ),
    )
    await projected(pool, urn, version)
    await projected(pool, predecessor, 1)

    school = await pool.fetchrow("SELECT * FROM registry_schools WHERE urn = $1", urn)
    assert school is not None
    assert school["name"] == "Oak Primary Academy" and school["pupils"] == 320
    assert school["trust_uid"] == second and school["joined_trust_on"] == date(2023, 4, 1)
    assert school["join_reason"] == "transfer"
    assert school["predecessor_urns"] == [predecessor]
    assert school["ofsted_inspection_start"] == date(2025, 12, 1)
    assert school["ofsted_framework"] == "report_card"
    assert json.loads(school["ofsted_report_card"]) == {"inclusion": "strong_standard"}
    assert school["version"] == version
    successors = await pool.fetch(
        "SELECT urn, link_type FROM registry_school_links WHERE predecessor_urn = $1", predecessor
    )
    assert [tuple(r) for r in successors] == [(urn, "Predecessor - amalgamated")]

    spells = await pool.fetch(
        "SELECT * FROM registry_memberships WHERE urn = $1 ORDER BY from_date", urn
    )
    assert [(s["trust_uid"], s["from_date"], s["to_date"]) for s in spells] == [
        (first, date(2020, 9, 1), date(2023, 4, 1)),
        (second, date(2023, 4, 1), None),
    ]
    assert spells[0]["leave_reason"] == "transfer"
    assert spells[1]["decision_reference"] == "RD-2023-017"

    versions = await pool.fetch(
        "SELECT valid_from, details::text FROM registry_school_versions WHERE urn = $1"
        " ORDER BY stream_version",
        urn,
    )
    assert [v["valid_from"] for v in versions] == [date(2019, 9, 1), date(2021, 1, 1)]
    assert json.loads(versions[0]["details"])["name"] == "Oak Primary"
    assert json.loads(versions[1]["details"])["name"] == "Oak Primary Academy"

    history = await pool.fetch(
        "SELECT event_type, summary::text FROM registry_school_history WHERE urn = $1"
        " ORDER BY position",
        urn,
    )
    assert len(history) == version
    texts = [json.loads(h["summary"])["text"] for h in history]
    assert texts[1] == f"Joined Bright Futures Trust (uid {first}) on 2020-09-01: conversion"
    assert texts[5] == (
        f"Transferred from Bright Futures Trust (uid {first}) to Northern Lights Trust"
        f" (uid {second}) on 2023-04-01: commissioning_decision, decision RD-2023-017"
    )

    trust = await pool.fetchrow("SELECT * FROM registry_trusts WHERE uid = $1", second)
    assert trust is not None
    assert trust["la_established"] and trust["founding_la_code"] == "383"
    assert trust["town"] == "Leeds" and trust["version"] == 3


async def test_leaving_closing_and_a_closed_trust(
    registry_store: EventStore, pool: asyncpg.Pool, projection: ConsumerRunner
) -> None:
    (urn,) = await fresh_urns(registry_store, 1)
    (uid,) = await fresh_uids(registry_store, 1)
    await append(
        registry_store,
        f"trust-{uid}",
        TrustIncorporated(
            uid=uid, details=trust_details("Short Lived Trust"), effective_on=date(2015, 1, 1)
        ),
        TrustClosed(uid=uid, closed_on=date(2024, 8, 31)),
    )
    version = await append(
        registry_store,
        f"school-{urn}",
        SchoolRegistered(
            urn=urn, details=school_details("Elm School"), effective_on=date(2015, 9, 1)
        ),
        SchoolJoinedTrust(urn=urn, trust_uid=uid, joined_on=date(2016, 9, 1), reason="sponsorship"),
        SchoolLeftTrust(urn=urn, trust_uid=uid, left_on=date(2024, 8, 31), reason="trust_closure"),
        SchoolClosed(urn=urn, closed_on=date(2024, 8, 31), reason="Academy complex"),
    )
    await projected(pool, urn, version)
    school = await pool.fetchrow("SELECT * FROM registry_schools WHERE urn = $1", urn)
    assert school is not None
    assert school["trust_uid"] is None and school["status"] == "Closed"
    assert school["close_date"] == date(2024, 8, 31) and school["close_reason"] == "Academy complex"
    spell = await pool.fetchrow("SELECT * FROM registry_memberships WHERE urn = $1", urn)
    assert spell is not None
    assert spell["to_date"] == date(2024, 8, 31) and spell["leave_reason"] == "trust_closure"
    trust = await pool.fetchrow("SELECT status, closed_on FROM registry_trusts WHERE uid = $1", uid)
    assert trust is not None and tuple(trust) == ("Closed", date(2024, 8, 31))
    # The closing is dated, so the school as of the day before was still open.
    valid = await pool.fetch(
        "SELECT valid_from FROM registry_school_versions WHERE urn = $1 ORDER BY stream_version",
        urn,
    )
    assert [v["valid_from"] for v in valid] == [date(2015, 9, 1), date(2024, 8, 31)]


async def test_handling_the_same_events_again_changes_nothing(
    registry_store: EventStore, pool: asyncpg.Pool, projection: ConsumerRunner
) -> None:
    (urn,) = await fresh_urns(registry_store, 1)
    (uid,) = await fresh_uids(registry_store, 1)
    await append(
        registry_store,
        f"trust-{uid}",
        TrustIncorporated(
            uid=uid, details=trust_details("Again Trust"), effective_on=date(2015, 1, 1)
        ),
    )
    version = await append(
        registry_store,
        f"school-{urn}",
        SchoolRegistered(
            urn=urn, details=school_details("Ash School"), effective_on=date(2015, 9, 1)
        ),
        SchoolJoinedTrust(urn=urn, trust_uid=uid, joined_on=date(2016, 9, 1), reason="conversion"),
        SchoolDetailsChanged(
            urn=urn,
            changes=[FieldChange(field="pupils", old=300, new=310)],
            effective_on=date(2017, 1, 1),
        ),
    )
    await projected(pool, urn, version)
    events = [
        *await registry_store.read_stream(f"trust-{uid}"),
        *await registry_store.read_stream(f"school-{urn}"),
    ]
    before = await _rows_about(pool, urn, uid)
    async with pool.acquire() as conn, conn.transaction():
        await projections.registry_projection().handle(events, HandlerContext(conn, registry_store))
    assert await _rows_about(pool, urn, uid) == before


async def _rows_about(pool: asyncpg.Pool, urn: int, uid: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table in READ_MODEL_TABLES:
        on_trust = table in ("registry_trusts", "registry_trust_inspections")
        column, key = ("uid", uid) if on_trust else ("urn", urn)
        rows = await pool.fetch(
            f"SELECT row_to_json(t)::text FROM {table} t WHERE {column} = $1"
            f" ORDER BY {_PRIMARY_KEYS[table]}",
            key,
        )
        out[table] = [r[0] for r in rows]
    return out


async def test_a_rebuild_from_the_log_gives_identical_read_models(
    registry_store: EventStore, pool: asyncpg.Pool, database_url: str, settings: Settings
) -> None:
    urns = await fresh_urns(registry_store, 3)
    uids = await fresh_uids(registry_store, 2)
    for uid in uids:
        await append(
            registry_store,
            f"trust-{uid}",
            TrustIncorporated(
                uid=uid, details=trust_details(f"Trust {uid}"), effective_on=date(2014, 1, 1)
            ),
        )
    await append(
        registry_store,
        f"trust-{uids[1]}",
        *(trust_inspection(uids[1], f"TI-{n}", date(2027, 3, n)) for n in (2, 1)),
    )
    last = 0
    for i, urn in enumerate(urns):
        last = await append(
            registry_store,
            f"school-{urn}",
            SchoolRegistered(
                urn=urn, details=school_details(f"School {i}"), effective_on=date(2014, 9, 1)
            ),
            SchoolJoinedTrust(
                urn=urn, trust_uid=uids[0], joined_on=date(2015, 9, 1), reason="conversion"
            ),
            SchoolTransferred(
                urn=urn,
                from_trust_uid=uids[0],
                to_trust_uid=uids[1],
                effective_on=date(2020, 9, 1),
                reason="reported_by_gias",
            ),
            # One inspection of each era, and an ungraded one.
            OfstedInspectionRecorded(
                urn=urn,
                framework="single_grade",
                inspection_start=date(2019, 3, 12),
                overall_effectiveness="inadequate",
                category_of_concern="requires_significant_improvement",
                category_as_published="Serious weaknesses",
                category_basis="given",
                category_rule_version=1,
            ),
            OfstedInspectionRecorded(
                urn=urn,
                framework="key_judgements",
                inspection_start=date(2025, 1, 15),
                key_judgements={"quality_of_education": "requires_improvement"},
                category_rule_version=1,
            ),
            OfstedInspectionRecorded(
                urn=urn,
                framework="ungraded",
                inspection_start=date(2025, 6, 10),
                ungraded_outcome="Taking effective action",
                category_rule_version=1,
            ),
            OfstedInspectionRecorded(
                urn=urn,
                framework="report_card",
                inspection_start=date(2026, 1, 14),
                report_card={"leadership_and_governance": "urgent_improvement"},
                safeguarding_effective=False,
                category_of_concern="special_measures",
                category_basis="derived",
                category_rule_version=1,
            ),
        )
    async with running_projection(registry_store, database_url):
        await projected(pool, urns[-1], last)
        with pytest.raises(ProjectionBusy):
            async with pool.acquire() as conn:
                await projections.reset(conn)
    before = await snapshot(pool)
    assert all(
        before[t]
        for t in (
            "registry_schools",
            "registry_memberships",
            "registry_trusts",
            "registry_trust_inspections",
        )
    )

    report = await projections.rebuild(database_url, settings, timeout_s=120)

    assert report.events >= len(urns) * 7 + len(uids) + 2
    assert await snapshot(pool) == before
