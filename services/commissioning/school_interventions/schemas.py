"""Requests and views of school interventions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.interventions import CategoryOfConcern, PolicyCode, SchoolKind
from shared.http.fields import IsoDate, PersonName, Reason, StrictUrn

EvidenceIds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=50)
]


class InterventionOpening(BaseModel):
    """A school in a category of concern, on the pathway of the policy in force today."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "urn": 100001,
                    "school_kind": "maintained",
                    "category_of_concern": "requires_significant_improvement",
                    "inspection_start": "2026-01-14",
                    "reason": "Report card of January 2026: requires significant improvement.",
                    "evidence_ids": ["ofsted-report-100001-2026-01"],
                }
            ]
        },
    )

    urn: StrictUrn
    school_kind: SchoolKind
    category_of_concern: CategoryOfConcern
    inspection_start: IsoDate | None = None
    opened_on: IsoDate | None = Field(default=None, description="Today when absent.")
    reason: Reason
    evidence_ids: EvidenceIds = Field(default_factory=list)


class StepTaking(BaseModel):
    """A step the pathway allows next, with who decided it and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "step": "dao_not_issued",
                    "decided_by": "Jo Bloggs",
                    "decider_grade": "regional_director",
                    "reason": "A conversion is already under way.",
                    "reason_code": "already_converting",
                    "evidence_ids": ["board-note-2026-02"],
                }
            ]
        },
    )

    step: PolicyCode
    decided_on: IsoDate | None = Field(default=None, description="Today when absent.")
    decided_by: PersonName
    decider_grade: PolicyCode
    reason: Reason
    evidence_ids: EvidenceIds = Field(default_factory=list)
    reason_code: PolicyCode | None = None
    reason_text: Reason | None = None
    outcome: PolicyCode | None = None
    rise_adviser: PersonName | None = None
    rise_supporting_organisation: Annotated[str, Field(min_length=1, max_length=300)] | None = None


class StepView(BaseModel):
    """One step taken, as recorded."""

    model_config = ConfigDict(frozen=True)

    step: str
    policy_version: int
    decided_on: date
    decided_by: str
    decider_grade: str
    reason: str
    evidence_ids: list[str]
    reason_code: str | None = None
    reason_text: str | None = None
    outcome: str | None = None
    rise_adviser: str | None = None
    rise_supporting_organisation: str | None = None
    rise_window_start: date | None = None
    rise_window_end: date | None = None
    response_due_on: date | None = None
    case_id: str | None = None


class SchoolInterventionView(BaseModel):
    """An intervention, its steps, and what its policy version allows next."""

    model_config = ConfigDict(frozen=True)

    intervention_id: str
    urn: int
    trust_uid: int | None
    school_kind: str
    category_of_concern: str
    opened_on: date
    policy: str
    policy_version: int = Field(description="The version followed, from opening to end.")
    steps: list[StepView]
    allowed_steps: list[str]
    rise_window_end: date | None
    rise_overdue: bool = Field(
        description="The RISE window has ended and no step has followed RISE yet."
    )
    case_ids: list[str]
    version: int


class SchoolInterventionWritten(BaseModel):
    """Where a write landed, and the case a step opened, if it opened one."""

    model_config = ConfigDict(frozen=True)

    intervention_id: str
    version: int
    case_id: str | None = None
