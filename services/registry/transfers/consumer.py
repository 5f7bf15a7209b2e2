"""The registry-transfers consumer: commissioning's approved transfers become pending rows.

It reads the ``case`` and ``project`` streams. An approval carried out by a transfer project
(``TransferApproved.needs_authority_to_proceed``) waits for the project's
``AuthorityToProceedRecorded``, which becomes one pending row per school on the project's
confirmed date and a ``TransferScheduled`` in ``transfer-{decision_id}``; a
``ProjectDateChanged`` after it moves the rows still pending. An approval from before
projects becomes its rows at once, as it always did; a ``SignificantDateChanged``
moves the rows still pending and says ``TransferScheduled`` again with the new date; a
``CaseClosed`` cancels the case's pending rows, and a ``DecisionChallenged`` those of the
decision challenged (the decision that supersedes it approves its own, if any). It never applies a transfer itself: the
scheduler does, once this consumer has read every case event before it (so a closure
already in the log is never overtaken). Rows, events and checkpoint commit together, and a
NOTIFY at that commit wakes the active scheduler in whichever process it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast

from services.registry.models import pending_transfers
from services.registry.transfers.domain import scheduled_event_id
from shared.contracts import all_contracts
from shared.contracts.commissioning import (
    CaseClosed,
    DecisionChallenged,
    SignificantDateChanged,
    TransferApproved,
)
from shared.contracts.projects import AuthorityToProceedRecorded, ProjectDateChanged
from shared.contracts.registry import TransferScheduled
from shared.eventlog.contracts import EventMetadata, EventRegistry
from shared.eventlog.model import ANY, NewEvent, RecordedEvent
from shared.eventlog.subscriptions import HandlerContext

log = logging.getLogger(__name__)

CONSUMER_NAME = "registry-transfers"
CATEGORIES: frozenset[str] = frozenset({"case", "project"})
ACTOR = "registry-transfers"
# Sent in the consumer's transaction when a row became due or changed date.
WAKE_CHANNEL = "registry_transfers"

_T = pending_transfers.name

_RECORD = f"""
INSERT INTO {_T} (decision_id, urn, case_id, to_trust_uid, significant_date, kind, status,
                  approved_event_id, correlation_id, updated_at)
SELECT $1, u.urn, $2, $3, $4, $5, 'pending', $6, $7, now() FROM unnest($8::int[]) AS u(urn)
ON CONFLICT (decision_id, urn) DO NOTHING
"""
_RESCHEDULE = f"""
UPDATE {_T} SET significant_date = $2, updated_at = now()
 WHERE decision_id = $1 AND status = 'pending'
RETURNING urn, case_id, to_trust_uid, correlation_id
"""
_CANCEL = f"""
UPDATE {_T} SET status = 'cancelled', outcome_event_id = $2, outcome = 'case_closed',
       updated_at = now()
 WHERE case_id = $1 AND status = 'pending'
"""

_CANCEL_DECISION = f"""
UPDATE {_T} SET status = 'cancelled', outcome_event_id = $2, outcome = 'decision_challenged',
       updated_at = now()
 WHERE decision_id = $1 AND status = 'pending'
