"""The assessment read models: the migration matches the models, and a rebuild is identical."""

from __future__ import annotations

import asyncpg

from services.assessment import domain, projections
from services.assessment.cli import sample_assessment
from services.assessment.handlers import execute, seed_frameworks
from services.assessment.main import create_app
from services.assessment.models import READ_MODEL_TABLES, metadata
from shared.contracts import all_contracts
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.store import EventStore
from shared.settings import Settings
from tests.assessment.helpers import unique_uid
from tests.dbutil import owner_may_rewrite, tables_as_modelled
from tests.integration.helpers import wait_until

_ORDER = {
    "assessment_frameworks": "framework_id, framework_version",
    "assessment_assessments": "assessment_id",
    "assessment_evidence": "evidence_id",
    "assessment_judgements": "assessment_id, pillar",
    "assessment_publications": "assessment_id",
}


async def test_the_migration_builds_the_tables_the_models_describe(pool: asyncpg.Pool) -> None:
    await tables_as_modelled(pool, "assessment", metadata, READ_MODEL_TABLES)
    assert set(_ORDER) == set(READ_MODEL_TABLES)


async def test_the_assessment_role_may_read_write_and_empty_its_read_models(
    pool: asyncpg.Pool,
) -> None:
    await owner_may_rewrite(pool, "assessment", READ_MODEL_TABLES)


async def snapshot(pool: asyncpg.Pool) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for table, order in _ORDER.items():
        rows = await pool.fetch(f"SELECT row_to_json(t)::text FROM {table} t ORDER BY {order}")
        out[table] = [r[0] for r in rows]
    return out


async def test_a_rebuild_from_the_log_gives_identical_read_models(
    pool: asyncpg.Pool, settings: Settings, database_url: str
) -> None:
    store = EventStore(pool, all_contracts())
    await seed_frameworks(store)
    uid = unique_uid()
    older = await sample_assessment(store, uid, "dfe-trust-quality", publish=True, seed=0)
    newer = await sample_assessment(store, uid, "cst-strong-trust", publish=True, seed=1)
    draft = await sample_assessment(store, unique_uid(), "dfe-trust-quality", publish=False, seed=2)
    await execute(store, newer, domain.Withdraw(), EventMetadata(actor="moderator-mo"))

    ids = [older, newer, draft]
    app = create_app(settings, url=database_url)
    async with app.router.lifespan_context(app):

        async def projected() -> bool:
            # Each assessment's row has reached its stream's last version.
            return bool(
                await pool.fetchval(
                    """
                    SELECT count(*) = 3 FROM assessment_assessments a
                     WHERE a.assessment_id = ANY($1::text[])
                       AND a.version = (SELECT max(stream_version) FROM events
                                         WHERE stream_id = 'assessment-' || a.assessment_id)
                    """,
                    ids,
                )
            )

        await wait_until(projected, what="the assessment read models to catch up")
    before = await snapshot(pool)
    statuses = {
        r["assessment_id"]: r["status"]
        for r in await pool.fetch(
            "SELECT assessment_id, status FROM assessment_assessments"
            " WHERE assessment_id = ANY($1::text[])",
            ids,
        )
    }
    assert statuses == {older: "published", newer: "withdrawn", draft: "draft"}
    assert all(before[t] for t in _ORDER)

    report = await projections.rebuild(database_url, settings, timeout_s=60)

    assert report.events >= 30
    assert await snapshot(pool) == before
