"""The assessment read models, projected from framework and assessment events in log order.

Volumes are small (people write these events), so this is a plain per-event Projection: one
small function per event type, each writing in the consumer's transaction so rows and the
checkpoint commit together. Each write is guarded by the stream version (or keyed by id), so
replaying an event changes nothing. Times come from the event's ``recorded_at``.
"""

from __future__ import annotations

import json

from services.assessment.models import READ_MODEL_TABLES
from shared.contracts import all_contracts
from shared.contracts.assessment import (
    AssessmentModerated,
    AssessmentPublished,
    AssessmentReturned,
    AssessmentStarted,
    AssessmentSubmitted,
    AssessmentWithdrawn,
    EvidenceRecorded,
    FrameworkVersionPublished,
    PillarJudged,
)
from shared.eventlog.model import RecordedEvent
from shared.eventlog.rebuild import RebuildReport, rebuild_projection
from shared.eventlog.subscriptions import EventHandler, HandlerContext, Projection
from shared.settings import Settings

PROJECTION_NAME = "assessment-read-models"
CATEGORIES: frozenset[str] = frozenset({"framework", "assessment"})

_CONTRACTS = all_contracts()


async def _framework_published(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, FrameworkVersionPublished)
    await ctx.conn.execute(
        """
        INSERT INTO assessment_frameworks (framework_id, framework_version, name, publisher,
                                           published_on, source, pillars, recorded_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
        ON CONFLICT (framework_id, framework_version) DO NOTHING
        """,
        e.framework_id,
        e.framework_version,
        e.name,
        e.publisher,
        e.published_on,
        e.source,
        json.dumps([p.model_dump(mode="json") for p in e.pillars]),
        event.recorded_at,
    )


async def _started(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, AssessmentStarted)
    await ctx.conn.execute(
        """
        INSERT INTO assessment_assessments (assessment_id, seq, trust_uid, framework_id,
               framework_version, status, assessor, purpose, authors, version, started_at,
               updated_at)
        VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, ARRAY[$6], $8, $9, $9)
        ON CONFLICT (assessment_id) DO NOTHING
        """,
        e.assessment_id,
        event.position,
        e.trust_uid,
        e.framework_id,
        e.framework_version,
        e.assessor,
        e.purpose,
        event.stream_version,
        event.recorded_at,
    )


async def _touch(
    ctx: HandlerContext,
    event: RecordedEvent,
    assignments: str = "",
    *args: object,
) -> bool:
    """Move the assessment row to this event's version; False if it was already applied."""
    sets = "version = $2, updated_at = $3" + (", " + assignments if assignments else "")
    result: str = await ctx.conn.execute(
        f"UPDATE assessment_assessments SET {sets} WHERE assessment_id = $1 AND version < $2",
        event.data["assessment_id"],
        event.stream_version,
        event.recorded_at,
        *args,
    )
    return result == "UPDATE 1"


async def _author(ctx: HandlerContext, event: RecordedEvent, who: str, extra: str = "") -> bool:
    return await _touch(
        ctx,
        event,
        "authors = CASE WHEN $4 = ANY(authors) THEN authors ELSE authors || $4 END" + extra,
        who,
    )


async def _evidence(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, EvidenceRecorded)
    if not await _author(ctx, event, e.recorded_by, ", evidence_count = evidence_count + 1"):
        return
    await ctx.conn.execute(
        """
        INSERT INTO assessment_evidence (evidence_id, assessment_id, stream_version, pillar,
               theme, kind, summary, source_reference, observed_on, metric_name, metric_value,
               metric_unit, recorded_by, recorded_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        """,
        e.evidence_id,
        e.assessment_id,
        event.stream_version,
        e.pillar,
        e.theme,
        e.kind,
        e.summary,
        e.source_reference,
        e.observed_on,
        e.metric.name if e.metric else None,
        e.metric.value if e.metric else None,
        e.metric.unit if e.metric else None,
        e.recorded_by,
        event.recorded_at,
    )


