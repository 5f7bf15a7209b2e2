"""Requests and views of concerns about trusts."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.concerns import (
    ConcernActionStatus,
    ConcernActionType,
    ConcernRag,
    ConcernReferral,
    ConcernStatus,
    ConcernType,
)
from shared.http.fields import IsoDate, Name, Reason, StrictGroupUid


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConcernOpening(_Request):
    """A concern about a trust: its type, how it was referred, its rating, its review."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "trust_uid": 5001,
                    "concern_type": "financial_deficit",
                    "referral": "internal",
                    "rag": "red",
                    "review_on": "2027-01-15",
                    "summary": "Accounts for 2025/26 show an in-year deficit of 4%.",
                }
            ]
        },
    )

    trust_uid: StrictGroupUid
    concern_type: ConcernType
    referral: ConcernReferral
    referred_by: Name | None = None
    rag: ConcernRag
    review_on: IsoDate
    opened_on: IsoDate | None = Field(default=None, description="Today when absent.")
    summary: Reason


class ConcernRating(_Request):
    """A new RAG rating after a review, and the next review."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rag": "red_plus",
                    "review_on": "2027-01-08",
                    "reason": "The deficit recovery plan was rejected.",
                }
            ]
        },
    )

    rag: ConcernRag
    review_on: IsoDate
    rated_on: IsoDate | None = Field(default=None, description="Today when absent.")
    reason: Reason


class ConcernDeEscalation(_Request):
    """Down to a less serious rating, and monitored until the next review."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"rag": "amber_green", "review_on": "2027-03-01", "reason": "Two months on budget."}
            ]
        },
    )

    rag: ConcernRag
    review_on: IsoDate
    de_escalated_on: IsoDate | None = Field(default=None, description="Today when absent.")
    reason: Reason


class ConcernClosing(_Request):
    """Why the concern is closed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The trust returned to surplus."}]},
    )

    closed_on: IsoDate | None = Field(default=None, description="Today when absent.")
    reason: Reason


class ConcernActionAdding(_Request):
    """An action taken up on the concern."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action_type": "srma_review", "note": "An SRMA is commissioned for the spring."}
            ]
        },
    )

    action_type: ConcernActionType
    status: ConcernActionStatus = "open"
    added_on: IsoDate | None = Field(default=None, description="Today when absent.")
    note: Reason


class ConcernActionStatusChange(_Request):
    """One action to a new status."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "completed", "reason": "The SRMA reported."}]},
    )

    status: ConcernActionStatus
    changed_on: IsoDate | None = Field(default=None, description="Today when absent.")
    reason: Reason


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class RatingView(_View):
    """One RAG rating the concern had, from the day it was given."""

    rag: ConcernRag
    rated_on: date
    review_on: date
    how: str = Field(description="`opened`, `rated` or `de_escalated`.")
    reason: str


class ActionView(_View):
    """One action on the concern, with its statuses."""

    action_id: str
    action_type: ConcernActionType
    status: ConcernActionStatus
    added_on: date
    note: str
    history: list[dict[str, str]] = Field(
        default_factory=list, description="Each status change: status, changed_on, reason."
    )


class ConcernSummary(_View):
    """A concern as lists show it."""

    concern_id: str
    trust_uid: int
    trust_name: str | None = None
    concern_type: ConcernType
    referral: ConcernReferral
    rag: ConcernRag
    status: ConcernStatus
    opened_on: date
    review_on: date | None
    closed_on: date | None = None
    version: int


class ConcernView(ConcernSummary):
    """A concern, its RAG history and its actions, with where its codes come from."""

    referred_by: str | None = None
    summary: str
    ratings: list[RatingView]
    actions: list[ActionView]
    sources: list[dict[str, object]]


class ConcernPage(_View):
    """One page of concerns, newest first."""

    items: list[ConcernSummary]
    next_cursor: str | None = None


class ConcernWritten(_View):
    """Where a write landed (and the action it added, if it added one)."""

    concern_id: str
    version: int
    action_id: str | None = None
