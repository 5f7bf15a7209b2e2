"""The project policies, as data: task templates per project type, and the coded reasons a
significant date may change for. A project records the version of each it followed."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.identifiers import Key
from shared.contracts.projects import ProjectTask, ProjectType
from shared.policy.book import PolicyKind

PROJECT_TEMPLATES = "project_templates"
DATE_CHANGE_REASONS = "date_change_reasons"
PROJECT_TYPES: tuple[str, ...] = get_args(ProjectType)

TaskList = Annotated[list[ProjectTask], Field(min_length=1, max_length=100)]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProjectTemplates(_Doc):
    """For every project type, its task list."""

    types: dict[ProjectType, TaskList] = Field(max_length=len(PROJECT_TYPES))


class DateChangeReason(_Doc):
    """One coded reason for moving a significant date."""

    code: Key
    label: str = Field(min_length=1, max_length=300)


class DateChangeReasons(_Doc):
    """The reasons a project's significant date may move for."""

    reasons: list[DateChangeReason] = Field(min_length=1, max_length=100)

    def codes(self) -> list[str]:
        """The codes, in the policy's order."""
        return [r.code for r in self.reasons]


def _templates_problems(doc: ProjectTemplates) -> list[str]:
    found = [f"project type {t} has no template" for t in PROJECT_TYPES if t not in doc.types]
    for kind, tasks in doc.types.items():
        keys = [t.key for t in tasks]
        found += [
            f"{kind} lists task {k} twice" for k in sorted({k for k in keys if keys.count(k) > 1})
        ]
    return found


def _reasons_problems(doc: DateChangeReasons) -> list[str]:
    codes = doc.codes()
    return [f"code {c} is listed twice" for c in sorted({c for c in codes if codes.count(c) > 1})]


PROJECT_TEMPLATES_KIND = PolicyKind(
    name=PROJECT_TEMPLATES,
    title="Task lists for transfer and conversion projects",
    description=(
        "For each project type (academy transfer, conversion, form a new trust, trust"
        " merger), the tasks of its list and which are mandatory before authority to proceed."
    ),
    document=ProjectTemplates,
    check=_templates_problems,
    example={
        "types": {
            t: [{"key": "funding_agreement", "title": "Funding agreement", "mandatory": True}]
            for t in PROJECT_TYPES
        }
    },
)

DATE_CHANGE_REASONS_KIND = PolicyKind(
    name=DATE_CHANGE_REASONS,
    title="Reasons for changing a significant date",
    description="The coded reasons a project's significant date may be moved for.",
    document=DateChangeReasons,
    check=_reasons_problems,
    example={"reasons": [{"code": "tupe", "label": "TUPE consultation"}]},
)
