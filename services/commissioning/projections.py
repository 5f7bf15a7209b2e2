"""The ``commissioning_cases`` consumer: cases, decisions and interventions read models, and
the policy that completes a case once the registry has moved all its schools.

One consumer for both, so the reaction sees the read model exactly as of the event it
handles (the decision's schools, which of them have moved) and its appended
``CaseCompleted`` commits with the checkpoint: a replay cannot complete a case twice.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from services.commissioning.criteria import criteria_json, default_criteria
from services.commissioning.domain import cases
from services.commissioning.domain.interventions import is_active
from shared.contracts import all_contracts
from shared.contracts.commissioning import (
    AdvisoryBoardScheduled,
    CaseClosed,
    CaseCompleted,
    CaseCriteriaSet,
    CaseOpened,
    CaseReferred,
    CaseShortlisted,
    DecisionRecorded,
    InterventionIssued,
    InterventionStatusChanged,
    SignificantDateChanged,
    TransferApproved,
)
from shared.contracts.registry import (
    SchoolJoinedTrust,
    SchoolTransferred,
    TransferRejected,
    TransferScheduled,
)
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import RECORDED_COLUMNS, NewEvent, RecordedEvent
from shared.eventlog.subscriptions import HandlerContext, Projection

CONSUMER_NAME = "commissioning-cases"
SYSTEM_ACTOR = "system:commissioning"
_CONTRACTS = all_contracts()


def _meta(event: RecordedEvent) -> dict[str, Any]:
    return event.metadata


# ------------------------------------------------------------------- cases


async def _case_opened(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = CaseOpened.model_validate(event.data)
    pillars, factors = default_criteria(e.trigger)
    await ctx.conn.execute(
        """
        INSERT INTO commissioning_cases
            (case_id, urns, trigger, title, status, region_code, area, la_codes, criteria,
             opened_on, opened_by, intervention_id, opened_position, version, updated_at)
        VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (case_id) DO NOTHING
        """,
        e.case_id,
        e.urns,
        e.trigger,
        e.title,
        e.region_code,
        e.area,
        e.la_codes,
        json.dumps(criteria_json(pillars, factors)),
        e.opened_on,
        _meta(event)["actor"],
        e.intervention_id,
        event.position,
        event.stream_version,
        event.recorded_at,
    )
    if e.intervention_id is not None:
        await ctx.conn.execute(
            "UPDATE commissioning_interventions SET case_id = $2 WHERE intervention_id = $1",
            e.intervention_id,
            e.case_id,
        )


async def _update_case(
    ctx: HandlerContext, event: RecordedEvent, case_id: str, sets: str, *args: Any
) -> None:
    # ``sets`` uses $4 onwards; $1 is the case, $2 the stream version it is now at, $3 the
    # event's time (not now(), so a rebuild gives identical rows).
    await ctx.conn.execute(
        f"UPDATE commissioning_cases SET {sets}, version = $2, updated_at = $3 WHERE case_id = $1",
        case_id,
        event.stream_version,
        event.recorded_at,
        *args,
    )


async def _criteria_set(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = CaseCriteriaSet.model_validate(event.data)
    await _update_case(
        ctx,
        event,
        e.case_id,
        "criteria = $4, criteria_set = true",
        json.dumps(criteria_json(e.pillars, e.factors)),
    )


async def _shortlisted(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = CaseShortlisted.model_validate(event.data)
    await _update_case(
        ctx, event, e.case_id, "shortlist = $4, status = 'shortlisting'", e.trust_uids
    )


async def _board_scheduled(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = AdvisoryBoardScheduled.model_validate(event.data)
    await _update_case(
        ctx, event, e.case_id, "board_date = $4, status = 'advisory_board_scheduled'", e.board_date
    )


async def _decision_recorded(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = DecisionRecorded.model_validate(event.data)
    await ctx.conn.execute(
        """
        INSERT INTO commissioning_decisions
            (decision_id, case_id, outcome, conditions, decided_on, decision_maker_name,
             decision_maker_capacity, trust_uid, rationale, significant_date, reason_category,
             recorded_by, recorded_at, position)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (decision_id) DO NOTHING
        """,
        e.decision_id,
        e.case_id,
        e.outcome,
        json.dumps(e.conditions),
        e.decided_on,
        e.decision_maker_name,
        e.decision_maker_capacity,
        e.trust_uid,
        e.rationale,
        e.significant_date,
        e.reason_category,
        _meta(event)["actor"],
        event.recorded_at,
        event.position,
    )
    status = "decided" if e.outcome in cases.APPROVALS else e.outcome
    await _update_case(
        ctx,
        event,
        e.case_id,
        "status = $4, decision_id = $5, outcome = $6, decided_on = $7, trust_uid = $8,"
        " significant_date = $9, transfer_kind = NULL, applied_urns = '{}', rejections = '[]'",
        status,
        e.decision_id,
        e.outcome,
        e.decided_on,
        e.trust_uid,
        e.significant_date,
    )


async def _transfer_approved(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = TransferApproved.model_validate(event.data)
    await _update_case(ctx, event, e.case_id, "transfer_kind = $4", e.kind)


async def _date_changed(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = SignificantDateChanged.model_validate(event.data)
    meta = _meta(event)
    change = {
        "previous_date": e.previous_date.isoformat(),
        "significant_date": e.significant_date.isoformat(),
        "reason": e.reason,
        "actor": meta["actor"],
        "recorded_at": event.recorded_at.isoformat(),
    }
    await ctx.conn.execute(
        "UPDATE commissioning_decisions SET date_changes = date_changes || $2::jsonb,"
        " significant_date = $3 WHERE decision_id = $1",
        e.decision_id,
        json.dumps([change]),
        e.significant_date,
    )
    await _update_case(ctx, event, e.case_id, "significant_date = $4", e.significant_date)


async def _completed(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = CaseCompleted.model_validate(event.data)
    await _update_case(
        ctx, event, e.case_id, "status = 'completed', completed_on = $4", e.completed_on
    )


async def _closed(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = CaseClosed.model_validate(event.data)
    await _update_case(
        ctx,
        event,
        e.case_id,
        "status = 'closed', closed_on = $4, close_reason = $5",
        e.closed_on,
        e.reason,
    )


async def _referred(event: RecordedEvent, ctx: HandlerContext) -> None:
    # The referral itself is read from the case's stream when the case is read; only the
    # version moves here, so that the case's ETag stays its stream's version.
    e = CaseReferred.model_validate(event.data)
    await _update_case(ctx, event, e.case_id, "status = status")


# ------------------------------------------------------------------- interventions


def _history_entry(status: str, on: date, event: RecordedEvent) -> str:
    meta = _meta(event)
    entry = {
        "status": status,
        "effective_on": on.isoformat(),
        "actor": meta["actor"],
        "reason": meta.get("reason"),
        "recorded_at": event.recorded_at.isoformat(),
    }
    return json.dumps([entry])


async def _intervention_issued(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = InterventionIssued.model_validate(event.data)
    await ctx.conn.execute(
        """
        INSERT INTO commissioning_interventions
            (intervention_id, kind, trust_uid, urn, status, issued_on, response_due_on, active,
             grounds, conditions, escalated_from, published, history, issued_by,
             issued_position, version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
        ON CONFLICT (intervention_id) DO NOTHING
        """,
        e.intervention_id,
        e.kind,
        e.trust_uid,
        e.urn,
        e.status,
        e.issued_on,
        e.response_due_on,
        is_active(e.status),
        e.grounds,
        json.dumps(e.conditions),
        e.escalated_from,
        e.published,
        _history_entry(e.status, e.issued_on, event),
        _meta(event)["actor"],
        event.position,
        event.stream_version,
        event.recorded_at,
    )


async def _intervention_status(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = InterventionStatusChanged.model_validate(event.data)
    await ctx.conn.execute(
        """
        UPDATE commissioning_interventions
           SET status = $2, active = $3, history = history || $4::jsonb, version = $5,
               updated_at = $6, response_due_on = coalesce($7, response_due_on)
         WHERE intervention_id = $1
        """,
        e.intervention_id,
        e.status,
        is_active(e.status),
        _history_entry(e.status, e.effective_on, event),
        event.stream_version,
        event.recorded_at,
        e.response_due_on,
    )


# ------------------------------------------------------------------- the registry's side


async def _transfer_scheduled(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = TransferScheduled.model_validate(event.data)
    await ctx.conn.execute(
        "UPDATE commissioning_cases SET status = 'transfer_scheduled', updated_at = $3"
        " WHERE case_id = $1 AND decision_id = $2 AND status = 'decided'",
        e.case_id,
        e.decision_id,
        event.recorded_at,
    )


async def _transfer_rejected(event: RecordedEvent, ctx: HandlerContext) -> None:
    e = TransferRejected.model_validate(event.data)
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


async def _school_moved(event: RecordedEvent, ctx: HandlerContext) -> None:
    # Nearly every membership event comes from a GIAS feed and names no decision: skip those
    # before paying for validation, since a national import brings tens of thousands.
    if event.data.get("decision_reference") is None:
        return
    if event.type == SchoolTransferred.type_name:
        moved = SchoolTransferred.model_validate(event.data)
        urn, decision_id, on = moved.urn, moved.decision_reference, moved.effective_on
    else:
        joined = SchoolJoinedTrust.model_validate(event.data)
        urn, decision_id, on = joined.urn, joined.decision_reference, joined.joined_on
    if decision_id is None:
        return
    await _school_in_place(ctx, event, decision_id, urn, on)


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
    rows = await ctx.conn.fetch(
        f"SELECT {RECORDED_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version",
        stream,
    )
    state = cases.fold(RecordedEvent.from_row(r).decode(_CONTRACTS) for r in rows)
    if state is None:
        return
    events = cases.complete_case(state, decision_id=decision_id, completed_on=on)
    if not events:
        return
    meta = EventMetadata(
        actor=SYSTEM_ACTOR,
        correlation_id=cause.metadata.get("correlation_id"),
        causation_id=cause.event_id,
        source=CONSUMER_NAME,
    )
    await ctx.append(stream, [NewEvent(e, meta) for e in events], expected_version=state.version)


def cases_projection() -> Projection:
    """The consumer keeping cases, decisions and interventions, and completing cases."""
    return Projection(
        name=CONSUMER_NAME,
        handlers={
            CaseOpened.type_name: _case_opened,
            CaseCriteriaSet.type_name: _criteria_set,
            CaseShortlisted.type_name: _shortlisted,
            AdvisoryBoardScheduled.type_name: _board_scheduled,
            DecisionRecorded.type_name: _decision_recorded,
            TransferApproved.type_name: _transfer_approved,
            SignificantDateChanged.type_name: _date_changed,
            CaseCompleted.type_name: _completed,
            CaseClosed.type_name: _closed,
            CaseReferred.type_name: _referred,
            InterventionIssued.type_name: _intervention_issued,
            InterventionStatusChanged.type_name: _intervention_status,
            TransferScheduled.type_name: _transfer_scheduled,
            TransferRejected.type_name: _transfer_rejected,
            SchoolTransferred.type_name: _school_moved,
            SchoolJoinedTrust.type_name: _school_moved,
        },
        categories=("case", "intervention", "transfer", "school"),
    )
