"""What the stuck-schools list looks like."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.registry.schemas import OfstedSummary


class StuckSchool(BaseModel):
    """A stuck school, and the two inspections that made it so under the rule version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    urn: int
    name: str
    la_code: str
    la_name: str
    region_code: str | None
    trust_uid: int | None
    rule_version: int = Field(description="The stuck_schools policy version applied.")
    latest: OfstedSummary = Field(description="Requires improvement or equivalent.")
    previous: OfstedSummary = Field(description="Below good or equivalent.")


class StuckSchoolList(BaseModel):
    """Every stuck school that matches, in URN order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date = Field(description="The day whose rule version was applied.")
    rule_version: int
    rule_title: str
    items: list[StuckSchool]
