"""The ``assessment-requests`` consumer: a commissioning case's request for an assessment of
a shortlisted trust (``commissioning.AssessmentRequested``, read from the log: services do
not import one another) opens a draft assessment of that trust, naming the case and the
request, against the latest version of the framework the request names.

The assessment's id is derived from the request's, and an assessment already in the log
for it is left alone, so a replay opens nothing twice; the draft and the checkpoint commit
together. A request naming a framework that has not been published opens nothing and is
logged (the caseworker sees no draft appear, and may ask again).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import cast

from services.assessment import domain
from services.assessment.errors import FrameworkNotFound
from services.assessment.handlers import assessment_stream, load_framework
from shared.contracts import all_contracts
from shared.contracts.assessment import AssessmentStarted
from shared.contracts.commissioning import AssessmentRequested
from shared.eventlog.contracts import EventMetadata, EventRegistry
from shared.eventlog.model import NO_STREAM, NewEvent, RecordedEvent
from shared.eventlog.subscriptions import HandlerContext

log = logging.getLogger(__name__)

CONSUMER_NAME = "assessment-requests"
CATEGORIES: frozenset[str] = frozenset({"case"})
ACTOR = "assessment-requests"
_IDS = uuid.UUID("6f0d1c52-4f57-4c38-9a0e-2f1b3c4d5e61")


def assessment_id_for(request_id: str) -> str:
    """The draft assessment a request opens: the same id every time it is read."""
    return uuid.uuid5(_IDS, f"requested:{request_id}").hex


class AssessmentRequestsConsumer:
    """Opens a draft assessment for each request; see the module docstring."""

    name = CONSUMER_NAME
    categories = CATEGORIES

    def __init__(self, contracts: EventRegistry | None = None) -> None:
        self._contracts = contracts or all_contracts()

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Open the drafts the batch's requests ask for, in the consumer's transaction."""
        for event in events:
            if event.type == AssessmentRequested.type_name:
                await self._requested(event, ctx)

    async def _requested(self, event: RecordedEvent, ctx: HandlerContext) -> None:
        request = cast(AssessmentRequested, event.decode(self._contracts))
        assessment_id = assessment_id_for(request.request_id)
        stream = assessment_stream(assessment_id)
        if await ctx.conn.fetchval("SELECT true FROM events WHERE stream_id = $1 LIMIT 1", stream):
            return  # opened already: a replay
        try:
            framework = await load_framework(ctx.store, request.framework_id)
        except FrameworkNotFound:
            log.warning(
                "case %s asked for an assessment against %s, which is not published",
                request.case_id,
                request.framework_id,
            )
            return
        [started] = domain.start(
            framework,
            domain.StartAssessment(
                assessment_id=assessment_id,
                trust_uid=request.trust_uid,
                assessor=ACTOR,
                purpose=f"Requested on commissioning case {request.case_id}: {request.reason}"[
                    :2000
                ],
            ),
        )
        assert isinstance(started, AssessmentStarted)
        linked = started.model_copy(
            update={"case_id": request.case_id, "request_id": request.request_id}
        )
        meta = EventMetadata(
            actor=ACTOR,
            reason=f"Requested by {event.meta.actor} on case {request.case_id}"[:4000],
            correlation_id=event.meta.correlation_id,
            causation_id=event.event_id,
            source=ACTOR,
        )
        await ctx.append(stream, [NewEvent(linked, meta)], expected_version=NO_STREAM)


def assessment_requests_consumer() -> AssessmentRequestsConsumer:
    """The assessment-requests consumer."""
    return AssessmentRequestsConsumer()
