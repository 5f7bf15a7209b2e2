"""PostgreSQL stopped and started again under write load: the registry recovers by itself,
and no write it acknowledged is missing from the log (see tests/faults/restart.py for how
each write's outcome is classified)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.conftest import TEST_SECRET
from tests.faults.embedded import EmbeddedPostgres
from tests.faults.restart import STOPS, WRITERS, WRITES_PER_PHASE, run_restart_scenario


@pytest.fixture
async def embedded() -> AsyncIterator[EmbeddedPostgres]:
    pg = await asyncio.to_thread(EmbeddedPostgres.start)
    try:
        yield pg
    finally:
        await asyncio.to_thread(pg.close)


async def test_the_registry_recovers_from_a_database_restart_without_losing_acknowledged_writes(
    embedded: EmbeddedPostgres,
) -> None:
    outcome = await run_restart_scenario(embedded, TEST_SECRET)
    load = outcome.load
    print("\n", outcome.summary())
    # Recovered without a restart: the same process answered before, between and after.
    assert outcome.service_pid_unchanged
    # Writes kept succeeding after each restart, and failed while the server was down.
    assert len(load.acknowledged) >= WRITES_PER_PHASE * 2 * len(STOPS)
    assert load.failed > WRITERS * len(STOPS)
    assert not load.unexpected, load.unexpected
    # While it was down the service said so: 503, not a 500 that reads as a defect.
    assert set(load.refused.values()) == {503}, load.refused
    # Only this run's writes are in this database's log.
    assert all(load.run in name for name in outcome.logged)
    # No acknowledged write lost, and each is the trust its response named.
    assert not outcome.lost, f"acknowledged writes missing from the log: {outcome.lost}"
    for name, uid in load.acknowledged.items():
        assert outcome.logged[name] == f"trust-{uid}", (name, uid, outcome.logged[name])
    # 2xx responses == events in the log, except writes the client was told failed that had
    # committed all the same (possible when a connection dies during COMMIT).
    assert outcome.committed_anyway <= set(load.refused) | set(load.dropped)
    assert len(outcome.logged) == len(load.acknowledged) + len(outcome.committed_anyway)
