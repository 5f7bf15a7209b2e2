"""What the registry's API answers with: views of the read models, never table rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.feeds import RejectedRow
from shared.contracts.identifiers import LaCode
from shared.contracts.registry import SchoolDetails, TrustDetails, TrustType
from shared.contracts.trust_inspections import TrustInspectionOutcome
from shared.http.fields import IsoDate, Name, Postcode, StrictGroupUid, Town
from shared.http.models import ViewModel

CoverageBy = Literal["la", "region", "area"]
AreaKind = Literal["la", "district"]


class TrustRef(ViewModel):
    """The trust running a school, and since when."""

    uid: int
    name: str | None = Field(description="None when the trust is not (yet) on the register.")
    since: date | None
    join_reason: str | None


class SchoolSummary(ViewModel):
    """A school in a list."""

    urn: int
    name: str
    la_code: str
    la_name: str
    region_code: str | None
    region_name: str | None
    phase: str | None
    type_code: str | None
    type_name: str | None
    status: str
    pupils: int | None
    trust: TrustRef | None


class SchoolPage(ViewModel):
    """One page of schools in URN order; pass ``next_cursor`` back for the next."""

    items: list[SchoolSummary]
    next_cursor: str | None


class OfstedSummary(ViewModel):
    """An Ofsted inspection in its own era's terms: a single grade (to August 2024), key
    judgements with no overall grade (September 2024 to 9 November 2025), a report card
    (from 10 November 2025), or an ungraded inspection's outcome."""

    framework: str = Field(description="single_grade, key_judgements, report_card or ungraded.")
    inspection_start: date
    publication_date: date | None = None
    inspection_type: str | None = None
    overall_effectiveness: str | None = None
    key_judgements: dict[str, str] = Field(
        default_factory=dict, description="Key judgement to grade (1-4 scale words)."
    )
    report_card: dict[str, str] = Field(
        default_factory=dict, description="Evaluation area to report-card grade."
    )
    safeguarding_effective: bool | None = Field(
        default=None, description="Safeguarding effective (single grade) or met (report card)."
    )
    ungraded_outcome: str | None = None
    category_of_concern: str | None = Field(
        default=None, description="special_measures or requires_significant_improvement."
    )
    category_as_published: str | None = Field(
        default=None, description="The category in the file's own words, where it gave one."
    )
    category_basis: str | None = Field(
        default=None,
        description="given: read from the file; derived: by the ofsted_categories policy.",
    )
    category_rule_version: int | None = Field(
        default=None, description="The ofsted_categories version that read the grades."
    )


class StuckSchool(BaseModel):
    """A stuck school, and the two inspections that made it so under the rule version: an
    item of ``GET /stuck-schools`` and the ``stuck`` block of a school's view alike."""

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


class SchoolView(ViewModel):
    """A school now, or as it was on ``as_of``."""

    urn: int
    as_of: date | None = Field(description="The date asked about; None means today.")
    details: SchoolDetails
    details_as_of: date | None = Field(
        description="The date of the last change the details include. Later than as_of when"
        " the school predates its first GIAS snapshot here: the earliest details known."
    )
    registered_on: date = Field(description="The GIAS snapshot it was first recorded from.")
    trust: TrustRef | None
    predecessor_urns: list[int]
    successor_urns: list[int]
    ofsted: OfstedSummary | None = Field(description="The latest inspection started by then.")
    version: int = Field(description="The last version of the school's stream applied.")
    stuck: StuckSchool | None = Field(
        default=None,
        description="Today's view only (null with as_of): the school is stuck (eligible for"
        " RISE) by the stuck_schools rule in force today, as GET /stuck-schools lists it;"
        " null when it is not (or no version of the rule is in force yet).",
    )


class MembershipView(ViewModel):
    """A spell of a trust running a school: from ``from_date`` up to, not including, ``to_date``."""

    trust_uid: int
    trust_name: str | None
    from_date: date
    to_date: date | None
    join_reason: str
    leave_reason: str | None
    decision_reference: str | None


class HistoryEntry(ViewModel):
    """One event in a school's stream, with a short summary."""

    position: int
    stream_version: int
    event_type: str
    effective_on: date | None
    recorded_at: datetime
    summary: dict[str, Any]


class SchoolHistory(ViewModel):
    """A school's trust membership timeline and every event of its stream, oldest first."""

    urn: int
    memberships: list[MembershipView]
    events: list[HistoryEntry]


class TrustSummary(ViewModel):
    """An academy trust in a list."""

    uid: int
    name: str
    trn: str | None
    trust_type: str
    status: str
    la_established: bool
    school_count: int = Field(description="Schools the trust runs now.")


class TrustPage(ViewModel):
    """One page of trusts in UID order; pass ``next_cursor`` back for the next."""

    items: list[TrustSummary]
    next_cursor: str | None


class AreaCount(ViewModel):
    """A local authority or region and how many of the trust's schools are in it."""

    code: str | None
    name: str | None
    school_count: int


class TrustInspectionSummary(ViewModel):
    """An Ofsted inspection of the trust, its outcomes in the imported file's own words."""

    inspection_id: str = Field(description="The file's reference for the inspection.")
    inspection_start: date
    publication_date: date | None
    inspection_type: str | None
    outcomes: list[TrustInspectionOutcome] = Field(
        description="Each judgement area the inspection gave an outcome for, as published."
    )
    report_url: str | None = Field(description="Where the report is published, if given.")
    source_file: str = Field(description="The file it was imported from.")
    format_version: int = Field(
        description="The trust_inspection_format policy version that read the file."
    )


