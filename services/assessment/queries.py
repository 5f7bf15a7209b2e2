"""Reads: one assessment folded from its stream (exact after a write), lists and profiles
from the read models (a moment behind the log).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import orjson

from services.assessment import domain
from services.assessment.errors import AssessmentNotFound, FrameworkNotFound, UnknownTrust
from services.assessment.handlers import (
    assessment_stream,
    framework_versions,
    load_framework,
)
from services.assessment.indicators import trust_is_known
from services.assessment.schemas import (
    AssessmentPage,
    AssessmentSummary,
    AssessmentView,
    EvidenceView,
    FrameworkList,
    FrameworkSummary,
    FrameworkVersionView,
    JudgementView,
    ReturnView,
)
from shared.contracts.assessment import (
    AssessmentReturned,
    EvidenceRecorded,
    FrameworkVersionPublished,
    PillarJudged,
)
from shared.errors import NotFound
from shared.eventlog.store import EventStore
from shared.http.paging import decode_key, encode_cursor

# --------------------------------------------------------------------------- cursors


# --------------------------------------------------------------------------- frameworks


def framework_view(event: FrameworkVersionPublished) -> FrameworkVersionView:
    """A framework version as the API shows it."""
    return FrameworkVersionView(
        framework_id=event.framework_id,
        framework_version=event.framework_version,
        name=event.name,
        publisher=event.publisher,
        published_on=event.published_on,
        source=event.source,
        pillars=list(event.pillars),
    )


async def get_framework_version(
    store: EventStore, framework_id: str, version: int
) -> FrameworkVersionView:
    """One version of a framework, read from its stream; 404 if it was never published."""
    if not await framework_versions(store, framework_id):
        raise NotFound(f"no framework {framework_id}")
    try:
        event = await load_framework(store, framework_id, version)
    except FrameworkNotFound:
        raise NotFound(f"framework {framework_id} has no version {version}") from None
    return framework_view(event)


async def list_frameworks(pool: asyncpg.Pool) -> FrameworkList:
    """Every framework with its latest version, by id."""
    rows = await pool.fetch(
        """
        SELECT DISTINCT ON (framework_id) framework_id, framework_version, name, publisher,
               published_on, pillars::text AS pillars,
               array_agg(framework_version) OVER (PARTITION BY framework_id) AS versions
          FROM assessment_frameworks
         ORDER BY framework_id, framework_version DESC
        """
    )
    return FrameworkList(
        items=[
            FrameworkSummary(
                framework_id=r["framework_id"],
                latest_version=r["framework_version"],
                versions=sorted(r["versions"]),
                name=r["name"],
                publisher=r["publisher"],
                published_on=r["published_on"],
                pillars=[p["key"] for p in json.loads(r["pillars"])],
            )
            for r in rows
        ]
    )


# --------------------------------------------------------------------------- assessments


async def get_assessment(store: EventStore, assessment_id: str) -> AssessmentView:
    """An assessment folded from its stream, so it shows every write that has returned."""
    recorded = await store.read_stream(assessment_stream(assessment_id))
    if not recorded:
        raise AssessmentNotFound(f"no assessment {assessment_id}")
    events = [r.decode(store.registry) for r in recorded]
    state = domain.fold(events)
    assert state is not None
    framework = await load_framework(store, state.framework_id, state.framework_version)
    names = {p.key: p.name for p in framework.pillars}
    at = {id(e): r.recorded_at for e, r in zip(events, recorded, strict=True)}
    evidence = [
        EvidenceView(
            evidence_id=e.evidence_id,
            pillar=e.pillar,
            theme=e.theme,
            kind=e.kind,
            summary=e.summary,
            source_reference=e.source_reference,
            observed_on=e.observed_on,
            metric=e.metric,
            recorded_by=e.recorded_by,
            recorded_at=at[id(e)],
        )
        for e in events
        if isinstance(e, EvidenceRecorded)
    ]
    judged: list[PillarJudged] = [
        state.judgements[p.key] for p in framework.pillars if p.key in state.judgements
    ]
    returns = [
        ReturnView(moderator=e.moderator, comments=e.comments, returned_at=at[id(e)])
        for e in events
        if isinstance(e, AssessmentReturned)
    ]
    return AssessmentView(
        assessment_id=state.assessment_id,
        trust_uid=state.trust_uid,
        framework_id=state.framework_id,
        framework_version=state.framework_version,
        framework_name=framework.name,
        status=state.status,
        version=state.version,
        assessor=state.assessor,
        purpose=state.purpose,
        authors=sorted(state.authors),
        evidence=evidence,
        judgements=[
            JudgementView(
                pillar=j.pillar,
                pillar_name=names[j.pillar],
                descriptor=j.descriptor,
                rationale=j.rationale,
                evidence_ids=list(j.evidence_ids),
                judged_by=j.judged_by,
                judged_at=at[id(j)],
            )
            for j in judged
        ],
        unjudged_pillars=domain.missing_pillars(state, framework),
        submitted_by=state.submitted_by,
        moderator=state.moderator,
        moderation_comments=state.moderation_comments,
        returns=returns,
        published_on=state.published_on,
        supersedes=state.supersedes,
        requested_by_case=getattr(events[0], "case_id", None),
        request_id=getattr(events[0], "request_id", None),
        started_at=recorded[0].recorded_at,
        updated_at=recorded[-1].recorded_at,
    )


async def list_assessments(
    pool: asyncpg.Pool,
    *,
    trust_uid: int | None,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> AssessmentPage:
    """Assessments newest first, filtered by trust and status, from the read model."""
    before = decode_key(cursor)
    rows = await pool.fetch(
        """
        SELECT * FROM assessment_assessments
         WHERE ($1::int IS NULL OR trust_uid = $1)
           AND ($2::text IS NULL OR status = $2)
           AND ($3::bigint IS NULL OR seq < $3)
         ORDER BY seq DESC
         LIMIT $4
        """,
        trust_uid,
        status,
        before,
        limit + 1,
    )
    page = rows[:limit]
    items = [
        AssessmentSummary(
            assessment_id=r["assessment_id"],
            trust_uid=r["trust_uid"],
            framework_id=r["framework_id"],
            framework_version=r["framework_version"],
            status=r["status"],
            version=r["version"],
            assessor=r["assessor"],
            purpose=r["purpose"],
            evidence_count=r["evidence_count"],
            judged_pillars=list(r["judged_pillars"]),
            moderator=r["moderator"],
            published_on=r["published_on"],
            started_at=r["started_at"],
            updated_at=r["updated_at"],
        )
        for r in page
    ]
    next_cursor = encode_cursor(page[-1]["seq"]) if len(rows) > limit else None
    return AssessmentPage(items=items, next_cursor=next_cursor)


# --------------------------------------------------------------------------- profile


async def standing_judgements(
    executor: asyncpg.Pool | asyncpg.Connection, trust_uid: int
) -> tuple[str | None, list[dict[str, Any]]]:
    """The trust's standing publication (latest not withdrawn) and its pillar judgements.

    Plain JSON-ready dicts in ProfilePillar's shape: the profile is the busiest read of the
    service, and building and re-validating models for it cost more than the queries.
    """
    row = await executor.fetchrow(
        """
        SELECT assessment_id, framework_id, framework_version, framework_name, published_on,
               judgements::text AS judgements
          FROM assessment_publications
         WHERE trust_uid = $1 AND NOT withdrawn
         ORDER BY position DESC
         LIMIT 1
        """,
        trust_uid,
    )
    if row is None:
        return None, []
    standing = {
        "published_on": row["published_on"].isoformat(),
        "assessment_id": row["assessment_id"],
        "framework_id": row["framework_id"],
        "framework_version": row["framework_version"],
        "framework_name": row["framework_name"],
    }
    return row["assessment_id"], [
        {
            "pillar": j["pillar"],
            "pillar_name": j["pillar_name"],
            "descriptor": j["descriptor"],
            "rationale": j["rationale"],
            "evidence_ids": j["evidence_ids"],
            **standing,
        }
        for j in orjson.loads(row["judgements"])
    ]


async def require_known_trust(pool: asyncpg.Pool, uid: int) -> None:
    """Refuse (422) a trust the registry's events have not told this service of."""
    if await trust_is_known(pool, uid):
        return
    # The service hears of trusts only through the log, a moment behind the registry: a
    # trust the registry has just recorded is refused until then, so the detail says so.
    raise UnknownTrust(
        f"Trust {uid} is not known to the assessment service. It learns of trusts from the "
        "registry's events: if the registry recorded this trust moments ago, that may not "
        "have reached the assessment service yet, so try again shortly. A UID the registry "
        "does not have is never accepted.",
        extra={
            "trust_uid": uid,
            "errors": [
                {
                    "loc": ["body", "trust_uid"],
                    "msg": "No academy trust with this UID is known to the assessment service",
                    "type": "unknown_trust",
                }
            ],
        },
    )
