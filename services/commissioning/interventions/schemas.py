"""An intervention's requests and views: a notice issued against a trust (or one of its
academies) and each change of its status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field, StrictBool

from services.commissioning.school_interventions.schemas import EvidenceIds
from shared.contracts.interventions import (
    InterventionId,
    InterventionKind,
    InterventionStatus,
    PolicyCode,
)
from shared.http.fields import (
    CONDITIONS_MAX,
    IsoDate,
    Paragraph,
    PersonName,
    Rationale,
    Reason,
    StrictGroupUid,
    StrictUrn,
)
from shared.http.models import RequestModel, ViewModel


class InterventionIssuing(RequestModel):
    """A notice against a trust, or against one of its academies (``urn``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "termination_warning_notice",
                    "trust_uid": 2044,
                    "urn": 100001,
                    "grounds": "Inadequate with no sign of improvement.",
                    "decided_by": "Jo Bloggs",
                    "decider_grade": "regional_director",
                    "evidence_ids": ["board-note-2026-02"],
                }
            ]
        },
    )

    kind: InterventionKind
    trust_uid: StrictGroupUid
    urn: StrictUrn | None = None
    issued_on: IsoDate | None = Field(default=None, description="Today when absent.")
    status: Literal["preparing", "issued"] = "issued"
    grounds: Rationale
    conditions: list[Paragraph] = Field(default_factory=list, max_length=CONDITIONS_MAX)
    escalated_from: InterventionId | None = None
    published: StrictBool = True
    decided_by: PersonName = Field(description="Who decided to issue it.")
    decider_grade: PolicyCode = Field(
        description="Their grade, which the policy version's rule for the kind must name."
    )
    evidence_ids: EvidenceIds = Field(default_factory=list)


class InterventionStatusChange(RequestModel):
    """A new status for an intervention, from a date."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "progress_on_track",
                    "effective_on": "2026-12-01",
                    "decided_by": "Jo Bloggs",
                    "decider_grade": "deputy_director",
                    "reason": "The trust met the first two conditions at review.",
                    "evidence_ids": ["review-note-2026-12"],
                }
            ]
        },
    )

    status: InterventionStatus
    effective_on: IsoDate | None = Field(default=None, description="Today when absent.")
    decided_by: PersonName = Field(description="Who decided the move.")
    decider_grade: PolicyCode = Field(
        description="Their grade, which the notice's policy version must name for its kind."
    )
    reason: Reason
    evidence_ids: EvidenceIds = Field(default_factory=list)


class InterventionIssuedView(ViewModel):
    """A new intervention and, for a termination notice against an academy, its new case."""

    intervention_id: str
    rebrokerage_case_id: str | None = None


class StatusEntry(ViewModel):
    """One status an intervention has had: who recorded it, who decided it (null on steps
    recorded before deciders were asked for), why and on what evidence."""

    status: InterventionStatus
    effective_on: date
    actor: str
    reason: str | None
    recorded_at: datetime
    decided_by: str | None = None
    decider_grade: str | None = None
    evidence_ids: list[str] = Field(default_factory=list)


class InterventionView(ViewModel):
    """An intervention and its statuses."""

    intervention_id: str
    kind: InterventionKind
    trust_uid: int
    urn: int | None
    status: InterventionStatus
    active: bool
    issued_on: date
    response_due_on: date | None
    review_due_on: date | None = Field(
        default=None, description="A notice to improve's next review, while it is active."
    )
    policy_version: int | None = Field(
        default=None,
        description="The intervention policy version it follows (null: recorded before"
        " notices followed versions, under the rules fixed then).",
    )
    grounds: str
    conditions: list[str]
    escalated_from: str | None
    published: bool
    rebrokerage_case_id: str | None
    history: list[StatusEntry]
    issued_by: str
    decided_by: str | None = None
    decider_grade: str | None = None
    version: int


class InterventionPage(ViewModel):
    """Interventions, newest first."""

    items: list[InterventionView]
    next_cursor: str | None
