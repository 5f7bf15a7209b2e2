"""Commissioning's events of transfer and conversion projects, on stream ``project-{id}``.

They are commissioning's events (its ``contracts`` take these in, and it alone appends to
``project``), kept beside its cases rather than in them: an approval opens a project whose
id is the approving decision's, and the project carries the significant date, the task list
of its type, authority to proceed, the handover and the actual transfer date, which the
registry acts on.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictBool

from shared.contracts.identifiers import CaseId, DecisionId, GroupUid, Key, RegionCode, Urn
from shared.contracts.values import Value
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

# --------------------------------------------------------------------------- projects

ProjectId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="the approval's id")]
ProjectType = Literal["academy_transfer", "conversion", "form_a_new_trust", "trust_merger"]


class ProjectTask(Value):
    """One task of a project's list, from its type's template."""

    key: Key
    title: str = Field(min_length=1, max_length=300)
    mandatory: StrictBool


@contracts.register
class ProjectOpened(EventContract):
    """An approval opened a transfer or conversion project, with a provisional date and the
    task list of its type's template (the version followed)."""

    type_name = "commissioning.ProjectOpened"
    project_id: ProjectId
    case_id: CaseId
    decision_id: DecisionId
    project_type: ProjectType
    urns: list[Urn] = Field(min_length=1)
    to_trust_uid: GroupUid
    provisional_date: date
    tasks: list[ProjectTask] = Field(max_length=100)
    template_version: int = Field(ge=1)
    region_code: RegionCode | None = None
    la_codes: list[str] = Field(default_factory=list)
    opened_on: date
    # What the registry does on the day, as the approval said: the schools join a trust
    # (conversion) or move between trusts (transfer). Projects opened before a project type
    # could be chosen read None: their type says it.
    kind: Literal["transfer", "conversion"] | None = None


@contracts.register
class ProjectDateConfirmed(EventContract):
    """The project's significant date is confirmed (no longer provisional)."""

    type_name = "commissioning.ProjectDateConfirmed"
    project_id: ProjectId
    significant_date: date
    confirmed_on: date


@contracts.register
class ProjectDateChanged(EventContract):
    """The project's significant date moved, for a coded reason (``date_change_reasons``)."""

    type_name = "commissioning.ProjectDateChanged"
    project_id: ProjectId
    previous_date: date
    significant_date: date
    reason_code: Key
    reasons_policy_version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=4000)
    changed_on: date


@contracts.register
class ProjectTaskCompleted(EventContract):
    """A task of the project is done: by whom is the event's actor."""

    type_name = "commissioning.ProjectTaskCompleted"
    project_id: ProjectId
    task: Key
    completed_on: date
    document_reference: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=4000)


@contracts.register
class AuthorityToProceedRecorded(EventContract):
    """Every condition is met or waived and every mandatory task done: the registry may
    move the schools on the confirmed significant date."""

    type_name = "commissioning.AuthorityToProceedRecorded"
    project_id: ProjectId
    case_id: CaseId
    decision_id: DecisionId
    urns: list[Urn] = Field(min_length=1)
    to_trust_uid: GroupUid
    significant_date: date
    kind: Literal["transfer", "conversion"]
    recorded_on: date


@contracts.register
class ProjectHandedOver(EventContract):
    """The project was handed to the team that carries it out."""

    type_name = "commissioning.ProjectHandedOver"
    project_id: ProjectId
    to_team: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=4000)
    handed_over_on: date


@contracts.register
class TransferDateConfirmed(EventContract):
    """After the schools moved, the actual transfer date is confirmed; the date is final."""

    type_name = "commissioning.TransferDateConfirmed"
    project_id: ProjectId
    actual_date: date
    confirmed_on: date


# Which events each of these stream categories holds (see shared/contracts/commissioning.py).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "project": (
        ProjectOpened,
        ProjectDateConfirmed,
        ProjectDateChanged,
        ProjectTaskCompleted,
        AuthorityToProceedRecorded,
        ProjectHandedOver,
        TransferDateConfirmed,
    ),
}
