"""The assessment service's commands, and its first-run sample data for ``make run``.

``strongtrusts assessment frameworks seed`` publishes the two seeded frameworks if missing;
``strongtrusts assessment rebuild`` rebuilds the read models from the log (service stopped).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from typing import Any

from services.assessment import domain, handlers
from shared.contracts import all_contracts
from shared.contracts.assessment import DESCRIPTORS, FrameworkVersionPublished
from shared.db import database_url
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.settings import get_settings

SAMPLE_ASSESSOR = "sample:assessor-ada"
SAMPLE_MODERATOR = "sample:moderator-mo"
SAMPLE_DATE = date(2026, 10, 1)


def register(commands: Any) -> None:
    """Add ``strongtrusts assessment ...`` to the command parser."""
    assessment = commands.add_parser("assessment", help="assessment service").add_subparsers(
        metavar="ACTION"
    )
    frameworks = assessment.add_parser("frameworks", help="assessment frameworks").add_subparsers(
        metavar="ACTION"
    )
    seed = frameworks.add_parser("seed", help="publish the DfE and CST frameworks if missing")
    seed.set_defaults(func=_cmd_seed)
    rebuild = assessment.add_parser(
        "rebuild", help="rebuild the read models from the log (stop the service first)"
    )
    rebuild.set_defaults(func=_cmd_rebuild)


def _cmd_seed(args: argparse.Namespace) -> int:
    async def run() -> list[str]:
        settings = get_settings()
        async with owner_store(
            database_url(settings), settings, all_contracts(), "assessment"
        ) as store:
            return await handlers.seed_frameworks(store)

    seeded = asyncio.run(run())
    print("seeded: " + (", ".join(seeded) if seeded else "nothing (both already published)"))
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from services.assessment.projections import rebuild
    from shared.eventlog.rebuild import ProjectionBusy

    settings = get_settings()
    try:
        report = asyncio.run(rebuild(database_url(settings), settings))
    except ProjectionBusy as exc:
        print(f"strongtrusts assessment rebuild: {exc}", file=sys.stderr)
        return 1
    print(f"rebuilt assessment read models: {report.events} events in {report.seconds:.1f}s")
    return 0


# Trusts with the most schools joined, as the registry's events tell it.
_SAMPLE_TRUSTS_SQL = """
SELECT (data->>'trust_uid')::int AS uid, count(*) AS schools
  FROM events
 WHERE category = 'school' AND event_type = 'registry.SchoolJoinedTrust'
 GROUP BY 1
 ORDER BY 2 DESC, 1
 LIMIT 3
"""


async def first_run(url: str) -> None:
    """Seed the frameworks, and on an empty log a few sample assessments to look at."""
    settings = get_settings()
    async with owner_store(url, settings, all_contracts(), "assessment") as store:
        pool = store.pool
        seeded = await handlers.seed_frameworks(store)
        if seeded:
            print(f"First run: seeded frameworks {', '.join(seeded)}", file=sys.stderr)
        if await pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM events WHERE category = 'assessment')"
        ):
            return
        uids = [r["uid"] for r in await pool.fetch(_SAMPLE_TRUSTS_SQL)]
        for n, uid in enumerate(uids):
            framework_id = "cst-strong-trust" if n == 1 else "dfe-trust-quality"
            await sample_assessment(store, uid, framework_id, publish=n < 2, seed=n)
        if uids:
            print(f"First run: sample assessments of trusts {uids}", file=sys.stderr)


async def sample_assessment(
    store: EventStore, uid: int, framework_id: str, *, publish: bool, seed: int
) -> str:
    """One synthetic assessment: complete, moderated and published, or a draft."""
    assessor = EventMetadata(actor=SAMPLE_ASSESSOR, reason="sample data for a first run")
    moderator = EventMetadata(actor=SAMPLE_MODERATOR, reason="sample data for a first run")
    assessment_id, framework = await handlers.start_assessment(
        store,
        trust_uid=uid,
        framework_id=framework_id,
        framework_version=None,
        purpose="Sample assessment (synthetic data)",
        metadata=assessor,
    )
    pillars = framework.pillars if publish else framework.pillars[:2]
    for i, pillar in enumerate(pillars):
        await handlers.execute(store, assessment_id, _sample_evidence(framework, i), assessor)
        await handlers.execute(
            store,
            assessment_id,
            domain.JudgePillar(
                pillar=pillar.key,
                descriptor=DESCRIPTORS[(seed + i) % 3],
                rationale=f"Synthetic rationale for {pillar.name.lower()}, from the sample evidence.",
                evidence_ids=None,
                judged_by=SAMPLE_ASSESSOR,
            ),
            assessor,
        )
    if publish:
        await handlers.execute(store, assessment_id, domain.Submit(SAMPLE_ASSESSOR), assessor)
        await handlers.execute(
            store, assessment_id, domain.Approve(SAMPLE_MODERATOR, "Sample moderation"), moderator
        )
        await handlers.publish(store, assessment_id, moderator, today=SAMPLE_DATE)
    return assessment_id


def _sample_evidence(framework: FrameworkVersionPublished, i: int) -> domain.RecordEvidence:
    pillar = framework.pillars[i]
    return domain.RecordEvidence(
        evidence_id=handlers.new_id(),
        pillar=pillar.key,
        theme=pillar.themes[0].key if pillar.themes else None,
        kind=("visit", "self_evaluation", "financial_accounts", "ofsted", "other")[i % 5],
        summary=f"Synthetic evidence on {pillar.name.lower()} for a first run.",
        source_reference="sample data",
        observed_on=SAMPLE_DATE,
        metric=None,
        recorded_by=SAMPLE_ASSESSOR,
    )