async def _judged(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, PillarJudged)
    extra = (
        ", judged_pillars = CASE WHEN $5 = ANY(judged_pillars) THEN judged_pillars"
        " ELSE judged_pillars || $5 END"
    )
    if not await _touch(
        ctx,
        event,
        "authors = CASE WHEN $4 = ANY(authors) THEN authors ELSE authors || $4 END" + extra,
        e.judged_by,
        e.pillar,
    ):
        return
    await ctx.conn.execute(
        """
        INSERT INTO assessment_judgements (assessment_id, pillar, descriptor, rationale,
               evidence_ids, judged_by, stream_version, judged_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (assessment_id, pillar) DO UPDATE
           SET descriptor = excluded.descriptor, rationale = excluded.rationale,
               evidence_ids = excluded.evidence_ids, judged_by = excluded.judged_by,
               stream_version = excluded.stream_version, judged_at = excluded.judged_at
        """,
        e.assessment_id,
        e.pillar,
        e.descriptor,
        e.rationale,
        list(e.evidence_ids),
        e.judged_by,
        event.stream_version,
        event.recorded_at,
    )


async def _submitted(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, AssessmentSubmitted)
    await _author(ctx, event, e.submitted_by, ", status = 'submitted'")


async def _returned(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, AssessmentReturned)
    await _touch(ctx, event, "status = 'returned', moderator = $4", e.moderator)


async def _moderated(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, AssessmentModerated)
    await _touch(ctx, event, "status = 'moderated', moderator = $4", e.moderator)


async def _published(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, AssessmentPublished)
    if not await _touch(
        ctx,
        event,
        "status = 'published', published_on = $4, supersedes = $5",
        e.published_on,
        e.supersedes,
    ):
        return
    await ctx.conn.execute(
        """
        INSERT INTO assessment_publications (assessment_id, trust_uid, position, framework_id,
               framework_version, framework_name, published_on, supersedes, judgements)
        VALUES ($1, $2, $3, $4, $5,
                (SELECT name FROM assessment_frameworks
                  WHERE framework_id = $4 AND framework_version = $5),
                $6, $7, $8::jsonb)
        ON CONFLICT (assessment_id) DO NOTHING
        """,
        e.assessment_id,
        e.trust_uid,
        event.position,
        e.framework_id,
        e.framework_version,
        e.published_on,
        e.supersedes,
        json.dumps([j.model_dump(mode="json") for j in e.judgements]),
    )


async def _withdrawn(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = event.decode(_CONTRACTS)
    assert isinstance(e, AssessmentWithdrawn)
    if await _touch(ctx, event, "status = 'withdrawn'"):
        await ctx.conn.execute(
            "UPDATE assessment_publications SET withdrawn = true WHERE assessment_id = $1",
            e.assessment_id,
        )


HANDLERS: dict[str, EventHandler] = {
    FrameworkVersionPublished.type_name: _framework_published,
    AssessmentStarted.type_name: _started,
    EvidenceRecorded.type_name: _evidence,
    PillarJudged.type_name: _judged,
    AssessmentSubmitted.type_name: _submitted,
    AssessmentReturned.type_name: _returned,
    AssessmentModerated.type_name: _moderated,
    AssessmentPublished.type_name: _published,
    AssessmentWithdrawn.type_name: _withdrawn,
}


def assessment_projection() -> Projection:
    """The read-model consumer, named ``assessment-read-models``."""
    return Projection(name=PROJECTION_NAME, handlers=HANDLERS, categories=CATEGORIES)


# ------------------------------------------------------------------- rebuild


async def rebuild(url: str, settings: Settings, *, timeout_s: float | None = None) -> RebuildReport:
    """Rebuild the read models from the log (the assessment service must be stopped)."""
    return await rebuild_projection(
        url,
        settings,
        assessment_projection(),
        READ_MODEL_TABLES,
        _CONTRACTS,
        service="assessment",
        timeout_s=timeout_s,
    )
