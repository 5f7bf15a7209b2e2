"""The pool every service uses: connections come back whatever the caller did with them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import LeanPool, create_pool
from shared.settings import Settings


@pytest.fixture
async def small_pool(settings: Settings, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(database_url, settings, min_size=2, max_size=2)
    assert isinstance(p, LeanPool)
    yield p
    await p.close()


async def test_a_released_connection_is_reused_and_its_proxy_refused(
    small_pool: asyncpg.Pool,
) -> None:
    pids = set()
    for _ in range(50):
        async with small_pool.acquire() as conn:
            pids.add(await conn.fetchval("SELECT pg_backend_pid()"))
            kept = conn
    assert len(pids) <= 2
    assert small_pool.get_idle_size() == 2
    with pytest.raises(asyncpg.InterfaceError, match="released back to the pool"):
        await kept.fetchval("SELECT 1")


async def test_a_transaction_left_open_is_rolled_back_on_release(
    small_pool: asyncpg.Pool,
) -> None:
    conn = await small_pool.acquire()
    await conn.execute("BEGIN")
    await conn.execute("CREATE TEMP TABLE left_open (x int)")
    await small_pool.release(conn)
    for _ in range(2):  # whichever connection comes back, it is outside any transaction
        async with small_pool.acquire() as again:
            assert not again.is_in_transaction()
            assert await again.fetchval("SELECT to_regclass('pg_temp.left_open')") is None


async def test_a_cancelled_holder_gives_its_connection_back(small_pool: asyncpg.Pool) -> None:
    started = asyncio.Event()

    async def hold() -> None:
        async with small_pool.acquire() as conn:
            started.set()
            await conn.execute("SELECT pg_sleep(10)")

    task = asyncio.create_task(hold())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(3):
        async with small_pool.acquire(timeout=5) as conn:
            assert await conn.fetchval("SELECT 1") == 1
    assert small_pool.get_idle_size() == 2


async def test_many_tasks_share_few_connections(small_pool: asyncpg.Pool) -> None:
    async def work(i: int) -> int:
        async with small_pool.acquire() as conn:
            value: int = await conn.fetchval("SELECT $1::int", i)
            return value

    assert await asyncio.gather(*(work(i) for i in range(200))) == list(range(200))
    assert small_pool.get_idle_size() == 2
