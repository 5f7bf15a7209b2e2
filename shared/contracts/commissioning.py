"""Events the commissioning service publishes about cases: opened, criteria and constraints,
shortlists, boards scheduled, decisions with their conditions and challenges, referrals, the
``TransferApproved`` the registry acts on, and assessment requests — a case's whole life on
stream ``case-{case_id}``. Who did each step is the event's ``actor``; a decision also names
its decision maker in the data, because that is part of the record the law asks for, not just
who typed it in.

Its other stream families keep their events in modules of their own, merged into this
registry and this ``CATEGORY_EVENTS``: ``interventions.py`` (notices, and school
interventions in a category of concern), ``concerns.py``, ``delegations.py``,
``projects.py`` (transfer and conversion projects), ``boards.py`` and
``significant_changes.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, model_validator

from shared.contracts import (
    boards,
    concerns,
    delegations,
    interventions,
    projects,
    significant_changes,
)
from shared.contracts.identifiers import (
    CaseId,
    DecisionId,
    GroupUid,
    Key,
    RegionCode,
    Subject,
    Urn,
)
from shared.contracts.interventions import (
    InterventionId,
)
from shared.contracts.policy import PolicyVersionFields, policy_category
from shared.contracts.projects import ProjectType
from shared.contracts.values import DecisionMakerGrade, EqualityRecord, Value
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()
# Transfer projects', interventions', delegations' and concerns' events are commissioning's too,
# declared in modules of their own.
contracts.merge(projects.contracts)
contracts.merge(interventions.contracts)
contracts.merge(delegations.contracts)
contracts.merge(concerns.contracts)
contracts.merge(boards.contracts)
contracts.merge(significant_changes.contracts)

# The stream categories only commissioning appends to (see shared/ownership.py).
STREAM_CATEGORIES: frozenset[str] = frozenset(
    {
        "case",
        "intervention",
        "school_intervention",
        "trust_intervention",
        "concern",
        "delegation",
        "project",
        "board",
        "significant_change",
        policy_category("commissioning"),
    }
)

# Bounded like the registry's: read models store UIDs as PostgreSQL integers, and a larger
# UID in the log would stop each projection that meets it, for good.

CaseTrigger = Literal[
    "inadequate_dao",  # a maintained school judged inadequate: directive academy order
    "rebrokerage",  # an academy in a failing trust
    "trust_closure",  # its trust is closing
    "voluntary_conversion",  # a maintained school asks to convert
    "trust_growth",  # a trust asks to grow or to merge
    "la_request",  # a local authority asks for its schools to join trusts
    "free_school",  # a new free school needs a trust
]

DecisionOutcome = Literal[
    "approved", "approved_with_conditions", "declined", "deferred", "withdrawn", "dao_revoked"
]
DecisionMakerCapacity = Literal[
    "regional_director_for_region",
    "another_regional_director",
    "minister",
    "director_general",
    "deputy_director",
]
# Who a decided case is escalated or challenged to: as a referral, to a named person.
ChallengeKind = Literal["escalation", "challenge"]
# Who a case may be referred to, away from its own region's director (DOMAIN.md).
ReferralCapacity = Literal["another_regional_director", "minister"]
ReferralReason = Literal["conflict_of_interest", "cross_border", "ministerial_interest", "other"]


# Weights are strict floats: JSON true is not a weight of 1. Stored events are unaffected:
# the log wrote them from these models' own dumps, so their weights are numbers already.
class PillarWeight(Value):
    """How much one pillar (optionally narrowed to some themes) counts in this case."""

    pillar: Key
    weight: StrictFloat = Field(gt=0, le=10)
    themes: list[Key] = Field(default_factory=list)


class FactorWeights(Value):
    """How much each non-pillar factor of the shortlist counts; 0 leaves it out."""

    capacity: StrictFloat = Field(default=1.0, ge=0, le=10)
    distance: StrictFloat = Field(default=1.0, ge=0, le=10)
    local_presence: StrictFloat = Field(default=1.0, ge=0, le=10)
    phase_fit: StrictFloat = Field(default=1.0, ge=0, le=10)
    faith_fit: StrictFloat = Field(default=1.0, ge=0, le=10)
    track_record: StrictFloat = Field(default=1.0, ge=0, le=10)


# --------------------------------------------------------------------------- cases


@contracts.register
class CaseOpened(EventContract):
    """A case to find a trust for one school or a group of schools."""

    type_name = "commissioning.CaseOpened"
    case_id: CaseId
    urns: list[Urn] = Field(min_length=1, max_length=200)
    trigger: CaseTrigger
    title: str = Field(min_length=1, max_length=300)
    region_code: str | None = None
    area: str | None = None
    la_codes: list[str] = Field(default_factory=list)
    opened_on: date
    # Set when the case came from another event, e.g. a termination notice.
    intervention_id: InterventionId | None = None


@contracts.register
class CaseCriteriaSet(EventContract):
    """What matters for this case: the relevant pillars and the factors, with weights."""

    type_name = "commissioning.CaseCriteriaSet"
    case_id: CaseId
    pillars: list[PillarWeight] = Field(min_length=1)
    factors: FactorWeights = FactorWeights()


@contracts.register
class CaseConstraintsSet(EventContract):
    """What every candidate trust must satisfy for this case (else it is excluded, with
    the reason): the school's religious character (unless the diocese agreed otherwise),
    a maximum distance, the case's region (unless widened)."""

    type_name = "commissioning.CaseConstraintsSet"
    case_id: CaseId
    same_religious_character: bool
    diocese_agreed_otherwise: bool = False
    # Where the diocese's agreement is recorded: required when it is.
    diocese_agreement_reference: str | None = Field(default=None, max_length=500)
    max_distance_km: StrictFloat | None = Field(default=None, gt=0, le=1000)
    same_region: bool


