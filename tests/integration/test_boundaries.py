"""The boundaries PostgreSQL enforces: each owner's role writes only its own schema, appends
only to its own stream categories, reads no other service's schema, and cannot become a
stronger role. Everything here is raw SQL on the owner's own connection, as an injected
query or a careless line of code would be, so the database alone is being tested.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import asyncpg
import pytest

from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseClosed
from shared.db import connect
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.errors import NotStreamOwner
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import COPY_MIN_EVENTS
from shared.eventlog.verify import verify_log
from shared.ownership import LOG_SCHEMA, OWNERS, OwnerName, owner, stream_owners
from shared.settings import Settings

pytestmark = pytest.mark.eventlog

REFUSED = (asyncpg.InsufficientPrivilegeError, asyncpg.InvalidSchemaNameError)


@pytest.fixture(scope="module")
async def boundary_db(
    fresh_database_module: Callable[..., Awaitable[str]],
) -> str:
    """A database of this module's own: the matrix writes junk rows that must not be read."""
    return await fresh_database_module()


@contextlib.asynccontextmanager
async def as_owner(
    url: str, settings: Settings, name: OwnerName
) -> AsyncIterator[asyncpg.Connection]:
    conn = await connect(url, settings, as_owner=name)
    try:
        yield conn
    finally:
        await conn.close()


async def _tables(url: str, settings: Settings) -> dict[str, list[tuple[str, str]]]:
    """Each schema's tables, with one column of each (for UPDATE)."""
    conn = await connect(url, settings)
    try:
        rows = await conn.fetch(
            """
            SELECT c.table_schema, c.table_name, min(c.column_name) AS col
              FROM information_schema.columns c
              JOIN pg_tables t ON t.schemaname = c.table_schema AND t.tablename = c.table_name
             WHERE c.table_schema = ANY($1::text[])
             GROUP BY 1, 2 ORDER BY 1, 2
            """,
            [LOG_SCHEMA, *OWNERS],
        )
    finally:
        await conn.close()
    out: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        out.setdefault(r["table_schema"], []).append((r["table_name"], r["col"]))
    return out


async def _refused(conn: asyncpg.Connection, sql: str, *args: object) -> bool:
    try:
        async with conn.transaction():
            await conn.execute(sql, *args)
    except REFUSED:
        return True
    except asyncpg.PostgresError as exc:  # the append-only trigger's refusal
        return "append-only" in str(exc)
    return False


async def _allowed(conn: asyncpg.Connection, sql: str) -> bool:
    """Run ``sql`` and roll it back; True if the database let it run."""
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute(sql)
    except asyncpg.PostgresError:
        return False
    finally:
        await tx.rollback()
    return True


def _raw_append(category: str, event_type: str) -> tuple[str, tuple[object, ...]]:
    return (
        """
        INSERT INTO eventlog.events (era, event_id, stream_id, category, stream_version,
                                     event_type, schema_version, data, metadata, recorded_at,
                                     stream_hash)
        VALUES (1, $1, $2, $3, 1, $4, 1, '{}', '{"actor": "probe"}', now(), '\\x00')
        """,
        (uuid.uuid4(), f"{category}-{uuid.uuid4().hex[:12]}", category, event_type),
    )


@pytest.mark.parametrize("name", list(OWNERS))
async def test_each_role_writes_only_its_own_schema(
    name: OwnerName, boundary_db: str, settings: Settings
) -> None:
    tables = await _tables(boundary_db, settings)
    me = owner(name)
    async with as_owner(boundary_db, settings, name) as conn:
        assert await conn.fetchval("SELECT current_user") == me.role
        for schema, schema_tables in tables.items():
            for table, col in schema_tables:
                qualified = f"{schema}.{table}"
                if schema == me.schema:
                    # Its own read models: all of it, a rebuild's TRUNCATE included.
                    for sql in (
                        f"UPDATE {qualified} SET {col} = {col}",
                        f"DELETE FROM {qualified}",
                        f"TRUNCATE {qualified}",
                    ):
                        assert await _allowed(conn, sql), (name, sql)
                    assert await conn.fetchval(
                        "SELECT has_table_privilege($1, 'INSERT')", qualified
                    ), qualified
                    continue
                for sql in (
                    f"INSERT INTO {qualified} DEFAULT VALUES",
                    f"UPDATE {qualified} SET {col} = {col}",
                    f"DELETE FROM {qualified}",
                    f"TRUNCATE {qualified}",
                ):
                    if schema == LOG_SCHEMA and sql.startswith("INSERT"):
                        continue  # appends and seals have tests of their own, below
                    assert await _refused(conn, sql), (name, sql)
                readable = schema == LOG_SCHEMA or schema in me.reads
                assert await _refused(conn, f"SELECT 1 FROM {qualified} LIMIT 1") is not readable, (
                    name,
                    qualified,
                )


