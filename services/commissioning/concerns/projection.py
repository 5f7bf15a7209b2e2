"""The ``commissioning-concerns`` consumer: one row per concern about a trust.

A consumer of its own, so no other read model changes; its effect and checkpoint commit
together, each change is guarded by the stream version, and a replay from the start gives
the same rows.
"""

from __future__ import annotations

from datetime import date

from shared.contracts.concerns import (
    ConcernActionAdded,
    ConcernActionStatusChanged,
    ConcernClosed,
    ConcernDeEscalated,
    ConcernOpened,
    ConcernRated,
)
from shared.eventlog.model import RecordedEvent
from shared.eventlog.projection import Handlers, Projection
from shared.eventlog.subscriptions import HandlerContext

CONSUMER_NAME = "commissioning-concerns"
TABLE = "commissioning_trust_concerns"
READ_MODEL_TABLES: tuple[str, ...] = (TABLE,)
HANDLERS = Handlers()


@HANDLERS.on(ConcernOpened)
async def _opened(e: ConcernOpened, event: RecordedEvent, ctx: HandlerContext) -> None:
    await ctx.conn.execute(
        f"""
        INSERT INTO {TABLE}
            (concern_id, trust_uid, concern_type, referral, rag, status, opened_on, review_on,
             opened_position, version, updated_at)
        VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10)
        ON CONFLICT (concern_id) DO NOTHING
        """,
        e.concern_id,
        e.trust_uid,
        e.concern_type,
        e.referral,
        e.rag,
        e.opened_on,
        e.review_on,
        event.position,
        event.stream_version,
        event.recorded_at,
    )


async def _set(
    ctx: HandlerContext,
    event: RecordedEvent,
    concern_id: str,
    *,
    rag: str | None = None,
    status: str | None = None,
    review_on: date | None = None,
    closed_on: date | None = None,
) -> None:
    # Guarded by the stream version, so a replayed event changes nothing.
    await ctx.conn.execute(
        f"""
        UPDATE {TABLE}
           SET rag = coalesce($2, rag),
               status = coalesce($3, status),
               review_on = CASE WHEN $3 = 'closed' THEN NULL ELSE coalesce($4, review_on) END,
               closed_on = coalesce($5, closed_on),
               version = $6,
               updated_at = $7
         WHERE concern_id = $1 AND version < $6
        """,
        concern_id,
        rag,
        status,
        review_on,
        closed_on,
        event.stream_version,
        event.recorded_at,
    )


@HANDLERS.on(ConcernRated)
async def _rated(e: ConcernRated, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _set(ctx, event, e.concern_id, rag=e.rag, review_on=e.review_on)


@HANDLERS.on(ConcernDeEscalated)
async def _de_escalated(e: ConcernDeEscalated, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _set(ctx, event, e.concern_id, rag=e.rag, status="de_escalated", review_on=e.review_on)


@HANDLERS.on(ConcernActionAdded)
async def _action(e: ConcernActionAdded, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _set(ctx, event, e.concern_id)


@HANDLERS.on(ConcernActionStatusChanged)
async def _action_status(
    e: ConcernActionStatusChanged, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await _set(ctx, event, e.concern_id)


@HANDLERS.on(ConcernClosed)
async def _closed(e: ConcernClosed, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _set(ctx, event, e.concern_id, status="closed", closed_on=e.closed_on)


def concerns_projection() -> Projection:
    """The consumer keeping the concerns' read model."""
    return Projection(name=CONSUMER_NAME, handlers=HANDLERS, categories=("concern",))
