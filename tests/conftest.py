"""Fixtures shared by every test: a real PostgreSQL, settings, the event store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.ownership import OwnerName
from shared.settings import Settings
from tests import dbutil
from tests.contracts import test_registry
from tests.dbutil import log_writer_pool

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


@pytest.fixture(scope="session")
def admin_url() -> str:
    """A superuser URL on the test server (for creating databases and tampering)."""
    return dbutil.server_url()


@pytest.fixture(scope="session")
async def database_url(admin_url: str) -> AsyncIterator[str]:
    """One migrated database shared by the session; tests use unique stream ids in it."""
    url = await dbutil.create_database(admin_url)
    yield url
    await dbutil.drop_database(admin_url, url)


@pytest.fixture
async def fresh_database(admin_url: str) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Make databases of the test's own, for tests that need the whole log to themselves."""
    made: list[str] = []

    async def make(*, migrated: bool = True) -> str:
        url = await dbutil.create_database(admin_url, migrated=migrated)
        made.append(url)
        return url

    yield make
    for url in made:
        await dbutil.drop_database(admin_url, url)


@pytest.fixture(scope="module")
async def fresh_database_module(
    admin_url: str,
) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Like ``fresh_database``, for databases a whole test module shares."""
    made: list[str] = []

    async def make(*, migrated: bool = True) -> str:
        url = await dbutil.create_database(admin_url, migrated=migrated)
        made.append(url)
        return url

    yield make
    for url in made:
        await dbutil.drop_database(admin_url, url)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Settings pointing at the session database."""
    return Settings(environment="test", database_url=database_url, jwt_secret=TEST_SECRET)


@pytest.fixture(scope="session")
async def pool(settings: Settings, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the session database as the test role: append-only like a service's role,
    but allowed any category (see ``dbutil.prepare_test_role``)."""
    p = await log_writer_pool(database_url, settings, max_size=40)
    yield p
    await p.close()


@pytest.fixture(scope="session")
async def owner_pool(settings: Settings, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool as the database owner, seeing every schema: for looking at read models."""
    p = await create_pool(database_url, settings, max_size=10)
    yield p
    await p.close()


@pytest.fixture(scope="session")
async def service_stores(
    settings: Settings, database_url: str
) -> AsyncIterator[dict[OwnerName, EventStore]]:
    """A store per service on the session database, each appending as the service's own role
    (for tests that drive a service's internals directly)."""
    async with contextlib.AsyncExitStack() as stack:
        yield {
            name: await stack.enter_async_context(
                owner_store(database_url, settings, all_contracts(), name, max_size=6)
            )
            for name in ("registry", "assessment", "commissioning")
        }


@pytest.fixture(scope="session")
def store(pool: asyncpg.Pool) -> EventStore:
    """The event store over the session database."""
    return EventStore(pool, test_registry)
