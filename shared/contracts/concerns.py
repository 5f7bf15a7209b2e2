"""Commissioning's events about concerns about trusts (stream ``concern-{id}``), as DfE's
"Record concerns and support for trusts" keeps them: opened, re-rated, acted on,
de-escalated, closed.

They are commissioning's events (its ``contracts`` take these in, and it alone appends to
this category). The codes follow that service's design as far as it is public; none could
be checked against a published source, so ``services/commissioning/concerns/vocabulary.py``
marks each list unverified.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from shared.contracts.identifiers import GroupUid
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

ConcernId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
ConcernActionId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
ConcernType = Literal[
    "financial_deficit",
    "projected_deficit",
    "viability",
    "governance",
    "compliance",
    "irregularity",
    "suspected_fraud",
    "safeguarding",
    "force_majeure",
]
# How the concern reached the department.
ConcernReferral = Literal["internal", "external"]
# Most serious first.
ConcernRag = Literal["red_plus", "red", "red_amber", "amber_green"]
ConcernActionType = Literal[
    "srma_review",
    "trust_financial_forecast",
    "financial_plan",
    "nti_under_consideration",
    "other",
]
ConcernActionStatus = Literal["open", "in_progress", "completed", "cancelled"]
ConcernStatus = Literal["open", "de_escalated", "closed"]


@contracts.register
class ConcernOpened(EventContract):
    """A concern about a trust was recorded: its type, how it was referred, its RAG rating
    and when it is next reviewed."""

    type_name = "commissioning.ConcernOpened"
    concern_id: ConcernId
    trust_uid: GroupUid
    concern_type: ConcernType
    referral: ConcernReferral
    referred_by: str | None = Field(default=None, max_length=300)
    rag: ConcernRag
    review_on: date
    opened_on: date
    summary: str = Field(min_length=1, max_length=4000)


@contracts.register
class ConcernRated(EventContract):
    """The concern's RAG rating was reviewed (the earlier ratings stay in the stream), and
    its next review set."""

    type_name = "commissioning.ConcernRated"
    concern_id: ConcernId
    trust_uid: GroupUid
    previous_rag: ConcernRag
    rag: ConcernRag
    rated_on: date
    review_on: date
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class ConcernActionAdded(EventContract):
    """An action was taken up on the concern (an SRMA review, a financial plan, ...)."""

    type_name = "commissioning.ConcernActionAdded"
    concern_id: ConcernId
    trust_uid: GroupUid
    action_id: ConcernActionId
    action_type: ConcernActionType
    status: ConcernActionStatus
    added_on: date
    note: str = Field(min_length=1, max_length=4000)


@contracts.register
class ConcernActionStatusChanged(EventContract):
    """One of the concern's actions moved to a new status."""

    type_name = "commissioning.ConcernActionStatusChanged"
    concern_id: ConcernId
    trust_uid: GroupUid
    action_id: ConcernActionId
    previous_status: ConcernActionStatus
    status: ConcernActionStatus
    changed_on: date
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class ConcernDeEscalated(EventContract):
    """The concern was de-escalated to a lower RAG rating and monitoring."""

    type_name = "commissioning.ConcernDeEscalated"
    concern_id: ConcernId
    trust_uid: GroupUid
    previous_rag: ConcernRag
    rag: ConcernRag
    de_escalated_on: date
    review_on: date
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class ConcernClosed(EventContract):
    """The concern was closed: no longer shown against its trust."""

    type_name = "commissioning.ConcernClosed"
    concern_id: ConcernId
    trust_uid: GroupUid
    closed_on: date
    reason: str = Field(min_length=1, max_length=4000)


# Which events each of these stream categories holds (see shared/contracts/commissioning.py).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "concern": (
        ConcernOpened,
        ConcernRated,
        ConcernActionAdded,
        ConcernActionStatusChanged,
        ConcernDeEscalated,
        ConcernClosed,
    ),
}