@contracts.register
class CaseShortlisted(EventContract):
    """The trusts a caseworker put forward to the advisory board, from the ranked candidates."""

    type_name = "commissioning.CaseShortlisted"
    case_id: CaseId
    trust_uids: list[GroupUid] = Field(min_length=1, max_length=20)
    # The candidate list as ranked when the shortlist was made, so the record shows what the
    # caseworker saw even after later events change the ranking.
    ranking_snapshot: list[dict[str, object]] = Field(default_factory=list)


@contracts.register
class AdvisoryBoardScheduled(EventContract):
    """The case goes to an advisory board on this date."""

    type_name = "commissioning.AdvisoryBoardScheduled"
    case_id: CaseId
    board_date: date


@contracts.register
class DecisionRecorded(EventContract):
    """A decision maker decided the case."""

    type_name = "commissioning.DecisionRecorded"
    case_id: CaseId
    decision_id: DecisionId
    outcome: DecisionOutcome
    conditions: list[str] = Field(default_factory=list)
    decided_on: date
    decision_maker_name: str = Field(min_length=1, max_length=200)
    decision_maker_capacity: DecisionMakerCapacity
    trust_uid: GroupUid | None = None
    rationale: str = Field(min_length=1, max_length=8000)
    significant_date: date | None = None
    # For declined, deferred or withdrawn: the category DOMAIN.md lists (before coded
    # reasons; decisions since carry ``reason_codes``).
    reason_category: str | None = Field(default=None, max_length=200)
    # Coded reasons from the ``decision_reasons`` policy, the version followed.
    reason_codes: list[Key] = Field(default_factory=list, max_length=20)
    reasons_policy_version: int | None = Field(default=None, ge=1)
    # The decision maker's grade, and the ``decision_makers`` version that allowed it.
    decision_maker_grade: DecisionMakerGrade | None = None
    decision_maker_grade_other: str | None = Field(default=None, max_length=200)
    rules_policy_version: int | None = Field(default=None, ge=1)
    # The public sector equality duty record (required for an approval since coded reasons).
    equality: EqualityRecord | None = None
    # The decision this one replaces after an escalation or challenge reopened the case.
    supersedes_decision: DecisionId | None = None
    # An approval's project type (a task list of ``project_templates``). Approvals stored
    # before it was chosen read None: academy transfer if the schools were in a trust, else
    # conversion, as their projects were opened.
    project_type: ProjectType | None = None

    @model_validator(mode="after")
    def _approval_has_trust_and_date(self) -> DecisionRecorded:
        approved = self.outcome in ("approved", "approved_with_conditions")
        if approved and (self.trust_uid is None or self.significant_date is None):
            raise ValueError("an approval names the trust and the significant date")
        if self.project_type is not None and not approved:
            raise ValueError("only an approval opens a project")
        if self.significant_date is not None and self.significant_date.day != 1:
            raise ValueError("a significant date is the 1st of a month")
        if self.outcome == "approved_with_conditions" and not self.conditions:
            raise ValueError("an approval with conditions lists them")
        return self


@contracts.register
class DecisionConditionMet(EventContract):
    """A condition of an approval (numbered from 1 in its decision's order) was met."""

    type_name = "commissioning.DecisionConditionMet"
    case_id: CaseId
    decision_id: DecisionId
    condition: int = Field(ge=1, le=50)
    evidence: str = Field(min_length=1, max_length=4000)
    document_reference: str | None = Field(default=None, max_length=500)
    met_on: date


@contracts.register
class DecisionConditionWaived(EventContract):
    """A condition of an approval was waived, for a reason."""

    type_name = "commissioning.DecisionConditionWaived"
    case_id: CaseId
    decision_id: DecisionId
    condition: int = Field(ge=1, le=50)
    reason: str = Field(min_length=1, max_length=4000)
    waived_on: date


