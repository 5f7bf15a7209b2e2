"""Requests and views of significant changes to academies."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field

from shared.contracts.identifiers import Key
from shared.contracts.significant_changes import SignificantChangeOutcome
from shared.contracts.values import DecisionMakerGrade, EqualityRecord
from shared.http.fields import IsoDate, PersonName, Rationale, Reason, StrictUrn
from shared.http.models import RequestModel, ViewModel

Condition = Annotated[str, Field(min_length=1, max_length=2000)]


class ChangeProposal(RequestModel):
    """A significant change to an academy, with its type and consultation period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "urn": 100002,
                    "change_type": "age_range",
                    "description": "Add a nursery: age range 3 to 11 from 2 to 11.",
                    "consultation_start": "2026-10-01",
                    "consultation_end": "2026-11-12",
                }
            ]
        },
    )

    urn: StrictUrn
    change_type: Key = Field(
        description="a type of the significant_change_types policy in force (GET"
        " /policies/significant_change_types/in-force), which gives its tier, its shortest"
        " consultation and who may decide it"
    )
    description: Reason
    consultation_start: IsoDate
    consultation_end: IsoDate


class Objection(RequestModel):
    """An objection to the change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "objector": "Parent of a pupil",
                    "summary": "Too few places nearby.",
                    "received_on": "2026-10-20",
                }
            ]
        },
    )

    objector: PersonName
    summary: Reason
    received_on: IsoDate


class ChangeDecision(RequestModel):
    """The decision: outcome, reasons, who, and for an approval the equality duty."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outcome": "approved",
                    "reasons": "Places are needed; objections answered by the trust.",
                    "decision_maker_name": "Jane Smith",
                    "decision_maker_grade": "regional_director",
                    "equality": {"likely_impact": "None adverse.", "mitigation": "None needed."},
                }
            ]
        },
    )

    outcome: SignificantChangeOutcome
    reasons: Rationale
    conditions: list[Condition] = Field(default_factory=list, max_length=50)
    decision_maker_name: PersonName
    decision_maker_grade: DecisionMakerGrade
    equality: EqualityRecord | None = None


class ChangeWritten(ViewModel):
    """The change written to, and its version (its ETag)."""

    significant_change_id: str
    version: int


class ChangeObjectionView(ViewModel):
    """An objection as recorded."""

    objector: str
    summary: str
    received_on: date
    recorded_by: str


class ChangeDecisionView(ViewModel):
    """The decision as recorded."""

    outcome: SignificantChangeOutcome
    reasons: str
    conditions: list[str]
    decision_maker_name: str
    decision_maker_grade: DecisionMakerGrade
    equality: EqualityRecord | None
    objections_considered: int
    decided_on: date
    types_policy_version: int | None = Field(
        description="the significant_change_types version whose rule on who decides was applied"
    )
    recorded_by: str


class SignificantChangeView(ViewModel):
    """A significant change: the proposal, its objections and its decision."""

    significant_change_id: str
    urn: int
    trust_uid: int
    change_type: str
    tier: str = Field(description="from the significant_change_types policy")
    types_policy_version: int | None = Field(
        description="the significant_change_types version the tier is from (null: a"
        " proposal from before the policy, its tier as given)"
    )
    description: str
    consultation_start: date
    consultation_end: date
    proposed_on: date
    proposed_by: str
    objections: list[ChangeObjectionView]
    decision: ChangeDecisionView | None
    version: int


class SignificantChangeSummary(ViewModel):
    """A significant change in a list: what, where, when proposed, and how decided."""

    significant_change_id: str
    urn: int
    school_name: str | None = Field(description="as commissioning knows the school")
    trust_uid: int
    change_type: str
    tier: str
    consultation_end: date
    proposed_on: date
    outcome: SignificantChangeOutcome | None = Field(description="null while undecided")
    decided_on: date | None


class SignificantChangePage(ViewModel):
    """One page of significant changes, newest first."""

    items: list[SignificantChangeSummary]
    next_cursor: str | None = None
