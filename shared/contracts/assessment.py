"""Events the assessment service publishes: frameworks, and five-pillar trust assessments.

Streams: ``framework-{framework_id}`` holds every published version of one framework;
``assessment-{assessment_id}`` holds one assessment's whole lifecycle. Who did each step is
the event's ``actor`` in its metadata; the few places where the domain needs a person's
identity to decide something (four eyes) also carry it in the data, so the rule can be
checked from the events alone.

There is deliberately no overall score or grade in any of these events: regional directors
weigh the pillars that matter to each decision (DOMAIN.md, "no summative judgement").
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictFloat

from shared.contracts.identifiers import GroupUid, Key
from shared.contracts.policy import PolicyVersionFields, policy_category
from shared.contracts.values import Value
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

# The stream categories only the assessment service appends to (see shared/ownership.py).
STREAM_CATEGORIES: frozenset[str] = frozenset(
    {"framework", "assessment", policy_category("assessment")}
)

FrameworkId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,63}$")]
AssessmentId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
EvidenceId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
# Bounded like the registry's: read models store UIDs as PostgreSQL integers, and a larger
# UID in the log would stop each projection that meets it, for good.

# The descriptor scale for one pillar, strongest first. Four points and no midpoint, so a
# judgement always leans one way; deliberately words, never numbers, so nobody sums them.
Descriptor = Literal["strong", "secure", "developing", "concerns"]
DESCRIPTORS: tuple[Descriptor, ...] = ("strong", "secure", "developing", "concerns")

EvidenceKind = Literal[
    "ofsted", "financial_accounts", "gias_data", "visit", "self_evaluation", "indicators", "other"
]


class ThemeDefinition(Value):
    key: Key
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)


class PillarDefinition(Value):
    key: Key
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    themes: list[ThemeDefinition] = Field(default_factory=list)


class Metric(Value):
    """A measured value an evidence item rests on, e.g. reserves as a share of income."""

    name: str = Field(min_length=1, max_length=200)
    # Strict and finite: JSON true is not the value 1, and NaN (which Python's JSON reader
    # takes) is no measurement. Stored events are unaffected: the log wrote them from this
    # model's own dumps, and refuses NaN and infinities, so they hold finite numbers.
    value: StrictFloat = Field(allow_inf_nan=False)
    unit: str | None = Field(default=None, max_length=50)


# --------------------------------------------------------------------------- frameworks


@contracts.register
class FrameworkVersionPublished(EventContract):
    """A version of an assessment framework: its pillars and their themes, as data."""

    type_name = "assessment.FrameworkVersionPublished"
    framework_id: FrameworkId
    framework_version: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=300)
    publisher: str = Field(min_length=1, max_length=300)
    published_on: date
    source: str | None = Field(default=None, max_length=1000)
    pillars: list[PillarDefinition] = Field(min_length=1)


# --------------------------------------------------------------------------- assessments


@contracts.register
class AssessmentStarted(EventContract):
    """An assessor began assessing a trust against one framework version."""

    type_name = "assessment.AssessmentStarted"
    assessment_id: AssessmentId
    trust_uid: GroupUid
    framework_id: FrameworkId
    framework_version: int = Field(ge=1)
    assessor: str = Field(min_length=1, max_length=200)
    purpose: str | None = Field(default=None, max_length=2000)
    # Opened for a commissioning case's request (commissioning.AssessmentRequested): the
    # case and the request it answers. Absent for an assessment an assessor started.
    case_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    request_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")


@contracts.register
class EvidenceRecorded(EventContract):
    """One item of evidence against a pillar (and, optionally, one of its themes)."""

    type_name = "assessment.EvidenceRecorded"
    assessment_id: AssessmentId
    evidence_id: EvidenceId
    pillar: Key
    theme: Key | None = None
    kind: EvidenceKind
    summary: str = Field(min_length=1, max_length=4000)
    source_reference: str = Field(min_length=1, max_length=1000)
    observed_on: date
    metric: Metric | None = None
    recorded_by: str = Field(min_length=1, max_length=200)


@contracts.register
class PillarJudged(EventContract):
    """A judgement on one pillar, on the descriptor scale, with its rationale and evidence."""

    type_name = "assessment.PillarJudged"
    assessment_id: AssessmentId
    pillar: Key
    descriptor: Descriptor
    rationale: str = Field(min_length=1, max_length=8000)
    evidence_ids: list[EvidenceId] = Field(min_length=1)
    judged_by: str = Field(min_length=1, max_length=200)


@contracts.register
class AssessmentSubmitted(EventContract):
    """The assessor handed the assessment in for moderation."""

    type_name = "assessment.AssessmentSubmitted"
    assessment_id: AssessmentId
    submitted_by: str = Field(min_length=1, max_length=200)


@contracts.register
class AssessmentReturned(EventContract):
    """A moderator sent it back for changes, with comments."""

    type_name = "assessment.AssessmentReturned"
    assessment_id: AssessmentId
    moderator: str = Field(min_length=1, max_length=200)
    comments: str = Field(min_length=1, max_length=8000)


@contracts.register
class AssessmentModerated(EventContract):
    """A moderator who is not an author approved it."""

    type_name = "assessment.AssessmentModerated"
    assessment_id: AssessmentId
    moderator: str = Field(min_length=1, max_length=200)
    comments: str | None = Field(default=None, max_length=8000)


class PublishedJudgement(Value):
    pillar: Key
    pillar_name: str
    descriptor: Descriptor
    rationale: str
    evidence_ids: list[EvidenceId]


@contracts.register
class AssessmentPublished(EventContract):
    """A moderated assessment is published: the pillar judgements others may rely on.

    It carries every pillar judgement so that consumers (commissioning) need nothing else;
    ``supersedes`` names the trust's previously published assessment, if any.
    """

    type_name = "assessment.AssessmentPublished"
    assessment_id: AssessmentId
    trust_uid: GroupUid
    framework_id: FrameworkId
    framework_version: int = Field(ge=1)
    published_on: date
    judgements: list[PublishedJudgement] = Field(min_length=1)
    supersedes: AssessmentId | None = None


@contracts.register
class AssessmentWithdrawn(EventContract):
    """An assessment was withdrawn; if it was published, its judgements no longer stand."""

    type_name = "assessment.AssessmentWithdrawn"
    assessment_id: AssessmentId
    trust_uid: GroupUid
    was_published: bool


# --------------------------------------------------------------------------- policy


@contracts.register
class PolicyVersionPublished(PolicyVersionFields):
    """A version of one of the assessment service's policies (shared/contracts/policy.py)."""

    type_name = "assessment.PolicyVersionPublished"


# Which events each stream category holds: the subject each is published on (asyncapi.json).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "framework": (FrameworkVersionPublished,),
    "assessment": (
        AssessmentStarted,
        EvidenceRecorded,
        PillarJudged,
        AssessmentSubmitted,
        AssessmentReturned,
        AssessmentModerated,
        AssessmentPublished,
        AssessmentWithdrawn,
    ),
    policy_category("assessment"): (PolicyVersionPublished,),
}
