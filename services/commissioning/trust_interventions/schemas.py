"""Requests and views of whole-trust interventions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.commissioning.school_interventions.schemas import EvidenceIds
from shared.contracts.interventions import PolicyCode, TrustInterventionTrigger
from shared.http.fields import IsoDate, PersonName, Reason, StrictGroupUid


class TrustInterventionOpening(BaseModel):
    """A whole trust, on the pathway the policy in force today gives the trigger."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "trust_uid": 5001,
                    "trigger": "trust_inspection_failing",
                    "trust_inspection_id": "TI-2027-0001",
                    "reason": "Ofsted found leadership and governance to need urgent improvement.",
                    "evidence_ids": ["ofsted-trust-report-TI-2027-0001"],
                }
            ]
        },
    )

    trust_uid: StrictGroupUid
    trigger: TrustInterventionTrigger
    trust_inspection_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None,
        description="The trust inspection that found the trust failing: needed for"
        " trust_inspection_failing, refused otherwise.",
    )
    opened_on: IsoDate | None = Field(default=None, description="Today when absent.")
    reason: Reason
    evidence_ids: EvidenceIds = Field(default_factory=list)


class TrustStepTaking(BaseModel):
    """A step the pathway allows next, with who decided it and why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "step": "termination_warning_notice",
                    "decided_by": "Jo Bloggs",
                    "decider_grade": "regional_director",
                    "reason": "The trust inspection found the trust failing to govern.",
                    "evidence_ids": ["board-note-2027-03"],
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


class TrustStepView(BaseModel):
    """One step taken, as recorded."""

    model_config = ConfigDict(frozen=True)

    step: str
    policy_version: int
    decided_on: date
    decided_by: str
    decider_grade: str
    reason: str
    evidence_ids: list[str]
    response_due_on: date | None = None
    case_id: str | None = None
    urns: list[int] = Field(default_factory=list, description="The academies the case is for.")


class TrustInterventionSummary(BaseModel):
    """A whole-trust intervention as a list shows it."""

    model_config = ConfigDict(frozen=True)

    intervention_id: str
    trust_uid: int
    trigger: str
    trust_inspection_id: str | None
    opened_on: date
    policy_version: int
    last_step: str | None
    response_due_on: date | None
    case_ids: list[str]
    version: int


class TrustInterventionList(BaseModel):
    """A trust's interventions, newest first (a trust has a handful: not paged)."""

    model_config = ConfigDict(frozen=True)

    items: list[TrustInterventionSummary]


class TrustInterventionView(BaseModel):
    """A whole-trust intervention, its steps, and what its policy version allows next."""

    model_config = ConfigDict(frozen=True)

    intervention_id: str
    trust_uid: int
    trigger: str
    trust_inspection_id: str | None
    inspection_outcomes: dict[str, str] = Field(
        description="The named inspection's outcomes (area: Ofsted's words) when it was opened."
    )
    opened_on: date
    reason: str
    evidence_ids: list[str]
    policy: str
    policy_version: int = Field(description="The version followed, from opening to end.")
    steps: list[TrustStepView]
    allowed_steps: list[str]
    case_ids: list[str]
    version: int


class TrustInterventionWritten(BaseModel):
    """Where a write landed, and the case a step opened, if it opened one."""

    model_config = ConfigDict(frozen=True)

    intervention_id: str
    version: int
    case_id: str | None = None
