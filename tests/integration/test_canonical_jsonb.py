"""The canonical bytes survive PostgreSQL's JSONB: property-tested on numbers and Unicode."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.db import asyncpg_dsn
from shared.eventlog.canonical import canonical_json, loads_exact
from tests.unit.test_canonical import json_values

pytestmark = pytest.mark.eventlog


def _round_trip(url: str, texts: list[str]) -> list[str]:
    async def run() -> list[str]:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            rows = await conn.fetch("SELECT t::jsonb::text FROM unnest($1::text[]) AS t", texts)
            return [r[0] for r in rows]
        finally:
            await conn.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def jsonb_url(admin_url: str) -> str:
    return admin_url


numbers = st.floats(allow_nan=False, allow_infinity=False) | st.integers(
    min_value=-(10**40), max_value=10**40
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(json_values | numbers, min_size=1, max_size=30))
def test_canonical_bytes_survive_jsonb(jsonb_url: str, values: list[Any]) -> None:
    texts = [canonical_json(v) for v in values]
    stored = _round_trip(jsonb_url, texts)
    assert [canonical_json(loads_exact(s)) for s in stored] == texts