@contracts.register
class DecisionChallenged(EventContract):
    """A decision was escalated or challenged to another region's director or a minister:
    the case is open for decision again, by that person alone, and the next decision
    supersedes this one (which stays in the record)."""

    type_name = "commissioning.DecisionChallenged"
    case_id: CaseId
    decision_id: DecisionId
    kind: ChallengeKind
    capacity: ReferralCapacity
    referred_to: Subject
    to_region_code: RegionCode | None = None
    reason: str = Field(min_length=1, max_length=4000)
    challenged_on: date

    @model_validator(mode="after")
    def _director_has_region(self) -> DecisionChallenged:
        if self.capacity == "another_regional_director" and self.to_region_code is None:
            raise ValueError("an escalation to another regional director names their region")
        return self


@contracts.register
class TransferApproved(EventContract):
    """Instruction to the registry: these schools move to this trust on the significant date.

    Written with the approving ``DecisionRecorded``, in the same append. ``kind`` is
    ``conversion`` when the schools are not yet in any trust (they join), ``transfer`` when
    they move from one trust to another; the registry decides per school from what it knows
    on the day.
    """

    type_name = "commissioning.TransferApproved"
    case_id: CaseId
    decision_id: DecisionId
    urns: list[Urn] = Field(min_length=1)
    to_trust_uid: GroupUid
    significant_date: date
    kind: Literal["transfer", "conversion"]
    # True since transfer projects: the registry waits for the project's authority to
    # proceed (``AuthorityToProceedRecorded``) and its confirmed date. Approvals stored
    # before projects read False and are applied on their significant date, as they were.
    needs_authority_to_proceed: bool = False


@contracts.register
class SignificantDateChanged(EventContract):
    """The date an approved transfer takes effect moved; the registry reschedules."""

    type_name = "commissioning.SignificantDateChanged"
    case_id: CaseId
    decision_id: DecisionId
    previous_date: date
    significant_date: date
    reason: str = Field(min_length=1, max_length=4000)

    @model_validator(mode="after")
    def _first_of_month(self) -> SignificantDateChanged:
        if self.significant_date.day != 1:
            raise ValueError("a significant date is the 1st of a month")
        return self


@contracts.register
class CaseCompleted(EventContract):
    """Every school of the case is now run by the chosen trust."""

    type_name = "commissioning.CaseCompleted"
    case_id: CaseId
    decision_id: DecisionId
    completed_on: date


@contracts.register
class CaseClosed(EventContract):
    """The case was closed without (further) transfer; any pending transfer is cancelled."""

    type_name = "commissioning.CaseClosed"
    case_id: CaseId
    closed_on: date
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class CaseReferred(EventContract):
    """The decision on a case was referred to a named person outside its region's usual
    decision makers: another region's director, or a minister. From now on that person
    alone may decide it (who may do what is the authority table's ``referral`` column)."""

    type_name = "commissioning.CaseReferred"
    case_id: CaseId
    capacity: ReferralCapacity
    referred_to: Subject
    # The region whose director now decides it (another_regional_director); None: a minister.
    to_region_code: RegionCode | None = None
    reason_category: ReferralReason
    reason: str = Field(min_length=1, max_length=4000)
    referred_on: date

    @model_validator(mode="after")
    def _director_has_region(self) -> CaseReferred:
        if self.capacity == "another_regional_director" and self.to_region_code is None:
            raise ValueError("a referral to another regional director names their region")
        return self


@contracts.register
class AssessmentRequested(EventContract):
    """A caseworker asks for an assessment of a shortlisted trust, for this case; the
    assessment service opens a draft assessment for it (``request_id`` links the two)."""

    type_name = "commissioning.AssessmentRequested"
    case_id: CaseId
    request_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    trust_uid: GroupUid
    reason: str = Field(min_length=1, max_length=4000)
    # The assessment service's framework to assess against (its id, as that service names it).
    framework_id: str = Field(min_length=1, max_length=64)
    requested_on: date


# --------------------------------------------------------------------------- policy


@contracts.register
class PolicyVersionPublished(PolicyVersionFields):
    """A version of one of the commissioning's policies (shared/contracts/policy.py)."""

    type_name = "commissioning.PolicyVersionPublished"


# Which events each stream category holds: the subject each is published on (asyncapi.json).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "case": (
        CaseOpened,
        CaseCriteriaSet,
        CaseConstraintsSet,
        CaseShortlisted,
        AdvisoryBoardScheduled,
        DecisionRecorded,
        TransferApproved,
        SignificantDateChanged,
        CaseCompleted,
        CaseClosed,
        CaseReferred,
        DecisionConditionMet,
        DecisionConditionWaived,
        DecisionChallenged,
        AssessmentRequested,
    ),
    policy_category("commissioning"): (PolicyVersionPublished,),
    **interventions.CATEGORY_EVENTS,
    **concerns.CATEGORY_EVENTS,
    **delegations.CATEGORY_EVENTS,
    **projects.CATEGORY_EVENTS,
    **boards.CATEGORY_EVENTS,
    **significant_changes.CATEGORY_EVENTS,
}
