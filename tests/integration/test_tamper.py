"""Every kind of tampering, done as superuser around the triggers, is caught by verify."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from shared.db import asyncpg_dsn
from shared.eventlog.model import ANY, NewEvent, StreamAppend
from shared.eventlog.sealer import Sealer
from shared.eventlog.verify import verify_log
from shared.settings import PROJECT_ROOT, Settings
from tests.contracts import Measured, test_registry
from tests.dbutil import log_writer_runtime
from tests.integration.helpers import META, note, wait_until

pytestmark = pytest.mark.eventlog


@pytest.fixture
async def sealed_log(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings
) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """A database holding 3 streams of 4 events, all sealed, and a superuser connection."""
    url = await fresh_database()
    runtime = log_writer_runtime(url, settings, test_registry, [Sealer()])
    await runtime.start()
    try:
        for s in range(3):
            # Both append paths: several events at once, then one at a time.
            await runtime.store.append(
                f"tamper-{s}", [note(i, "é’–") for i in range(2)], expected_version=ANY
            )
            await runtime.store.append(f"tamper-{s}", [note(2)], expected_version=2)
            measured = Measured(payload={"x": 1e100, "y": 0.1, "z": [1.5, -0.0]})
            await runtime.store.append_streams(
                [StreamAppend(f"tamper-{s}", [NewEvent(measured, META)], 3)]
            )

        async def sealed() -> bool:
            n = await runtime.store.pool.fetchval("SELECT count(*) FROM event_seals")
            return bool(n == 12)

        await wait_until(sealed, what="the sealer to seal every event")
    finally:
        await runtime.stop()
    admin = await asyncpg.connect(asyncpg_dsn(url))
    # Superuser only: triggers (the append-only guard) no longer fire on this connection.
    await admin.execute("SET session_replication_role = replica")
    try:
        yield url, admin
    finally:
        await admin.close()


async def _first_break(admin: asyncpg.Connection) -> tuple[int | None, str]:
    report = await verify_log(admin)
    assert not report.ok
    first = report.first_break
    assert first is not None
    return first.position, first.kind


async def _position(admin: asyncpg.Connection, stream: str, version: int) -> int:
    value = await admin.fetchval(
        "SELECT position FROM events WHERE stream_id = $1 AND stream_version = $2", stream, version
    )
    return int(value)


async def test_an_untouched_log_verifies(sealed_log: tuple[str, asyncpg.Connection]) -> None:
    url, admin = sealed_log
    report = await verify_log(admin)
    assert report.ok, report.breaks
    assert (report.events_checked, report.streams_checked, report.seals_checked) == (12, 3, 12)
    assert report.unsealed_events == 0
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", "log", "verify", "--json"],
        cwd=PROJECT_ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


async def test_edited_data_is_caught(sealed_log: tuple[str, asyncpg.Connection]) -> None:
    _, admin = sealed_log
    target = await _position(admin, "tamper-1", 2)
    await admin.execute(
        "UPDATE events SET data = jsonb_set(data, '{n}', '7') WHERE position = $1", target
    )
    assert await _first_break(admin) == (target, "stream-hash")


async def test_edited_metadata_is_caught(sealed_log: tuple[str, asyncpg.Connection]) -> None:
    _, admin = sealed_log
    target = await _position(admin, "tamper-0", 1)
    await admin.execute(
        """UPDATE events SET metadata = jsonb_set(metadata, '{actor}', '"mallory"')
            WHERE position = $1""",
        target,
    )
    assert await _first_break(admin) == (target, "stream-hash")


async def test_edited_time_is_caught(sealed_log: tuple[str, asyncpg.Connection]) -> None:
    _, admin = sealed_log
    target = await _position(admin, "tamper-2", 3)
    await admin.execute(
        "UPDATE events SET recorded_at = recorded_at - interval '1 day' WHERE position = $1", target
    )
    assert await _first_break(admin) == (target, "stream-hash")


async def test_a_deleted_event_is_caught(sealed_log: tuple[str, asyncpg.Connection]) -> None:
    _, admin = sealed_log
    target = await _position(admin, "tamper-1", 2)
    await admin.execute("DELETE FROM events WHERE position = $1", target)
    report = await verify_log(admin)
    kinds = {b.kind for b in report.breaks}
    assert {"stream-gap", "deleted"} <= kinds
    first = report.first_break
    assert first is not None and first.position is not None and first.position >= target


async def test_a_deleted_last_event_of_a_stream_is_caught_by_the_seals(
    sealed_log: tuple[str, asyncpg.Connection],
) -> None:
    _, admin = sealed_log
    # Nothing follows it in its stream, so only the global chain can notice.
    target = await _position(admin, "tamper-2", 4)
    await admin.execute("DELETE FROM events WHERE position = $1", target)
    assert await _first_break(admin) == (target, "deleted")


async def test_reordered_events_are_caught(sealed_log: tuple[str, asyncpg.Connection]) -> None:
    _, admin = sealed_log
    a = await _position(admin, "tamper-0", 2)
    b = await _position(admin, "tamper-2", 2)
    # Swap the two events' places in the log order.
    await admin.execute(
        """
        UPDATE events e SET tx_id = o.tx_id
          FROM (SELECT position, tx_id FROM events WHERE position IN ($1, $2)) o
         WHERE e.position IN ($1, $2) AND o.position <> e.position
        """,
        a,
        b,
    )
    assert await _first_break(admin) == (a, "reordered")


async def test_an_inserted_event_is_caught(sealed_log: tuple[str, asyncpg.Connection]) -> None:
    _, admin = sealed_log
    # A forged event slipped in among sealed ones, its stream hash even recomputed correctly
    # by a forger who knows the formula, placed as version 5 of a stream.
    row = await admin.fetchrow(
        "SELECT * FROM events WHERE stream_id = 'tamper-0' AND stream_version = 4"
    )
    assert row is not None
    forged = await admin.fetchval(
        """
        INSERT INTO events (era, tx_id, event_id, stream_id, category, stream_version, event_type,
                            schema_version, data, metadata, recorded_at, stream_hash)
        VALUES ($1, $2, $3, 'tamper-0', 'tamper', 5, $4, $5, $6, $7, $8, $9)
        RETURNING position
        """,
        row["era"],
        row["tx_id"],
        uuid.uuid4(),
        row["event_type"],
        row["schema_version"],
        row["data"],
        row["metadata"],
        row["recorded_at"],
        row["stream_hash"],
    )
    report = await verify_log(admin)
    assert not report.ok
    kinds = {b.kind: b.position for b in report.breaks}
    assert kinds.get("inserted") == forged


async def test_verify_exits_non_zero_and_names_the_position(
    sealed_log: tuple[str, asyncpg.Connection],
) -> None:
    url, admin = sealed_log
    target = await _position(admin, "tamper-1", 1)
    await admin.execute("UPDATE events SET event_type = 'test.Other' WHERE position = $1", target)
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", "log", "verify"],
        cwd=PROJECT_ROOT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"position {target}" in result.stdout + result.stderr


async def test_tampering_that_python_cannot_even_read_is_reported_not_crashed(
    sealed_log: tuple[str, asyncpg.Connection],
) -> None:
    _, admin = sealed_log
    deep = await _position(admin, "tamper-0", 3)
    late = await _position(admin, "tamper-1", 3)
    await admin.execute(
        "UPDATE events SET data = ($2::text)::jsonb WHERE position = $1",
        deep,
        "[" * 5000 + "]" * 5000,
    )
    await admin.execute("UPDATE events SET recorded_at = 'infinity' WHERE position = $1", late)
    report = await verify_log(admin)
    broken = {b.position for b in report.breaks}
    assert {deep, late} <= broken
