"""The assessment read models, projected from framework and assessment events in log order.

Volumes are small (people write these events), so this is a plain per-event Projection: one
small function per contract, given the event decoded, each writing in the consumer's
transaction so rows and the checkpoint commit together. Each write is guarded by the stream version (or keyed by id), so
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
from shared.eventlog.projection import Handlers, Projection
from shared.eventlog.rebuild import RebuildReport, rebuild_projection
from shared.eventlog.subscriptions import HandlerContext
from shared.settings import Settings

PROJECTION_NAME = "assessment-read-models"
CATEGORIES: frozenset[str] = frozenset({"framework", "assessment"})

HANDLERS = Handlers()


@HANDLERS.on(FrameworkVersionPublished)
async def _framework_published(
    e: FrameworkVersionPublished, event: RecordedEvent, ctx: HandlerContext
) -> None:
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


@HANDLERS.on(AssessmentStarted)
async def _started(e: AssessmentStarted, event: RecordedEvent, ctx: HandlerContext) -> None:
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
    assessment_id: str,
    assignments: str = "",
    *args: object,
) -> bool:
    """Move the assessment row to this event's version; False if it was already applied."""
    sets = "version = $2, updated_at = $3" + (", " + assignments if assignments else "")
    result: str = await ctx.conn.execute(
        f"UPDATE assessment_assessments SET {sets} WHERE assessment_id = $1 AND version < $2",
        assessment_id,
        event.stream_version,
        event.recorded_at,
        *args,
    )
    return result == "UPDATE 1"


async def _author(
    ctx: HandlerContext, event: RecordedEvent, assessment_id: str, who: str, extra: str = ""
) -> bool:
    return await _touch(
        ctx,
        event,
        assessment_id,
        "authors = CASE WHEN $4 = ANY(authors) THEN authors ELSE authors || $4 END" + extra,
        who,
    )


@HANDLERS.on(EvidenceRecorded)
async def _evidence(e: EvidenceRecorded, event: RecordedEvent, ctx: HandlerContext) -> None:
    if not await _author(
        ctx, event, e.assessment_id, e.recorded_by, ", evidence_count = evidence_count + 1"
    ):
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


@HANDLERS.on(PillarJudged)
async def _judged(e: PillarJudged, event: RecordedEvent, ctx: HandlerContext) -> None:
    extra = (
        ", judged_pillars = CASE WHEN $5 = ANY(judged_pillars) THEN judged_pillars"
        " ELSE judged_pillars || $5 END"
    )
    if not await _touch(
        ctx,
        event,
        e.assessment_id,
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


@HANDLERS.on(AssessmentSubmitted)
async def _submitted(e: AssessmentSubmitted, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _author(ctx, event, e.assessment_id, e.submitted_by, ", status = 'submitted'")


@HANDLERS.on(AssessmentReturned)
async def _returned(e: AssessmentReturned, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _touch(ctx, event, e.assessment_id, "status = 'returned', moderator = $4", e.moderator)


@HANDLERS.on(AssessmentModerated)
async def _moderated(e: AssessmentModerated, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _touch(ctx, event, e.assessment_id, "status = 'moderated', moderator = $4", e.moderator)


@HANDLERS.on(AssessmentPublished)
async def _published(e: AssessmentPublished, event: RecordedEvent, ctx: HandlerContext) -> None:
    if not await _touch(
        ctx,
        event,
        e.assessment_id,
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


@HANDLERS.on(AssessmentWithdrawn)
async def _withdrawn(e: AssessmentWithdrawn, event: RecordedEvent, ctx: HandlerContext) -> None:
    if await _touch(ctx, event, e.assessment_id, "status = 'withdrawn'"):
        await ctx.conn.execute(
            "UPDATE assessment_publications SET withdrawn = true WHERE assessment_id = $1",
            e.assessment_id,
        )


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
        all_contracts(),
        service="assessment",
        timeout_s=timeout_s,
    )
