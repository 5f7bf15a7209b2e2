"""Schema migrations (Alembic) and the log era guard, callable from the CLI, apps and tests."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from shared.db import asyncpg_dsn
from shared.ownership import OWNERS, owner, stream_owners
from shared.settings import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    """An Alembic config bound to ``url``, independent of the working directory."""
    cfg = Config(str(Path(PROJECT_ROOT) / "alembic.ini"))
    cfg.set_main_option("script_location", str(Path(PROJECT_ROOT) / "migrations"))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate up, then write the stream ownership the code declares; blocking (Alembic runs
    its own event loop), so call it from a thread."""
    command.upgrade(alembic_config(url), revision)
    asyncio.run(_sync_stream_owners(url))


async def _sync_stream_owners(url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        if await conn.fetchval("SELECT to_regclass('eventlog.stream_owners') IS NULL"):
            return  # migrated to before ownership was enforced
        await sync_stream_owners(conn)
    finally:
        await conn.close()


async def sync_stream_owners(
    conn: asyncpg.Connection, extra: Mapping[str, tuple[str, str]] | None = None
) -> None:
    """Make the owners' rows of ``eventlog.stream_owners`` say what ``shared/ownership.py``
    declares.

    Rows of other roles are left alone: ``extra`` (category: (service, role)) adds them, which
    only the test suite does, for the role its own log tests append as.
    """
    rows: dict[str, tuple[str, str]] = {
        category: (name, owner(name).role) for category, name in stream_owners().items()
    }
    roles = [o.role for o in OWNERS.values()]
    async with conn.transaction():
        await conn.execute(
            """
            DELETE FROM eventlog.stream_owners
             WHERE role = ANY($1::name[]) AND NOT (category = ANY($2::text[]))
            """,
            roles,
            list(rows),
        )
        rows.update(extra or {})
        await conn.executemany(
            """
            INSERT INTO eventlog.stream_owners (category, service, role) VALUES ($1, $2, $3)
            ON CONFLICT (category) DO UPDATE SET service = EXCLUDED.service, role = EXCLUDED.role
            """,
            [(category, service, role) for category, (service, role) in sorted(rows.items())],
        )


def downgrade(url: str, revision: str) -> None:
    """Migrate down; blocking, like ``upgrade``."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The newest revision in the code."""
    head = ScriptDirectory.from_config(alembic_config("unused")).get_current_head()
    assert head is not None
    return head


async def current_revision(conn: asyncpg.Connection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    exists = await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL")
    if not exists:
        return None
    value: str | None = await conn.fetchval("SELECT version_num FROM public.alembic_version")
    return value


async def ensure_era(url: str) -> int:
    """Start a new log era if this cluster's transaction ids are behind the stored ones.

    A stored transaction id at or beyond the current snapshot's xmax cannot come from this
    cluster: the database was restored from a logical dump into a new one. Later events get
    a higher era so the (era, tx id, position) order stays monotonic. Returns the era.
    """
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with conn.transaction():
            era: int = await conn.fetchval("SELECT era FROM eventlog.eventlog_era FOR UPDATE")
            from_future = await conn.fetchval(
                """
                SELECT EXISTS (
                    SELECT 1 FROM eventlog.events
                     WHERE era = $1 AND tx_id >= pg_snapshot_xmax(pg_current_snapshot()))
                """,
                era,
            )
            if from_future:
                era += 1
                await conn.execute(
                    "UPDATE eventlog.eventlog_era SET era = $1, started_at = now()", era
                )
        return era
    finally:
        await conn.close()