"""


def _metadata(cause: RecordedEvent, correlation_id: str | None, reason: str) -> EventMetadata:
    return EventMetadata(
        actor=ACTOR,
        reason=reason[:4000],
        correlation_id=correlation_id,
        causation_id=cause.event_id,
        source=ACTOR,
    )


class TransfersConsumer:
    """Records approved transfers, reschedules and cancels them; see the module docstring."""

    name = CONSUMER_NAME
    categories = CATEGORIES

    def __init__(self, contracts: EventRegistry | None = None) -> None:
        self._contracts = contracts or all_contracts()

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Apply a batch of case events to the pending transfers, in the consumer's transaction."""
        wake = False
        for event in events:
            if event.type == TransferApproved.type_name:
                wake = await self._approved(event, ctx) or wake
            elif event.type == AuthorityToProceedRecorded.type_name:
                wake = await self._authorised(event, ctx) or wake
            elif event.type == ProjectDateChanged.type_name:
                wake = await self._project_date_changed(event, ctx) or wake
            elif event.type == SignificantDateChanged.type_name:
                wake = await self._date_changed(event, ctx) or wake
            elif event.type == CaseClosed.type_name:
                await self._case_closed(event, ctx)
            elif event.type == DecisionChallenged.type_name:
                challenged = cast(DecisionChallenged, event.decode(self._contracts))
                await ctx.conn.execute(_CANCEL_DECISION, challenged.decision_id, event.event_id)
        if wake:
            # Delivered to every listener when this transaction commits, not before.
            await ctx.conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)

    async def _approved(self, event: RecordedEvent, ctx: HandlerContext) -> bool:
        approved = cast(TransferApproved, event.decode(self._contracts))
        if approved.needs_authority_to_proceed:
            return False  # nothing moves until the project's authority to proceed
        return await self._record(event, ctx, approved, f"approved a {approved.kind}")

    async def _authorised(self, event: RecordedEvent, ctx: HandlerContext) -> bool:
        authorised = cast(AuthorityToProceedRecorded, event.decode(self._contracts))
        return await self._record(
            event, ctx, authorised, f"has authority to proceed with a {authorised.kind}"
        )

    async def _project_date_changed(self, event: RecordedEvent, ctx: HandlerContext) -> bool:
        changed = cast(ProjectDateChanged, event.decode(self._contracts))
        rows = await ctx.conn.fetch(_RESCHEDULE, changed.project_id, changed.significant_date)
        if not rows:
            return False  # before authority to proceed, or settled: nothing pending to move
        await self._schedule(
            ctx,
            event,
            TransferScheduled(
                decision_id=changed.project_id,
                case_id=rows[0]["case_id"],
                urns=sorted(r["urn"] for r in rows),
                to_trust_uid=rows[0]["to_trust_uid"],
                significant_date=changed.significant_date,
            ),
            event.meta.correlation_id or rows[0]["correlation_id"],
            f"Project {changed.project_id}'s significant date moved from"
            f" {changed.previous_date} to {changed.significant_date}"
            f" ({changed.reason_code}): {changed.reason}",
        )
        return True

    async def _record(
        self,
        event: RecordedEvent,
        ctx: HandlerContext,
        approved: TransferApproved | AuthorityToProceedRecorded,
        what: str,
    ) -> bool:
        correlation = event.meta.correlation_id
        await ctx.conn.execute(
            _RECORD,
            approved.decision_id,
            approved.case_id,
            approved.to_trust_uid,
            approved.significant_date,
            approved.kind,
            event.event_id,
            correlation,
            sorted(set(approved.urns)),
        )
        await self._schedule(
            ctx,
            event,
            TransferScheduled(
                decision_id=approved.decision_id,
                case_id=approved.case_id,
                urns=sorted(set(approved.urns)),
                to_trust_uid=approved.to_trust_uid,
                significant_date=approved.significant_date,
            ),
            correlation,
            f"Commissioning decision {approved.decision_id} (case {approved.case_id}) {what}"
            f" on {approved.significant_date}",
        )
        return True

    async def _date_changed(self, event: RecordedEvent, ctx: HandlerContext) -> bool:
        changed = cast(SignificantDateChanged, event.decode(self._contracts))
        rows = await ctx.conn.fetch(_RESCHEDULE, changed.decision_id, changed.significant_date)
        if not rows:
            # Applied, rejected or cancelled already, or never approved: nothing to move.
            log.info("decision %s: no pending transfer to reschedule", changed.decision_id)
            return False
        correlation = event.meta.correlation_id or rows[0]["correlation_id"]
        await self._schedule(
            ctx,
            event,
            TransferScheduled(
                decision_id=changed.decision_id,
                case_id=rows[0]["case_id"],
                urns=sorted(r["urn"] for r in rows),
                to_trust_uid=rows[0]["to_trust_uid"],
                significant_date=changed.significant_date,
            ),
            correlation,
            f"Significant date of decision {changed.decision_id} moved from"
            f" {changed.previous_date} to {changed.significant_date}: {changed.reason}",
        )
        return True

    async def _case_closed(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        closed = cast(CaseClosed, event.decode(self._contracts))
        await ctx.conn.execute(_CANCEL, closed.case_id, event.event_id)

    async def _schedule(
        self,
        ctx: HandlerContext,
        cause: RecordedEvent,
        scheduled: TransferScheduled,
        correlation_id: str | None,
        reason: str,
    ) -> None:
        event_id = scheduled_event_id(cause.event_id)
        # A replay of the same cause: the log has it already, and inside this transaction
        # a resent id would abort the batch rather than be accepted as a duplicate.
        if await ctx.conn.fetchval("SELECT true FROM events WHERE event_id = $1", event_id):
            return
        await ctx.append(
            f"transfer-{scheduled.decision_id}",
            [NewEvent(scheduled, _metadata(cause, correlation_id, reason), event_id)],
            expected_version=ANY,
        )


def transfers_consumer() -> TransfersConsumer:
    """The registry-transfers consumer."""
    return TransfersConsumer()
