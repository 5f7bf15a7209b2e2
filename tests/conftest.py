"""Fixtures shared by every test: a real PostgreSQL, settings, the event store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest

from shared.db import create_pool
from shared.eventlog.store import EventStore
from shared.settings import Settings
from tests import dbutil
from tests.contracts import test_registry

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


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Settings pointing at the session database."""
    return Settings(environment="test", database_url=database_url, jwt_secret=TEST_SECRET)


@pytest.fixture(scope="session")
async def pool(settings: Settings, database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """An application-role pool on the session database."""
    p = await create_pool(database_url, settings, max_size=40)
    yield p
    await p.close()


@pytest.fixture(scope="session")
def store(pool: asyncpg.Pool) -> EventStore:
    """The event store over the session database."""
    return EventStore(pool, test_registry)
