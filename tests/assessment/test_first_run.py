"""``make run``'s sample assessments: seeded frameworks, two published and a draft, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from services.assessment.cli import SAMPLE_ASSESSOR, SAMPLE_MODERATOR, first_run
from shared.contracts import all_contracts
from shared.contracts.registry import SchoolJoinedTrust
from shared.db import create_pool
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent
from shared.eventlog.store import EventStore
from shared.settings import Settings

META = EventMetadata(actor="system:first-run")


async def test_first_run_seeds_frameworks_and_three_sample_assessments_once(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    try:
        log = EventStore(pool, all_contracts())
        # Trusts 501 (three schools), 502 (two) and 503 (one) as the registry's log has them.
        urn = 400000
        for uid, schools in ((501, 3), (502, 2), (503, 1), (504, 0)):
            for _ in range(schools):
                urn += 1
                joined = SchoolJoinedTrust(
                    urn=urn, trust_uid=uid, joined_on=date(2020, 9, 1), reason="conversion"
                )
                await log.append(f"school-{urn}", [NewEvent(joined, META)], expected_version="any")

        await first_run(url)
        await first_run(url)

        frameworks = await pool.fetch(
            "SELECT stream_id, count(*) AS n FROM events WHERE category = 'framework'"
            " GROUP BY 1 ORDER BY 1"
        )
        assert [(r["stream_id"], r["n"]) for r in frameworks] == [
            ("framework-cst-strong-trust", 1),
            ("framework-dfe-trust-quality", 1),
        ]
        rows = await pool.fetch(
            """
            SELECT (s.data->>'trust_uid')::int AS uid, s.data->>'framework_id' AS framework,
                   bool_or(e.event_type = 'assessment.AssessmentPublished') AS published,
                   array_agg(DISTINCT e.metadata->>'actor') AS actors
              FROM events s JOIN events e ON e.stream_id = s.stream_id
             WHERE s.event_type = 'assessment.AssessmentStarted'
             GROUP BY 1, 2 ORDER BY 1
            """
        )
        assert [(r["uid"], r["framework"], r["published"]) for r in rows] == [
            (501, "dfe-trust-quality", True),
            (502, "cst-strong-trust", True),
            (503, "dfe-trust-quality", False),
        ]
        assert set(rows[0]["actors"]) == {SAMPLE_ASSESSOR, SAMPLE_MODERATOR}
        assert set(rows[2]["actors"]) == {SAMPLE_ASSESSOR}
    finally:
        await pool.close()
