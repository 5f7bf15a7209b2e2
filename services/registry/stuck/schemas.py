"""What the stuck-schools list looks like."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.registry.schemas import StuckSchool

__all__ = ["StuckSchool", "StuckSchoolList"]


class StuckSchoolList(BaseModel):
    """Every stuck school that matches, in URN order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date = Field(description="The day whose rule version was applied.")
    rule_version: int
    rule_title: str
    items: list[StuckSchool]
