"""What an area's plan answers with."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Interval = Literal["month", "year"]


class AreaRef(BaseModel):
    """The area: whole LAs (an EIA) or districts inside one LA."""

    name: str
    kind: Literal["la", "district"]
    la_codes: list[str]
    districts: list[str]
    eia: bool
    priority: bool


class AreaSchool(BaseModel):
    """An open school in the area."""

    urn: int
    name: str
    la_code: str
    la_name: str
    district_name: str | None
    phase: str | None
    pupils: int | None
    ofsted_grade: str | None
    ofsted_date: date | None


class InterventionRef(BaseModel):
    """An active intervention against the school's trust (or the school itself)."""

    intervention_id: str
    kind: str
    status: str
    issued_on: date
    urn: int | None


class SchoolUnderIntervention(AreaSchool):
    """An open school in the area whose trust is under an active intervention."""

    trust_uid: int
    trust_name: str | None
    interventions: list[InterventionRef]


class SchoolPage(BaseModel):
    """One page of schools; ``next_cursor`` gives the next."""

    total: int
    items: list[AreaSchool]
    next_cursor: str | None


class PlanInterventionPage(BaseModel):
    """One page of schools under intervention; ``next_cursor`` gives the next."""

    total: int
    items: list[SchoolUnderIntervention]
    next_cursor: str | None


class OpenCase(BaseModel):
    """A case not yet completed or closed with a school in the area."""

    case_id: str
    title: str
    trigger: str
    status: str
    urns: list[int] = Field(description="The case's schools that are in this area.")
    opened_on: date


class PlanCasePage(BaseModel):
    """The open cases, oldest first, up to the limit."""

    total: int
    items: list[OpenCase]


class CoveragePoint(BaseModel):
    """Open schools and pupils in trusts on one date."""

    on: date
    schools_open: int
    schools_in_trust: int
    share_schools_in_trust: float
    pupils: int
    pupils_in_trust: int
    share_pupils_in_trust: float


class TrustConcernWarning(BaseModel):
    """An open red or red-plus concern about a trust running open schools in the area."""

    concern_id: str
    trust_uid: int
    trust_name: str | None
    concern_type: str
    rag: str
    opened_on: date
    schools_in_area: int


class AreaPlan(BaseModel):
    """What commissioning needs to plan an area."""

    area: AreaRef
    as_of: date
    schools_not_in_trust: SchoolPage
    schools_under_intervention: PlanInterventionPage
    open_cases: PlanCasePage
    concern_warnings: list[TrustConcernWarning] = Field(
        default_factory=list,
        description="Open red and red-plus concerns about the trusts running the area's open"
        " schools, most serious first (at most `limit`).",
    )
    coverage_interval: Interval
    coverage: list[CoveragePoint]
    notes: list[str]
