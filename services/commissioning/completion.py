"""The registry's side of a decided case, in the ``commissioning-cases`` consumer.

Its transfers scheduled or refused show on the case; each school the registry has moved
(``decision_reference`` naming the decision) is counted, and the last one completes the
case with a ``CaseCompleted`` appended in the consumer's transaction.
"""

from __future__ import annotations

import json
from datetime import date

from services.commissioning.domain import cases
from shared.contracts.registry import (
    SchoolJoinedTrust,
    SchoolTransferred,
    TransferRejected,
    TransferScheduled,
)
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent, RecordedEvent
from shared.eventlog.projection import Handlers
from shared.eventlog.subscriptions import HandlerContext

# The consumer this runs in (``projections.cases_projection``), named as the source of what
# it appends.
CONSUMER_NAME = "commissioning-cases"
SYSTEM_ACTOR = "system:commissioning"
HANDLERS = Handlers()


@HANDLERS.on(TransferScheduled)
async def _transfer_scheduled(
    e: TransferScheduled, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await ctx.conn.execute(
        "UPDATE commissioning_cases SET status = 'transfer_scheduled', updated_at = $3"
        " WHERE case_id = $1 AND decision_id = $2 AND status = 'decided'",
        e.case_id,
        e.decision_id,
        event.recorded_at,
    )


@HANDLERS.on(TransferRejected)
async def _transfer_rejected(
    e: TransferRejected, event: RecordedEvent, ctx: HandlerContext
) -> None:
    rejection = {
        "urn": e.urn,
        "to_trust_uid": e.to_trust_uid,
        "significant_date": e.significant_date.isoformat(),
        "reason_code": e.reason_code,
        "reason": e.reason,
        "event_id": str(event.event_id),
        "recorded_at": event.recorded_at.isoformat(),
    }
    # Already in the chosen trust: the register needed no change and the school is where
    # the decision wants it, so it counts as done (and may complete the case).
    done = e.reason_code == "already_in_trust"
    # Otherwise the case stays open for a caseworker to close; its status says why.
    await ctx.conn.execute(
        """
        UPDATE commissioning_cases
           SET rejections = rejections || $3::jsonb,
               status = CASE WHEN NOT $5 AND status IN ('decided', 'transfer_scheduled')
                             THEN 'transfer_rejected' ELSE status END,
               updated_at = $4
         WHERE case_id = $1 AND decision_id = $2
        """,
        e.case_id,
        e.decision_id,
        json.dumps([rejection]),
        event.recorded_at,
        done,
    )
    if done:
        await _school_in_place(ctx, event, e.decision_id, e.urn, e.significant_date)


@HANDLERS.on(SchoolTransferred)
async def _school_transferred(
    e: SchoolTransferred, event: RecordedEvent, ctx: HandlerContext
) -> None:
    # Nearly every membership event comes from a GIAS feed and names no decision.
    if e.decision_reference is not None:
        await _school_in_place(ctx, event, e.decision_reference, e.urn, e.effective_on)


@HANDLERS.on(SchoolJoinedTrust)
async def _school_joined(e: SchoolJoinedTrust, event: RecordedEvent, ctx: HandlerContext) -> None:
    if e.decision_reference is not None:
        await _school_in_place(ctx, event, e.decision_reference, e.urn, e.joined_on)


async def _school_in_place(
    ctx: HandlerContext, event: RecordedEvent, decision_id: str, urn: int, on: date
) -> None:
    """One school of the decision is in its new trust; the last one completes the case."""
    row = await ctx.conn.fetchrow(
        """
        UPDATE commissioning_cases
           SET applied_urns = CASE WHEN $2::int = ANY(applied_urns) THEN applied_urns
                                   ELSE applied_urns || $2::int END,
               updated_at = $3
         WHERE decision_id = $1 AND $2::int = ANY(urns)
        RETURNING case_id, urns, applied_urns
        """,
        decision_id,
        urn,
        event.recorded_at,
    )
    if row is None or set(row["urns"]) - set(row["applied_urns"]):
        return
    await _complete(ctx, event, row["case_id"], decision_id, on)


async def _complete(
    ctx: HandlerContext, cause: RecordedEvent, case_id: str, decision_id: str, on: date
) -> None:
    # Decide from the stream itself, not the read model: a close appended after this event
    # (later in the log, so not yet in the read model) must still win.
    stream = f"case-{case_id}"
    recorded = await ctx.store.read_stream(stream, conn=ctx.conn)
    state = cases.fold(r.decode(ctx.registry) for r in recorded)
    if state is None:
        return
    events = cases.complete_case(state, decision_id=decision_id, completed_on=on)
    if not events:
        return
    meta = EventMetadata(
        actor=SYSTEM_ACTOR,
        correlation_id=cause.meta.correlation_id,
        causation_id=cause.event_id,
        source=CONSUMER_NAME,
    )
    await ctx.append(stream, [NewEvent(e, meta) for e in events], expected_version=state.version)
