"""A database of the fuzzers' own, holding a small register.

Fuzzed writes must not collide with other tests' streams, and hostile filters need rows to
leak: an injection that widened a query would show up as results where none belong.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.assessment.handlers import seed_frameworks
from services.registry.gias.snapshot import GiasFiles
from services.registry.importer import import_gias
from services.registry.projections import rebuild
from services.registry.sample import write_sample
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.store import EventStore
from shared.settings import Settings
from tests import dbutil
from tests.conftest import TEST_SECRET

SERVICES = ("registry", "assessment", "commissioning")
SAMPLE_SCHOOLS = 300


@pytest.fixture(scope="module")
async def fuzz_database(admin_url: str) -> AsyncIterator[str]:
    url = await dbutil.create_database(admin_url)
    settings = Settings(environment="test", database_url=url, jwt_secret=TEST_SECRET)
    files = write_sample(Path(tempfile.mkdtemp(prefix="st-fuzz-")), schools=SAMPLE_SCHOOLS, seed=7)
    pool = await create_pool(url, settings, max_size=2)
    try:
        gias = GiasFiles(
            files.establishments, files.groups, files.group_links, files.establishment_links
        )
        store = EventStore(pool, all_contracts())
        await import_gias(store, gias, actor="fuzz-setup")
        # Published frameworks, so that assessment writes get past "no such framework".
        await seed_frameworks(store)
    finally:
        await pool.close()
    # Read models filled before any app starts, so every request sees the whole register.
    await rebuild(url, settings)
    yield url
    await dbutil.drop_database(admin_url, url)


@pytest.fixture(scope="module")
def fuzz_settings(fuzz_database: str) -> Settings:
    return Settings(environment="test", database_url=fuzz_database, jwt_secret=TEST_SECRET)
