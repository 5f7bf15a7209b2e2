"""An intervention's requests and views: a notice issued against a trust (or one of its
academies) and each change of its status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field, StrictBool

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
    decided_by: PersonName | None = Field(
        default=None, description="Who decided to issue it (with decider_grade)."
    )
    decider_grade: PolicyCode | None = Field(
        default=None,
        description="Their grade, which the policy version's rule for the kind must name.",
    )


class InterventionStatusChange(RequestModel):
    """A new status for an intervention, from a date."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"status": "progress_on_track", "effective_on": "2026-12-01"}]
        },
    )

    status: InterventionStatus
    effective_on: IsoDate | None = Field(default=None, description="Today when absent.")


class InterventionIssuedView(ViewModel):
    """A new intervention and, for a termination notice against an academy, its new case."""

    intervention_id: str
    rebrokerage_case_id: str | None = None


class StatusEntry(ViewModel):
    """One status an intervention has had."""

    status: InterventionStatus
    effective_on: date
    actor: str
    reason: str | None
    recorded_at: datetime


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
