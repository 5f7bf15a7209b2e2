"""The ``commissioning-cases`` consumer: cases, decisions and interventions read models, and
(``completion``) the policy that completes a case once the registry has moved all its schools.

One consumer for both, so the reaction sees the read model exactly as of the event it
handles (the decision's schools, which of them have moved) and its appended
``CaseCompleted`` commits with the checkpoint: a replay cannot complete a case twice.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from services.commissioning import completion
from services.commissioning.completion import CONSUMER_NAME
from services.commissioning.criteria import criteria_json, default_criteria
from services.commissioning.domain import cases
from services.commissioning.domain.interventions import is_active
from services.commissioning.projects import projection as project_handlers
from shared.contracts.commissioning import (
    AdvisoryBoardScheduled,
    AssessmentRequested,
    CaseClosed,
    CaseCompleted,
    CaseConstraintsSet,
    CaseCriteriaSet,
    CaseOpened,
    CaseReferred,
    CaseShortlisted,
    DecisionChallenged,
    DecisionConditionMet,
    DecisionConditionWaived,
    DecisionRecorded,
    SignificantDateChanged,
    TransferApproved,
)
from shared.contracts.interventions import InterventionIssued, InterventionStatusChanged
from shared.eventlog.model import RecordedEvent
from shared.eventlog.projection import Handlers, Projection
from shared.eventlog.subscriptions import HandlerContext

HANDLERS = Handlers()


# ------------------------------------------------------------------- cases


@HANDLERS.on(CaseOpened)
async def _case_opened(e: CaseOpened, event: RecordedEvent, ctx: HandlerContext) -> None:
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
        event.meta.actor,
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


@HANDLERS.on(CaseCriteriaSet)
async def _criteria_set(e: CaseCriteriaSet, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update_case(
        ctx,
        event,
        e.case_id,
        "criteria = $4, criteria_set = true",
        json.dumps(criteria_json(e.pillars, e.factors)),
    )


@HANDLERS.on(CaseConstraintsSet)
async def _constraints_set(
    e: CaseConstraintsSet, event: RecordedEvent, ctx: HandlerContext
) -> None:
    constraints = e.model_dump(mode="json", exclude={"case_id"})
    await _update_case(ctx, event, e.case_id, "constraints = $4", json.dumps(constraints))


@HANDLERS.on(CaseShortlisted)
async def _shortlisted(e: CaseShortlisted, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update_case(
        ctx, event, e.case_id, "shortlist = $4, status = 'shortlisting'", e.trust_uids
    )


@HANDLERS.on(AdvisoryBoardScheduled)
async def _board_scheduled(
    e: AdvisoryBoardScheduled, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await _update_case(
        ctx, event, e.case_id, "board_date = $4, status = 'advisory_board_scheduled'", e.board_date
    )


@HANDLERS.on(DecisionRecorded)
async def _decision_recorded(
    e: DecisionRecorded, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await ctx.conn.execute(
        """
        INSERT INTO commissioning_decisions
            (decision_id, case_id, outcome, conditions, decided_on, decision_maker_name,
             decision_maker_capacity, trust_uid, rationale, significant_date, reason_category,
             recorded_by, recorded_at, position, record, condition_status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
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
        event.meta.actor,
        event.recorded_at,
        event.position,
        json.dumps(_record(e)),
        json.dumps(
            [{"number": i, "text": t, "status": "open"} for i, t in enumerate(e.conditions, 1)]
        ),
    )
    if e.supersedes_decision is not None:
        await ctx.conn.execute(
            "UPDATE commissioning_decisions SET superseded_by = $2 WHERE decision_id = $1",
            e.supersedes_decision,
            e.decision_id,
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


def _record(e: DecisionRecorded) -> dict[str, Any]:
    return {
        "reason_codes": e.reason_codes,
        "reasons_policy_version": e.reasons_policy_version,
        "decision_maker_grade": e.decision_maker_grade,
        "decision_maker_grade_other": e.decision_maker_grade_other,
        "rules_policy_version": e.rules_policy_version,
        "equality": None if e.equality is None else e.equality.model_dump(),
        "supersedes_decision": e.supersedes_decision,
    }


async def _settle_condition(
    decision_id: str, number: int, settled: dict[str, Any], ctx: HandlerContext
) -> None:
    # The condition's element (number - 1) gains its status and what settled it.
    await ctx.conn.execute(
        "UPDATE commissioning_decisions SET condition_status = jsonb_set(condition_status,"
        " $2::text[], condition_status -> ($3::int - 1) || $4::jsonb) WHERE decision_id = $1",
        decision_id,
        [str(number - 1)],
        number,
        json.dumps(settled),
    )


@HANDLERS.on(DecisionConditionMet)
async def _condition_met(
    e: DecisionConditionMet, event: RecordedEvent, ctx: HandlerContext
) -> None:
    settled = {
        "status": "met",
        "evidence": e.evidence,
        "document_reference": e.document_reference,
        "on": e.met_on.isoformat(),
        "actor": event.meta.actor,
    }
    await _settle_condition(e.decision_id, e.condition, settled, ctx)
    await _update_case(ctx, event, e.case_id, "case_id = case_id")


@HANDLERS.on(DecisionConditionWaived)
async def _condition_waived(
    e: DecisionConditionWaived, event: RecordedEvent, ctx: HandlerContext
) -> None:
    settled = {
        "status": "waived",
        "reason": e.reason,
        "on": e.waived_on.isoformat(),
        "actor": event.meta.actor,
    }
    await _settle_condition(e.decision_id, e.condition, settled, ctx)
    await _update_case(ctx, event, e.case_id, "case_id = case_id")


@HANDLERS.on(DecisionChallenged)
async def _challenged(e: DecisionChallenged, event: RecordedEvent, ctx: HandlerContext) -> None:
    challenge = {
        "kind": e.kind,
        "capacity": e.capacity,
        "referred_to": e.referred_to,
        "to_region_code": e.to_region_code,
        "reason": e.reason,
        "challenged_on": e.challenged_on.isoformat(),
        "actor": event.meta.actor,
    }
    await ctx.conn.execute(
        "UPDATE commissioning_decisions SET challenges = challenges || $2::jsonb"
        " WHERE decision_id = $1",
        e.decision_id,
        json.dumps([challenge]),
    )
    # Back to decision; the pending transfer of a challenged approval is the registry's to
    # cancel, and no school moves under it.
    await _update_case(
        ctx,
        event,
        e.case_id,
        "status = 'advisory_board_scheduled', transfer_kind = NULL, significant_date = NULL",
    )


@HANDLERS.on(TransferApproved)
async def _transfer_approved(
    e: TransferApproved, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await _update_case(ctx, event, e.case_id, "transfer_kind = $4", e.kind)


@HANDLERS.on(SignificantDateChanged)
async def _date_changed(
    e: SignificantDateChanged, event: RecordedEvent, ctx: HandlerContext
) -> None:
    meta = event.meta
    change = {
        "previous_date": e.previous_date.isoformat(),
        "significant_date": e.significant_date.isoformat(),
        "reason": e.reason,
        "actor": meta.actor,
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


@HANDLERS.on(CaseCompleted)
async def _completed(e: CaseCompleted, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update_case(
        ctx, event, e.case_id, "status = 'completed', completed_on = $4", e.completed_on
    )


@HANDLERS.on(CaseClosed)
async def _closed(e: CaseClosed, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update_case(
        ctx,
        event,
        e.case_id,
        "status = 'closed', closed_on = $4, close_reason = $5",
        e.closed_on,
        e.reason,
    )


@HANDLERS.on(AssessmentRequested)
async def _assessment_requested(
    e: AssessmentRequested, event: RecordedEvent, ctx: HandlerContext
) -> None:
    # The request is read from the case's stream; only the version moves here.
    await _update_case(ctx, event, e.case_id, "status = status")


@HANDLERS.on(CaseReferred)
async def _referred(e: CaseReferred, event: RecordedEvent, ctx: HandlerContext) -> None:
    # The referral itself is read from the case's stream when the case is read; only the
    # version moves here, so that the case's ETag stays its stream's version.
    await _update_case(ctx, event, e.case_id, "status = status")


# ------------------------------------------------------------------- interventions


def _history_entry(
    e: InterventionIssued | InterventionStatusChanged,
    status: str,
    on: date,
    event: RecordedEvent,
    reason: str | None = None,
) -> str:
    meta = event.meta
    entry = {
        "status": status,
        "effective_on": on.isoformat(),
        "actor": meta.actor,
        # The step's own reason; the request's X-Reason where the event carries none (an
        # issue, whose grounds are shown apart, or a change recorded before version 3).
        "reason": reason or meta.reason,
        "recorded_at": event.recorded_at.isoformat(),
        "decided_by": e.decided_by,
        "decider_grade": e.decider_grade,
        "evidence_ids": e.evidence_ids,
    }
    return json.dumps([entry])


@HANDLERS.on(InterventionIssued)
async def _intervention_issued(
    e: InterventionIssued, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await ctx.conn.execute(
        """
        INSERT INTO commissioning_interventions
            (intervention_id, kind, trust_uid, urn, status, issued_on, response_due_on, active,
             grounds, conditions, escalated_from, published, history, issued_by,
             issued_position, version, updated_at, policy_version, review_due_on,
             decided_by, decider_grade)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                $18, $19, $20, $21)
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
        _history_entry(e, e.status, e.issued_on, event),
        event.meta.actor,
        event.position,
        event.stream_version,
        event.recorded_at,
        e.policy_version,
        e.review_due_on,
        e.decided_by,
        e.decider_grade,
    )


@HANDLERS.on(InterventionStatusChanged)
async def _intervention_status(
    e: InterventionStatusChanged, event: RecordedEvent, ctx: HandlerContext
) -> None:
    await ctx.conn.execute(
        """
        UPDATE commissioning_interventions
           SET status = $2, active = $3, history = history || $4::jsonb, version = $5,
               updated_at = $6, response_due_on = coalesce($7, response_due_on),
               review_due_on = $8
         WHERE intervention_id = $1
        """,
        e.intervention_id,
        e.status,
        is_active(e.status),
        _history_entry(e, e.status, e.effective_on, event, e.reason),
        event.stream_version,
        event.recorded_at,
        e.response_due_on,
        # Each change sets the next review afresh: none once the notice is over.
        e.review_due_on,
    )


def cases_projection() -> Projection:
    """The consumer keeping cases, decisions, projects and interventions, and completing
    cases."""
    return Projection(
        name=CONSUMER_NAME,
        handlers=Handlers(HANDLERS, completion.HANDLERS, project_handlers.HANDLERS),
        categories=("case", "intervention", "transfer", "school", "project"),
    )