@pytest.mark.parametrize("name", list(OWNERS))
async def test_each_role_appends_only_to_its_own_categories(
    name: OwnerName, boundary_db: str, settings: Settings
) -> None:
    owners = stream_owners()
    async with as_owner(boundary_db, settings, name) as conn:
        for category, owning in owners.items():
            sql, args = _raw_append(category, f"{owning}.Probe")
            if owning == name:
                await conn.execute(sql, *args)  # its own category, its own type: fine
                # Its own category with another service's event type is not.
                other = next(o for o in OWNERS if o not in (name, "audit"))
                sql, args = _raw_append(category, f"{other}.Probe")
            assert await _refused(conn, sql, *args), (name, category)
        # A category nobody declares.
        sql, args = _raw_append("nobody", f"{name}.Probe")
        assert await _refused(conn, sql, *args)
        # Who appended is the database's to say, never the writer's.
        assert await _refused(
            conn,
            "UPDATE eventlog.events SET appended_by = current_user WHERE false",
        )
        # Only the audit role extends the global chain.
        seal = "INSERT INTO eventlog.event_seals (seq, position, chain_hash) VALUES (-1, -1, '')"
        if name == "audit":
            assert await _allowed(conn, seal)
        else:
            assert await _refused(conn, seal)


@pytest.mark.parametrize("name", list(OWNERS))
async def test_no_role_can_become_a_stronger_one(
    name: OwnerName, boundary_db: str, settings: Settings
) -> None:
    async with as_owner(boundary_db, settings, name) as conn:
        me = await conn.fetchval("SELECT current_user")
        others = [
            r["rolname"]
            for r in await conn.fetch("SELECT rolname FROM pg_roles WHERE rolname <> $1", me)
        ]
        assert "postgres" in others or await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolsuper)"
        )
        for role in others:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(f'SET ROLE "{role}"')
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET SESSION AUTHORIZATION postgres")
        await conn.execute("RESET ROLE")
        assert await conn.fetchval("SELECT current_user") == me
        attributes = await conn.fetchrow(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolinherit"
            " FROM pg_roles WHERE rolname = $1",
            me,
        )
        assert attributes is not None and not any(attributes.values())
        assert not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
            " WHERE r.rolname = $1)",
            me,
        ), "a service role is a member of no other role"


async def test_the_store_refuses_another_services_stream_before_the_database(
    boundary_db: str, settings: Settings
) -> None:
    # What the black-box probe did: a commissioning event appended from the registry.
    meta = EventMetadata(actor="probe", reason="boundary test")
    closed = CaseClosed(case_id=uuid.uuid4().hex, closed_on=date(2026, 12, 1), reason="probe")
    async with owner_store(boundary_db, settings, all_contracts(), "registry") as registry:
        with pytest.raises(NotStreamOwner, match="owned by commissioning"):
            await registry.append(
                f"case-{closed.case_id}", [NewEvent(closed, meta)], expected_version=ANY
            )
        assert await registry.stream_version(f"case-{closed.case_id}") == 0
        # And without the store's check the database refuses it all the same, one event
        # or a batch large enough to travel by COPY (into staging, then one INSERT).
        registry.owner = None
        for count in (1, 2, COPY_MIN_EVENTS + 1):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                await registry.append(
                    f"case-{closed.case_id}",
                    [NewEvent(closed, meta) for _ in range(count)],
                    expected_version=ANY,
                )
    async with owner_store(boundary_db, settings, all_contracts(), "commissioning") as mine:
        await mine.append(f"case-{closed.case_id}", [NewEvent(closed, meta)], expected_version=ANY)
        (stored,) = await mine.read_stream(f"case-{closed.case_id}")
        appended_by = await mine.pool.fetchval(
            "SELECT appended_by FROM events WHERE event_id = $1", stored.event_id
        )
        assert appended_by == owner("commissioning").role


async def test_verify_names_an_event_appended_by_a_role_that_does_not_own_it(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> None:
    url = await fresh_database()
    meta = EventMetadata(actor="someone", reason="boundary test")
    closed = CaseClosed(case_id=uuid.uuid4().hex, closed_on=date(2026, 12, 1), reason="fine")
    async with owner_store(url, settings, all_contracts(), "commissioning") as mine:
        await mine.append(f"case-{closed.case_id}", [NewEvent(closed, meta)], expected_version=ANY)
        async with mine.pool.acquire() as conn:
            assert (await verify_log(conn)).ok
    # Someone with the owner's powers (who bypasses row-level security) writes a decision
    # into a case stream and says the registry did it: the chain is fine, the writer is not.
    owner_conn = await connect(url, settings)
    try:
        async with owner_conn.transaction():
            await owner_conn.execute(
                "INSERT INTO eventlog.events (era, event_id, stream_id, category, stream_version,"
                " event_type, schema_version, data, metadata, recorded_at, stream_hash,"
                " appended_by) SELECT 1, $1, 'case-' || $2, 'case', 2,"
                " 'commissioning.CaseClosed', 1, '{}', '{}', now(), '\\x00',"
                " 'strongtrusts_registry'",
                uuid.uuid4(),
                closed.case_id,
            )
        report = await verify_log(owner_conn)
    finally:
        await owner_conn.close()
    owners = [b for b in report.breaks if b.kind == "owner"]
    assert len(owners) == 1
    assert "strongtrusts_registry" in owners[0].detail
    assert "belongs to commissioning" in owners[0].detail
