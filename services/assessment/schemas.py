"""Request and response models of the assessment API. There is no overall score in any of them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.assessment.domain import Status
from shared.contracts.assessment import (
    Descriptor,
    EvidenceId,
    FrameworkId,
    Metric,
    PillarDefinition,
)
from shared.contracts.identifiers import Key
from shared.http.fields import (
    IsoDate,
    Paragraph,
    Rationale,
    Reason,
    Reference,
    StrictGroupUid,
    VersionNumber,
)
from shared.http.models import RequestModel

# What a person records by hand; "indicators" evidence comes only from the snapshot route.
ManualEvidenceKind = Literal[
    "ofsted", "financial_accounts", "gias_data", "visit", "self_evaluation", "other"
]


# --------------------------------------------------------------------------- frameworks


class FrameworkVersionView(BaseModel):
    """One published version of a framework: its pillars and themes."""

    framework_id: str
    framework_version: int
    name: str
    publisher: str
    published_on: date
    source: str | None
    pillars: list[PillarDefinition]


class FrameworkSummary(BaseModel):
    """A framework and its latest version."""

    framework_id: str
    latest_version: int
    versions: list[int]
    name: str
    publisher: str
    published_on: date
    pillars: list[str] = Field(description="The latest version's pillar keys, in order.")


class FrameworkList(BaseModel):
    """Every framework published so far."""

    items: list[FrameworkSummary]


# --------------------------------------------------------------------------- assessments


class StartRequest(RequestModel):
    """Begin assessing a trust against a framework (its latest version unless one is named)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "trust_uid": 2044,
                    "framework_id": "dfe-trust-quality",
                    "purpose": "Rebrokerage of two primaries in Leeds",
                }
            ]
        },
    )

    trust_uid: StrictGroupUid
    framework_id: FrameworkId
    framework_version: VersionNumber | None = None
    purpose: Paragraph | None = None


class EvidenceRequest(RequestModel):
    """One item of evidence against a pillar (and optionally one of its themes)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "pillar": "finance_operations",
                    "theme": "reserves",
                    "kind": "financial_accounts",
                    "summary": "Revenue reserves at 6% of income, planned and explained.",
                    "source_reference": "Annual accounts 2024/25, note 17",
                    "observed_on": "2025-12-31",
                    "metric": {"name": "Reserves as share of income", "value": 6.0, "unit": "%"},
                }
            ]
        },
    )

    pillar: Key
    theme: Key | None = None
    kind: ManualEvidenceKind
    summary: Reason
    source_reference: Reference
    observed_on: IsoDate
    metric: Metric | None = None


class IndicatorsEvidenceRequest(RequestModel):
    """Which pillar (and theme) the trust's indicators snapshot is evidence for."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"pillar": "school_improvement"}]}
    )

    pillar: Key
    theme: Key | None = None


class JudgementRequest(RequestModel):
    """A pillar judgement on the descriptor scale, with its rationale.

    Without ``evidence_ids`` it rests on every evidence item recorded on the pillar so far.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "descriptor": "secure",
                    "rationale": "Four of five schools that joined below good are now good.",
                    "evidence_ids": ["6f1c2a3b4d5e6f708192a3b4c5d6e7f8"],
                }
            ]
        },
    )

    descriptor: Descriptor = Field(description="strong, secure, developing or concerns.")
    rationale: Rationale
    evidence_ids: list[EvidenceId] | None = Field(default=None, min_length=1, max_length=200)


class ModerationRequest(RequestModel):
    """Approve, or return for changes (comments required)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "return", "comments": "Evidence for workforce is a year old"}]
        },
    )

    decision: Literal["approve", "return"]
    comments: Rationale | None = None

    @model_validator(mode="after")
    def _comments_for_return(self) -> ModerationRequest:
        if self.decision == "return" and not self.comments:
            raise ValueError("comments are required to return an assessment")
        return self


class WriteResult(BaseModel):
    """Where the assessment stands after a write; ``version`` is its new ETag."""

    assessment_id: str
    version: int
    status: Status


class AssessmentCreated(WriteResult):
    """A new assessment and the framework version it is bound to."""

    framework_id: str
    framework_version: int


class EvidenceAdded(WriteResult):
    """The id given to the new evidence item."""

    evidence_id: str


class Published(WriteResult):
    """The assessment this publication superseded, if any."""

    supersedes: str | None


class EvidenceView(BaseModel):
    """One evidence item."""

    evidence_id: str
    pillar: str
    theme: str | None
    kind: str
    summary: str
    source_reference: str
    observed_on: date
    metric: Metric | None
    recorded_by: str
    recorded_at: datetime


class JudgementView(BaseModel):
    """The current judgement of one pillar."""

    pillar: str
    pillar_name: str
    descriptor: Descriptor
    rationale: str
    evidence_ids: list[str]
    judged_by: str
    judged_at: datetime


class ReturnView(BaseModel):
    """A time the assessment was sent back, and why."""

    moderator: str
    comments: str
    returned_at: datetime


class AssessmentView(BaseModel):
    """An assessment as its stream tells it now; ``version`` is also the ETag."""

    assessment_id: str
    trust_uid: int
    framework_id: str
    framework_version: int
    framework_name: str
    status: Status
    version: int
    assessor: str
    purpose: str | None
    authors: list[str] = Field(description="Everyone who may not moderate it (four eyes).")
    evidence: list[EvidenceView]
    judgements: list[JudgementView]
    unjudged_pillars: list[str]
    submitted_by: str | None
    moderator: str | None
    moderation_comments: str | None
    returns: list[ReturnView]
    published_on: date | None
    supersedes: str | None
    requested_by_case: str | None = Field(
        default=None, description="the commissioning case that asked for it, if one did"
    )
    request_id: str | None = Field(default=None, description="that case's request")
    started_at: datetime
    updated_at: datetime


class AssessmentSummary(BaseModel):
    """One assessment in a list."""

    assessment_id: str
    trust_uid: int
    framework_id: str
    framework_version: int
    status: Status
    version: int
    assessor: str
    purpose: str | None
    evidence_count: int
    judged_pillars: list[str]
    moderator: str | None
    published_on: date | None
    started_at: datetime
    updated_at: datetime


class AssessmentPage(BaseModel):
    """Assessments, newest first, one page at a time."""

    items: list[AssessmentSummary]
    next_cursor: str | None


# --------------------------------------------------------------------------- profile


class ProfilePillar(BaseModel):
    """The latest published judgement of one pillar."""

    pillar: str
    pillar_name: str
    descriptor: Descriptor
    rationale: str
    evidence_ids: list[str]
    published_on: date
    assessment_id: str
    framework_id: str
    framework_version: int
    framework_name: str | None


class TrustProfile(BaseModel):
    """What the log says of a trust's strength: pillar judgements and indicators, no grade."""

    trust_uid: int
    assessment_id: str | None = Field(
        description="The trust's standing published assessment, if any."
    )
    pillars: list[ProfilePillar]
    indicators: dict[str, Any] | None = Field(
        description="The trust's indicators (as GET /trusts/{uid}/indicators); null if unknown."
    )
