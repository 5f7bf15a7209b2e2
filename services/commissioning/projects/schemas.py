"""Requests and views of a transfer or conversion project."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.identifiers import Key
from shared.contracts.projects import ProjectType
from shared.http.fields import IsoDate, Label, Reason, Reference


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProjectDateChange(_Request):
    """A new significant date, and its coded reason (``date_change_reasons``) and words."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "significant_date": "2027-03-01",
                    "reason_code": "tupe",
                    "reason": "Staff consultation needs another month.",
                }
            ]
        },
    )

    significant_date: IsoDate
    reason_code: Key
    reason: Reason


class TaskCompletion(_Request):
    """A task done, with where its document is."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"document_reference": "Signed CTA, 2027-01-12"}]},
    )

    document_reference: Reference | None = None
    note: Reason | None = None


class Handover(_Request):
    """Hand the project to the team that carries it out."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to_team": "Regional delivery, South East"}]},
    )

    to_team: Label
    note: Reason | None = None


class ActualTransferDate(_Request):
    """The date the schools actually moved."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"actual_date": "2027-02-01"}]}
    )

    actual_date: IsoDate


class TaskView(_View):
    """One task and who completed it, when, with which document."""

    key: str
    title: str
    mandatory: bool
    done: bool
    completed_by: str | None
    completed_on: date | None
    document_reference: str | None
    note: str | None


class ProjectDateChangeView(_View):
    """One change of the project's date."""

    previous_date: date
    significant_date: date
    reason_code: str
    reasons_policy_version: int
    reason: str
    actor: str
    changed_on: date


class ProjectView(_View):
    """A transfer or conversion project: dates, tasks, authority to proceed, handover."""

    project_id: str
    case_id: str
    decision_id: str
    project_type: ProjectType
    urns: list[int]
    to_trust_uid: int
    significant_date: date
    date_confirmed: bool
    date_changes: list[ProjectDateChangeView]
    template_version: int
    tasks: list[TaskView]
    authority_to_proceed_on: date | None
    authority_to_proceed_by: str | None
    handed_over_to: str | None
    handed_over_on: date | None
    actual_date: date | None
    overdue: bool = Field(
        description="The significant date has come without authority to proceed: nothing moves."
    )
    missing_for_authority: dict[str, list[str]] = Field(
        description="What authority to proceed still needs: open conditions, mandatory tasks"
        " not done, an unconfirmed date (empty once it may be recorded)."
    )
    opened_on: date
    version: int