class TrustView(ViewModel):
    """An academy trust with the schools it runs now, summed up."""

    uid: int
    details: TrustDetails
    la_established: bool
    founding_la_code: str | None
    la_established_on: date | None
    school_count: int
    pupils: int
    las: list[AreaCount]
    regions: list[AreaCount]
    trust_inspection: TrustInspectionSummary | None = Field(
        default=None, description="Ofsted's latest inspection of the trust, by start date."
    )
    trust_inspections: list[TrustInspectionSummary] = Field(
        default_factory=list, description="Every Ofsted inspection of the trust, latest first."
    )
    version: int


class TrustSchool(ViewModel):
    """A school a trust ran on the date asked about, with its details as of that date."""

    urn: int
    name: str
    la_code: str
    la_name: str
    phase: str | None
    status: str
    pupils: int | None
    joined_on: date
    join_reason: str
    left_on: date | None


class TrustSchoolPage(ViewModel):
    """One page of a trust's schools on ``as_of`` in URN order."""

    uid: int
    as_of: date
    items: list[TrustSchool]
    next_cursor: str | None


class CoverageGroup(ViewModel):
    """Open schools and their pupils in an LA, region or area: in a trust versus not."""

    code: str | None = Field(
        description="The LA or region code; for an area, its name (areas have no code)."
    )
    name: str | None
    schools_open: int
    schools_in_trust: int
    schools_not_in_trust: int
    pupils_in_trust: int
    pupils_not_in_trust: int
    share_schools_in_trust: float = Field(ge=0, le=1)
    share_pupils_in_trust: float = Field(ge=0, le=1)


class TrustSizeBucket(ViewModel):
    """How many trusts run between ``min_schools`` and ``max_schools`` open schools."""

    bucket: str
    min_schools: int
    max_schools: int | None
    trusts: int
    schools: int


class Coverage(ViewModel):
    """Progress to every school in a trust: per group, in total, and trust sizes."""

    by: CoverageBy
    groups: list[CoverageGroup]
    totals: CoverageGroup
    trust_sizes: list[TrustSizeBucket]


_AREA_EXAMPLE: dict[str, Any] = {
    "name": "Hastings",
    "kind": "district",
    "la_codes": ["845"],
    "districts": ["Hastings"],
    "priority": True,
    "eia": False,
    "schools_open": 38,
    "schools_in_trust": 27,
    "schools_not_in_trust": 11,
    "pupils_in_trust": 9120,
    "pupils_total": 11540,
    "share_schools_in_trust": 0.7105,
    "share_pupils_in_trust": 0.7903,
}


class AreaView(ViewModel):
    """An area commissioning plans by, with its open schools and pupils in trusts now."""

    model_config = ConfigDict(json_schema_extra={"examples": [_AREA_EXAMPLE]})

    name: str = Field(description="As DfE names it; GET /areas/{name} takes it in any case.")
    kind: AreaKind = Field(
        description="la: the whole of each LA in la_codes; district: the named districts"
        " inside them."
    )
    la_codes: list[str]
    districts: list[str] = Field(description="Empty unless kind is district.")
    priority: bool = Field(description="One of the 24 priority Education Investment Areas.")
    eia: bool = Field(description="One of the 55 Education Investment Areas (whole LAs).")
    schools_open: int
    schools_in_trust: int
    schools_not_in_trust: int
    pupils_in_trust: int
    pupils_total: int = Field(description="Pupils in the area's open schools, in a trust or not.")
    share_schools_in_trust: float = Field(ge=0, le=1)
    share_pupils_in_trust: float = Field(ge=0, le=1)


class AreaList(ViewModel):
    """Every area, in name order: the 55 EIAs and the six district priority areas."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_AREA_EXAMPLE]}]})

    items: list[AreaView]


# ------------------------------------------------------------------ writes


class TrustRegistration(BaseModel):
    """A trust to put on the register. Leave ``uid`` out if GIAS has not given it one yet."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Leeds Local Authority Trust",
                    "trust_type": "multi_academy_trust",
                    "companies_house_number": "16012345",
                    "incorporated_on": "2026-09-01",
                    "established_by_la_code": "383",
                }
            ]
        },
    )

    uid: StrictGroupUid | None = None
    name: Name
    trust_type: TrustType
    trn: str | None = Field(default=None, pattern=r"^TR[0-9]{5}$")
    companies_house_number: str | None = Field(default=None, pattern=r"^[0-9A-Z]{8}$")
    incorporated_on: IsoDate
    established_by_la_code: LaCode | None = Field(
        default=None, description="Set when a local authority set this trust up"
    )
    postcode: Postcode | None = None
    town: Town | None = None

    @model_validator(mode="after")
    def _plausible_date(self) -> TrustRegistration:
        if self.incorporated_on.year < 1990:
            raise ValueError("incorporated_on is before academy trusts existed")
        return self


class TrustRegistered(BaseModel):
    """The trust's UID (provisional ones are 90,000,000 and up)."""

    uid: int
    provisional: bool


class ImportAccepted(BaseModel):
    """An import handed in and queued."""

    import_id: str
    status: Literal["running"]
    report_url: str


class ImportStatus(BaseModel):
    """Where an import is, and its report once it has finished."""

    import_id: str
    status: Literal["running", "completed", "failed"]
    snapshot_date: str | None = None
    files: dict[str, str] = {}
    rows_read: dict[str, int] = {}
    events_written: int | None = None
    rejected: list[RejectedRow] = []
    error: str | None = None
    requested_by: str | None = None
