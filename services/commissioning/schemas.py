"""Commissioning's request and response models (never table rows)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from services.commissioning.decisions.schemas import (
    ChallengeView,
    ConditionView,
    DecisionRecordView,
    EqualityDuty,
)
from shared.contracts.commissioning import (
    CaseTrigger,
    DecisionMakerCapacity,
    DecisionOutcome,
    FactorWeights,
    PillarWeight,
    ReferralCapacity,
    ReferralReason,
)
from shared.contracts.identifiers import Key, RegionCode, Subject
from shared.contracts.projects import ProjectType
from shared.contracts.values import DecisionMakerGrade
from shared.http.fields import (
    CONDITIONS_MAX,
    PILLARS_MAX,
    THEMES_MAX,
    IsoDate,
    Label,
    Paragraph,
    PersonName,
    Rationale,
    Reason,
    StrictGroupUid,
    StrictUrn,
    Title,
)
from shared.http.models import RequestModel, ViewModel

# ------------------------------------------------------------------- requests


class CaseOpening(RequestModel):
    """A case to open for one school or a group of schools."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"urns": [100001], "trigger": "inadequate_dao", "title": "DAO for Oak Primary"}
            ]
        },
    )

    urns: list[StrictUrn] = Field(min_length=1, max_length=200)
    trigger: CaseTrigger
    title: Title


class PillarChoice(PillarWeight):
    """A pillar that matters in this case: its weight and, optionally, some of its themes."""

    themes: list[Key] = Field(default_factory=list, max_length=THEMES_MAX)


class CriteriaChange(RequestModel):
    """The pillars (with weights and, optionally, themes) and factor weights that matter."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "pillars": [
                        {"pillar": "education", "weight": 3},
                        {"pillar": "school_improvement", "weight": 3, "themes": []},
                        {"pillar": "governance_leadership", "weight": 1},
                    ],
                    "factors": {"distance": 2, "faith_fit": 0},
                }
            ]
        },
    )

    pillars: list[PillarChoice] = Field(min_length=1, max_length=PILLARS_MAX)
    factors: FactorWeights = FactorWeights()


class ShortlistChoice(RequestModel):
    """The trusts put forward to the advisory board, chosen from the ranked candidates."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"trust_uids": [16203, 17555]}]}
    )

    trust_uids: list[StrictGroupUid] = Field(min_length=1, max_length=20)


class BoardScheduling(RequestModel):
    """When the advisory board sits on this case."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"board_date": "2026-12-10"}]}
    )

    board_date: IsoDate


class DecisionRecording(RequestModel):
    """The decision maker's decision."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outcome": "approved",
                    "decided_on": "2026-11-20",
                    "decision_maker_name": "Jane Smith",
                    "decision_maker_capacity": "regional_director_for_region",
                    "trust_uid": 2044,
                    "rationale": "Strongest track record with inadequate primaries nearby.",
                    "significant_date": "2027-01-01",
                    "reason_codes": ["track_record", "local_presence"],
                    "equality": {
                        "likely_impact": "No adverse impact on pupils with protected"
                        " characteristics; SEND provision continues.",
                        "mitigation": "None needed; the trust keeps the resourced provision.",
                    },
                }
            ]
        },
    )

    outcome: DecisionOutcome
    decided_on: IsoDate
    decision_maker_name: PersonName
    decision_maker_capacity: DecisionMakerCapacity
    rationale: Rationale
    conditions: list[Paragraph] = Field(default_factory=list, max_length=CONDITIONS_MAX)
    trust_uid: StrictGroupUid | None = None
    significant_date: IsoDate | None = None
    reason_codes: list[Label] = Field(
        default_factory=list,
        max_length=20,
        description="Coded reasons from the decision_reasons policy in force, for the"
        " outcome (GET /policies/decision_reasons/in-force): at least one.",
    )
    decision_maker_grade: DecisionMakerGrade | None = Field(
        default=None,
        description="The decision maker's grade; when absent, the one their capacity implies"
        " (a regional director's, a minister's, a director general's, a deputy director's)."
        " The decision_makers policy says which grades may decide which outcome.",
    )
    decision_maker_grade_other: Label | None = Field(
        default=None, description="The grade, in words, when decision_maker_grade is other."
    )
    equality: EqualityDuty | None = Field(
        default=None, description="The public sector equality duty record: required to approve."
    )
    project_type: ProjectType | None = Field(
        default=None,
        description="For an approval: the project that carries it out, with its task list from"
        " the project_templates policy in force. For schools in a trust: academy_transfer (the"
        " default), form_a_new_trust or trust_merger; for schools not in one: conversion (the"
        " default) or form_a_new_trust.",
    )


class SignificantDateChange(RequestModel):
    """A new significant date for the approved transfer, and why it moved."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "significant_date": "2027-02-01",
                    "reason": "TUPE consultation needs another month",
                }
            ]
        },
    )

    significant_date: IsoDate
    reason: Reason


class CaseClosing(RequestModel):
    """Why the case is closed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The school is to close; no transfer is needed"}]
        },
    )

    reason: Reason


