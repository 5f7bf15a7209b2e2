"""The due-work list."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DeadlineKind = Literal["notice_response", "rise_window", "concern_review", "nti_review"]


class Deadline(BaseModel):
    """One thing that falls due."""

    model_config = ConfigDict(frozen=True)

    kind: DeadlineKind
    due_on: date
    overdue: bool
    working_days: int = Field(
        description="Working days from today to the due date: negative once it has passed."
    )
    what: str
    source: Literal["notice", "school_intervention", "trust_intervention", "concern"]
    intervention_id: str | None = Field(
        description="The notice, school or trust intervention; null for a concern."
    )
    concern_id: str | None = Field(default=None, description="The concern whose review is due.")
    urn: int | None
    trust_uid: int | None
    region_code: str | None


class DeadlineList(BaseModel):
    """Everything due, overdue first (longest overdue first), then soonest first."""

    model_config = ConfigDict(frozen=True)

    on: date
    items: list[Deadline]
