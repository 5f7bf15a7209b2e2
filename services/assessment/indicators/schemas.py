"""What a trust's indicators look like: facts from the registry's events, never a grade.

Every figure is counted over the trust's current schools (those it runs now). Outcomes keep
the words of the framework they came from: a single-grade inspection's overall effectiveness
(before November 2025), or a report card's outcome, counted by its lowest evaluation area.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.registry import OfstedGrade, ReportCardGrade

Framework = Literal["single_grade", "report_card"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Judgement(_View):
    """One graded inspection, reduced to the outcome the indicators count."""

    framework: Framework
    outcome: OfstedGrade | ReportCardGrade = Field(
        description="Overall effectiveness, or a report card's lowest evaluation area."
    )
    inspection_start: date
    good_or_better: bool = Field(
        description="Outstanding or good; for a report card, no area below expected standard."
    )


class OfstedProfile(_View):
    """The latest graded inspection of each current school, counted."""

    schools: int
    inspected: int = Field(description="Schools with a graded inspection under their own URN.")
    not_inspected: int
    single_grade: dict[OfstedGrade, int] = Field(
        description="Schools whose latest judgement is a single grade, by overall effectiveness."
    )
    report_card: dict[ReportCardGrade, int] = Field(
        description="Schools whose latest judgement is a report card, by its lowest area."
    )
    report_card_areas: dict[str, dict[ReportCardGrade, int]] = Field(
        description=(
            "Those same report cards, area by area (e.g. leadership_and_governance), by grade;"
            " an area a card did not grade is not counted."
        )
    )
    good_or_better: int
    good_or_better_share: float | None = Field(
        description="good_or_better / inspected, 0..1 to 4 places; None when none inspected."
    )


class ImprovementCase(_View):
    """A school that joined the trust below good, and what Ofsted found next."""

    urn: int
    name: str
    joined_on: date
    before: Judgement = Field(description="Its latest judgement before it joined.")
    before_urn: int = Field(description="Whose judgement that was: the school, or a predecessor.")
    first_after: Judgement | None = Field(
        description="Its first graded inspection on or after the day it joined; None if not yet."
    )
    days_taken: int | None = Field(description="Days from joining to that inspection's start.")
    months_taken: int | None = Field(description="Whole calendar months, likewise.")


class ImprovementRecord(_View):
    """The trust's record with schools that joined below good."""

    joined_below_good: int
    reinspected: int
    improved_to_good_or_better: int = Field(
        description="Reinspected schools whose first judgement after joining was good or better."
    )
    median_days_to_first_judgement: float | None
    schools: list[ImprovementCase]


class Growth(_View):
    """Current schools by how recently they joined."""

    joined_last_12_months: int
    joined_last_36_months: int


class Size(_View):
    """Current schools and the pupils on their rolls."""

    schools: int
    pupils: int = Field(description="Sum over the schools whose pupil count is known.")
    schools_without_pupil_count: int


class AreaCount(_View):
    """Schools of the trust in one area."""

    code: str | None
    name: str | None
    schools: int


class Geography(_View):
    """Where the trust's schools are."""

    local_authorities: list[AreaCount]
    regions: list[AreaCount]
    schools_located: int = Field(description="Schools with an easting and northing.")
    median_distance_km: float | None = Field(
        description=(
            "Median straight-line distance over every pair of located schools, km to 2 places;"
            " None with fewer than two."
        )
    )


class PhaseCount(_View):
    """Schools of the trust in one phase of education."""

    phase: str
    schools: int


class TrustInspectionOutcome(_View):
    """One judgement area of a trust inspection, in the words the registry recorded."""

    area: str
    heading: str = Field(description="The area as the imported file headed it.")
    outcome: str = Field(description="Ofsted's outcome, as published.")


class TrustInspection(_View):
    """An Ofsted inspection of the trust itself, as the registry recorded it."""

    inspection_id: str
    inspection_start: date
    publication_date: date | None
    inspection_type: str | None
    outcomes: list[TrustInspectionOutcome]
    source: str = Field(
        description="Where it is published, or else the file the registry imported it from."
    )
    format_version: int = Field(
        description="The registry's trust_inspection_format version that read the file."
    )


NOT_A_PILLAR_GRADE = (
    "Ofsted's inspection of the trust, in Ofsted's own words: evidence for the reader,"
    " not a grade of any pillar and not counted in any figure here."
)


class TrustInspections(_View):
    """Ofsted's inspections of the trust: evidence beside the indicators, never a pillar grade."""

    latest: TrustInspection | None = Field(
        default=None, description="The latest by start date, on or before as_of."
    )
    history: list[TrustInspection] = Field(
        default_factory=list, description="Every one on or before as_of, latest first."
    )
    note: str = NOT_A_PILLAR_GRADE


class TrustIndicators(_View):
    """A trust's indicators as of a day: for evidence and for commissioning, never a grade."""

    trust_uid: int
    trust_name: str
    trust_status: str
    as_of: date = Field(description="The day the growth windows are counted back from.")
    size: Size
    ofsted: OfstedProfile
    improvement: ImprovementRecord
    growth: Growth
    geography: Geography
    phases: list[PhaseCount]
    trust_inspections: TrustInspections = Field(default_factory=TrustInspections)