class CaseReferral(RequestModel):
    """Refer the decision to another region's director, or to a minister, and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "capacity": "another_regional_director",
                    "referred_to": "rd.east-of-england",
                    "to_region_code": "G",
                    "reason_category": "conflict_of_interest",
                    "reason": "The regional director chairs a trust on the shortlist.",
                }
            ]
        },
    )

    capacity: ReferralCapacity
    referred_to: Subject = Field(
        description="The person who will decide, as their token names them (its `sub`)."
    )
    to_region_code: RegionCode | None = Field(
        default=None, description="Their region: required for another regional director."
    )
    reason_category: ReferralReason
    reason: Reason


# ------------------------------------------------------------------- responses


class Written(ViewModel):
    """Where a write landed: the id and the stream version it is now at (also the ETag)."""

    id: str
    version: int


class CaseOpenedView(Written):
    """A new case."""


class Criteria(ViewModel):
    """The criteria a case weighs: the ones set, or its trigger's defaults."""

    pillars: list[PillarWeight]
    factors: FactorWeights
    defaults: bool = Field(description="True while the case uses its trigger's defaults.")


class DateChange(ViewModel):
    """One change of significant date."""

    previous_date: date
    significant_date: date
    reason: str
    actor: str
    recorded_at: datetime


class DecisionView(ViewModel):
    """A decision as recorded."""

    decision_id: str
    outcome: DecisionOutcome
    conditions: list[str]
    decided_on: date
    decision_maker_name: str
    decision_maker_capacity: DecisionMakerCapacity
    trust_uid: int | None
    rationale: str
    significant_date: date | None
    reason_category: str | None
    date_changes: list[DateChange]
    recorded_by: str
    recorded_at: datetime
    record: DecisionRecordView
    condition_status: list[ConditionView]
    challenges: list[ChallengeView]
    superseded_by: str | None = Field(
        description="The decision that replaced this one after an escalation or challenge."
    )


class TransferRejection(ViewModel):
    """The registry could not move one school."""

    urn: int
    to_trust_uid: int
    significant_date: date
    reason_code: str
    reason: str
    event_id: str
    recorded_at: datetime


class TransferProgress(ViewModel):
    """The approved transfer as the registry carries it out."""

    kind: Literal["transfer", "conversion"] | None
    to_trust_uid: int | None
    significant_date: date | None
    applied_urns: list[int]
    rejections: list[TransferRejection]


class CaseSummary(ViewModel):
    """A case in a list."""

    case_id: str
    urns: list[int]
    trigger: CaseTrigger
    title: str
    status: str
    region_code: str | None
    area: str | None
    la_codes: list[str]
    opened_on: date
    board_date: date | None
    significant_date: date | None


class ReferralView(ViewModel):
    """Whom a case's decision was referred to, and why: they alone may decide it."""

    capacity: ReferralCapacity
    referred_to: str
    to_region_code: str | None
    reason_category: ReferralReason
    referred_on: date


class CaseView(CaseSummary):
    """A case with its criteria, shortlist, decisions and transfer."""

    opened_by: str
    intervention_id: str | None
    criteria: Criteria
    constraints: dict[str, Any] | None = Field(
        description="What the case asks of every candidate, once it sets its own"
        " (PUT /cases/{id}/constraints); null: the defaults (same religious character for a"
        " church school, within 50 km, the same region)."
    )
    shortlist: list[int]
    decision: DecisionView | None
    decisions: list[DecisionView] = Field(description="Every decision, oldest first.")
    transfer: TransferProgress | None
    completed_on: date | None
    closed_on: date | None
    close_reason: str | None
    referral: ReferralView | None = None
    version: int


class CasePage(ViewModel):
    """Cases, newest first."""

    items: list[CaseSummary]
    next_cursor: str | None


class CaseAuditEntry(ViewModel):
    """One event in a case's trail, across services."""

    position: int
    event_id: str
    type: str
    stream: str
    time: datetime
    actor: str
    reason: str | None
    source: str | None
    correlation_id: str | None
    causation_id: str | None
    scope: list[str] | None = Field(
        default=None, description="Where the person who wrote it acted (their token's scopes)."
    )
    authority: dict[str, Any] | None = Field(
        default=None,
        description="The step, authority table version, place and way (role, delegation,"
        " referral) it was written under.",
    )
    via: Literal["case", "causation", "intervention", "delegation"] = Field(
        description="Why it is in the trail: on the case's stream, caused (through any "
        "number of steps) by an event of the trail, of the intervention that opened the case,"
        " or of a delegation someone decided the case under."
    )
    data: dict[str, Any]


class AuditTrail(ViewModel):
    """Everything that happened to a case and because of it, in log order."""

    case_id: str
    entries: list[CaseAuditEntry]
    truncated: bool = Field(description="True when the trail was longer than the limit.")
