"""Migration 0009 on a database that was in use: every row moves to its owner's schema, every
consumer keeps its place, the log still verifies, and the services carry on as their own
roles from where they were."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date

import asyncpg
import pytest

from services.assessment.indicators import indicators_projection
from services.commissioning.knowledge import knowledge_projection
from services.registry import projections
from services.registry.main import create_app as registry_app
from shared import migrate
from shared.audit.index import AuditIndex
from shared.contracts import all_contracts
from shared.contracts.registry import SchoolJoinedTrust, SchoolRegistered, TrustIncorporated
from shared.db import connect, create_pool, set_role_passwords
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.runtime import owner_store
from shared.eventlog.sealer import Sealer
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import Consumer, ConsumerRunner
from shared.eventlog.verify import verify_log
from shared.settings import Settings
from tests.integration.helpers import wait_until
from tests.integration.test_registry_projections import school_details, trust_details

pytestmark = pytest.mark.eventlog

BEFORE = "0008_audit_index"
META = EventMetadata(actor="gias-feed", reason="a register in use before 0009")
# Where each consumer's checkpoint belongs from 0009 on.
HOMES = {
    projections.PROJECTION_NAME: "registry",
    "assessment-indicators": "assessment",
    "commissioning-knowledge": "commissioning",
    "audit-index": "audit",
    "eventlog-sealer": "audit",
}


async def _register(store: EventStore, n: int) -> None:
    uid = 2_000_000
    await store.append(
        f"trust-{uid}",
        [
            NewEvent(
                TrustIncorporated(
                    uid=uid, details=trust_details("Old Road Trust"), effective_on=date(2015, 1, 1)
                ),
                META,
            )
        ],
        expected_version=ANY,
    )
    for urn in range(400_000, 400_000 + n):
        events: list[EventContract] = [
            SchoolRegistered(
                urn=urn, details=school_details(f"School {urn}"), effective_on=date(2010, 9, 1)
            ),
            SchoolJoinedTrust(
                urn=urn, trust_uid=uid, joined_on=date(2016, 9, 1), reason="conversion"
            ),
        ]
        await store.append(
            f"school-{urn}", [NewEvent(e, META) for e in events], expected_version=ANY
        )


@contextlib.asynccontextmanager
async def _running(
    store: EventStore, url: str, consumers: Sequence[Consumer]
) -> AsyncIterator[None]:
    tasks = [
        asyncio.create_task(ConsumerRunner(c, store, None, url, poll_interval_s=0.02).run())
        for c in consumers
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = [
        (r["schemaname"], r["tablename"])
        for r in await conn.fetch(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            " AND tablename <> 'alembic_version'"
        )
    ]
    return {
        table: int(await conn.fetchval(f'SELECT count(*) FROM "{schema}"."{table}"'))
        for schema, table in tables
    }


async def test_a_populated_database_upgrades_with_nothing_lost(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> None:
    url = await fresh_database(migrated=False)
    await asyncio.to_thread(migrate.upgrade, url, BEFORE)

    # As it was: one role for everyone, every table in public.
    old = await create_pool(url, settings, search_path="public", max_size=6)
    try:
        store = EventStore(old, all_contracts())
        await _register(store, 30)
        total = int(await old.fetchval("SELECT count(*) FROM events"))
        consumers: list[Consumer] = [
            projections.registry_projection(),
            indicators_projection(),
            knowledge_projection(),
            AuditIndex(),
            Sealer(),
        ]
        async with _running(store, url, consumers):

            async def all_caught_up() -> bool:
                rows = await old.fetch("SELECT name, position, events_handled FROM subscriptions")
                done = {r["name"] for r in rows if r["events_handled"] > 0}
                sealed = await old.fetchval("SELECT count(*) FROM event_seals")
                return done >= set(HOMES) and sealed == total

            await wait_until(all_caught_up, what="every consumer to take in the old log")
        checkpoints = {
            r["name"]: r["position"] for r in await old.fetch("SELECT * FROM subscriptions")
        }
        async with old.acquire() as conn:
            before = await _counts(conn)
    finally:
        await old.close()

    await asyncio.to_thread(migrate.upgrade, url)
    await set_role_passwords(url, settings)

    conn = await connect(url, settings)
    try:
        after = await _counts(conn)
        # Every table kept its rows; the one checkpoints table became one per owner.
        # (Later migrations add tables of their own, which start empty, and drop unread
        # read models.)
        later = (
            "subscriptions",
            "stream_owners",
            "idempotency_keys",
            "registry_gias_fingerprints",
        )
        dropped = ("subscriptions", "registry_imports")
        moved = {t: n for t, n in after.items() if t not in later}
        assert moved == {
            **{t: n for t, n in before.items() if t not in dropped},
            "ownership_epoch": 1,
            # The scheduled feeds' read models, new and empty (0011).
            "registry_feeds": 0,
            "registry_feed_runs": 0,
            # School interventions' read model, new and empty (0015).
            "commissioning_school_interventions": 0,
            # Transfer projects, new and empty (0016).
            "commissioning_projects": 0,
            # Concerns about trusts, new and empty (0018).
            "commissioning_trust_concerns": 0,
            # Advisory boards, new and empty (0019).
            "commissioning_boards": 0,
            # Ofsted's inspections of trusts, new and empty (0020).
            "registry_trust_inspections": 0,
            # Commissioning's copy of trust inspections (none in this log) and whole-trust
            # interventions, new and empty (0022).
            "commissioning_trust_inspections": 0,
            "commissioning_trust_interventions": 0,
            # Whole-trust notices for the open register, new and empty (0023).
            "commissioning_trust_notices": 0,
        }
        for name, schema in HOMES.items():
            position = await conn.fetchval(
                f"SELECT position FROM {schema}.subscriptions WHERE name = $1", name
            )
            assert position == checkpoints[name], name
        assert (
            await conn.fetchval("SELECT count(*) FROM eventlog.events WHERE appended_by IS NULL")
            == total
        )
        assert await conn.fetchval("SELECT position FROM eventlog.ownership_epoch") == max(
            await conn.fetchval("SELECT max(position) FROM eventlog.events"), 0
        )
        report = await verify_log(conn)
        assert report.ok, report.breaks
        assert report.seals_checked == total
    finally:
        await conn.close()

    # The registry comes back as its own role and carries on from its checkpoint.
    app = registry_app(settings, url=url)
    async with (
        app.router.lifespan_context(app),
        owner_store(url, settings, all_contracts(), "registry") as registry,
    ):
        await _register_one_more(registry)

        async def moved_on() -> bool:
            handled = await registry.pool.fetchval(
                "SELECT events_handled FROM subscriptions WHERE name = $1",
                projections.PROJECTION_NAME,
            )
            schools = await registry.pool.fetchval("SELECT count(*) FROM registry_schools")
            return bool(schools == 31 and handled is not None)

        await wait_until(moved_on, what="the registry to project past its old checkpoint")
        position = await registry.pool.fetchval(
            "SELECT position FROM subscriptions WHERE name = $1", projections.PROJECTION_NAME
        )
        assert position > checkpoints[projections.PROJECTION_NAME]
        newest = await registry.pool.fetchval(
            "SELECT appended_by FROM events ORDER BY position DESC LIMIT 1"
        )
        assert newest == "strongtrusts_registry"


async def _register_one_more(store: EventStore) -> None:
    urn = 499_999
    await store.append(
        f"school-{urn}",
        [
            NewEvent(
                SchoolRegistered(
                    urn=urn, details=school_details("Late School"), effective_on=date(2020, 9, 1)
                ),
                META,
            )
        ],
        expected_version=ANY,
    )
