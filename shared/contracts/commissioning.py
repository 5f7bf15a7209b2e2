"""Events the commissioning service publishes: cases, decisions, transfers, interventions.

Streams: ``case-{case_id}`` holds one case's whole life, including its decisions, any
referral of it and the ``TransferApproved`` the registry acts on;
``intervention-{intervention_id}`` holds one intervention (a notice and its statuses);
``school_intervention-{intervention_id}`` holds one school's intervention in a category of
concern, step by step as the ``intervention`` policy allows;
``delegation-{delegation_id}`` holds one delegation of a step (granted, used, revoked);
``project-{project_id}`` one transfer or conversion project (its id is the approving
decision's), from opening to the actual transfer date. Who did each step is the event's
``actor``; the
decision itself names its decision maker in the data, because that is part of the record
the law asks for, not just who typed it in.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, model_validator

from shared.contracts.identifiers import GroupUid, Key, Urn
from shared.contracts.policy import PolicyVersionFields, policy_category
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

# The stream categories only commissioning appends to (see shared/ownership.py).
STREAM_CATEGORIES: frozenset[str] = frozenset(
    {
        "case",
        "intervention",
        "school_intervention",
        "delegation",
        "project",
        "board",
        "significant_change",
        policy_category("commissioning"),
    }
)

CaseId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
DecisionId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
InterventionId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
DelegationId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
RegionCode = Annotated[str, Field(pattern=r"^[A-Z]$", description="GOR region code, e.g. H")]
# A person as a token names them (its ``sub``): whom a case is referred or a step delegated to.
Subject = Annotated[str, Field(min_length=1, max_length=200)]
StepName = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$", max_length=120)
]
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
# The decision maker's grade (DOMAIN.md); ``other`` names it in text. Which grade may decide
# which outcome is the ``decision_makers`` policy's to say.
DecisionMakerGrade = Literal[
    "minister",
    "director_general",
    "regional_director",
    "deputy_director",
    "grade_6",
    "other",
]
# Who a decided case is escalated or challenged to: as a referral, to a named person.
ChallengeKind = Literal["escalation", "challenge"]
InterventionKind = Literal[
    "nti_warning_letter", "notice_to_improve", "termination_warning_notice", "termination_notice"
]
InterventionStatus = Literal[
    "preparing",
    "issued",
    "progress_on_track",
    "evidence_of_non_compliance",
    "serious_breaches",
    "submission_to_lift",
    "lifted",
    "closed",
    "cancelled",
]
# Who a case may be referred to, away from its own region's director (DOMAIN.md).
ReferralCapacity = Literal["another_regional_director", "minister"]
ReferralReason = Literal["conflict_of_interest", "cross_border", "ministerial_interest", "other"]
# An intervention in one of these statuses no longer counts against its trust.
INACTIVE_INTERVENTION_STATUSES: frozenset[str] = frozenset({"lifted", "closed", "cancelled"})


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Weights are strict floats: JSON true is not a weight of 1. Stored events are unaffected:
# the log wrote them from these models' own dumps, so their weights are numbers already.
class PillarWeight(_Value):
    """How much one pillar (optionally narrowed to some themes) counts in this case."""

    pillar: Key
    weight: StrictFloat = Field(gt=0, le=10)
    themes: list[Key] = Field(default_factory=list)


class EqualityRecord(_Value):
    """The public sector equality duty, as the decision considered it."""

    likely_impact: str = Field(min_length=1, max_length=4000)
    mitigation: str = Field(min_length=1, max_length=4000)


class FactorWeights(_Value):
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

    @model_validator(mode="after")
    def _approval_has_trust_and_date(self) -> DecisionRecorded:
        approved = self.outcome in ("approved", "approved_with_conditions")
        if approved and (self.trust_uid is None or self.significant_date is None):
            raise ValueError("an approval names the trust and the significant date")
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


# --------------------------------------------------------------------------- delegations


@contracts.register
class DelegationGranted(EventContract):
    """A step (a kind of decision) delegated in a region to a named person for a period.

    The grantor's roles and scopes are kept with it: the delegation stands only while the
    authority table in force would let them take the step there themselves.
    """

    type_name = "commissioning.DelegationGranted"
    delegation_id: DelegationId
    step: StepName
    region_code: RegionCode
    delegate: Subject
    grantor: Subject
    grantor_roles: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(max_length=20)
    grantor_scopes: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(max_length=300)
    starts_on: date
    ends_on: date
    reason: str = Field(min_length=1, max_length=4000)

    @model_validator(mode="after")
    def _period(self) -> DelegationGranted:
        if self.ends_on < self.starts_on:
            raise ValueError("a delegation ends on or after the day it starts")
        return self


@contracts.register
class DelegationUsed(EventContract):
    """A delegate took a delegated step on a case under this delegation, appended with the
    step itself, so a revocation and a use cannot cross unseen."""

    type_name = "commissioning.DelegationUsed"
    delegation_id: DelegationId
    step: StepName
    case_id: CaseId
    used_on: date


@contracts.register
class DelegationRevoked(EventContract):
    """A delegation ended before its time; it is not in force from the day it is revoked."""

    type_name = "commissioning.DelegationRevoked"
    delegation_id: DelegationId
    revoked_on: date
    reason: str = Field(min_length=1, max_length=4000)


# --------------------------------------------------------------------------- interventions


@contracts.register
class InterventionIssued(EventContract):
    """A notice or letter against a trust, or against one of its academies."""

    type_name = "commissioning.InterventionIssued"
    intervention_id: InterventionId
    kind: InterventionKind
    trust_uid: GroupUid
    urn: Urn | None = None
    status: InterventionStatus
    issued_on: date
    grounds: str = Field(min_length=1, max_length=8000)
    conditions: list[str] = Field(default_factory=list)
    # A termination warning notice gives the trust 15 working days to respond.
    response_due_on: date | None = None
    escalated_from: InterventionId | None = None
    published: bool = True


@contracts.register
class InterventionStatusChanged(EventContract):
    """An intervention moved to a new status."""

    type_name = "commissioning.InterventionStatusChanged"
    intervention_id: InterventionId
    trust_uid: GroupUid
    previous_status: InterventionStatus
    status: InterventionStatus
    effective_on: date
    # Set when a termination warning notice prepared earlier is issued: its 15 working days
    # run from the day it is issued, not the day it was prepared.
    response_due_on: date | None = None


# ------------------------------------------------------------ school interventions
# Stream ``school_intervention-{intervention_id}``. The steps are the ``intervention``
# policy's data (a change in the law is a new policy version, not a new event type), so one
# contract records every step, with the version it followed.

SchoolKind = Literal["maintained", "academy", "trust"]
# As the registry records Ofsted's categories ("serious weaknesses" reads as the latter).
CategoryOfConcern = Literal["special_measures", "requires_significant_improvement"]
PolicyCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
EvidenceRef = Annotated[str, Field(min_length=1, max_length=200)]


@contracts.register
class SchoolInterventionOpened(EventContract):
    """A case team began intervention in a school (or trust) in a category of concern,
    on the pathway the policy version in force gives its category and kind."""

    type_name = "commissioning.SchoolInterventionOpened"
    intervention_id: InterventionId
    urn: Urn
    trust_uid: GroupUid | None = None
    school_kind: SchoolKind
    category_of_concern: CategoryOfConcern
    inspection_start: date | None = None
    opened_on: date
    policy_version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=4000)
    evidence_ids: list[EvidenceRef] = Field(default_factory=list, max_length=50)


@contracts.register
class SchoolInterventionStepTaken(EventContract):
    """A step of the pathway was decided: by whom, at what grade, why, on what evidence,
    under which policy version; with what the step carries (a coded reason, a RISE window,
    an outcome, a notice's response date, the case it opened)."""

    type_name = "commissioning.SchoolInterventionStepTaken"
    intervention_id: InterventionId
    urn: Urn
    step: PolicyCode
    policy_version: int = Field(ge=1)
    decided_on: date
    decided_by: str = Field(min_length=1, max_length=200)
    decider_grade: PolicyCode
    reason: str = Field(min_length=1, max_length=4000)
    evidence_ids: list[EvidenceRef] = Field(default_factory=list, max_length=50)
    reason_code: PolicyCode | None = None
    reason_text: str | None = Field(default=None, max_length=4000)
    outcome: PolicyCode | None = None
    rise_adviser: str | None = Field(default=None, max_length=200)
    rise_supporting_organisation: str | None = Field(default=None, max_length=300)
    rise_window_start: date | None = None
    rise_window_end: date | None = None
    response_due_on: date | None = None
    case_id: CaseId | None = None


# --------------------------------------------------------------------------- policy


# --------------------------------------------------------------------------- projects

ProjectId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="the approval's id")]
ProjectType = Literal["academy_transfer", "conversion", "form_a_new_trust", "trust_merger"]


class ProjectTask(_Value):
    """One task of a project's list, from its type's template."""

    key: Key
    title: str = Field(min_length=1, max_length=300)
    mandatory: StrictBool


@contracts.register
class ProjectOpened(EventContract):
    """An approval opened a transfer or conversion project, with a provisional date and the
    task list of its type's template (the version followed)."""

    type_name = "commissioning.ProjectOpened"
    project_id: ProjectId
    case_id: CaseId
    decision_id: DecisionId
    project_type: ProjectType
    urns: list[Urn] = Field(min_length=1)
    to_trust_uid: GroupUid
    provisional_date: date
    tasks: list[ProjectTask] = Field(max_length=100)
    template_version: int = Field(ge=1)
    region_code: RegionCode | None = None
    la_codes: list[str] = Field(default_factory=list)
    opened_on: date


@contracts.register
class ProjectDateConfirmed(EventContract):
    """The project's significant date is confirmed (no longer provisional)."""

    type_name = "commissioning.ProjectDateConfirmed"
    project_id: ProjectId
    significant_date: date
    confirmed_on: date


@contracts.register
class ProjectDateChanged(EventContract):
    """The project's significant date moved, for a coded reason (``date_change_reasons``)."""

    type_name = "commissioning.ProjectDateChanged"
    project_id: ProjectId
    previous_date: date
    significant_date: date
    reason_code: Key
    reasons_policy_version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=4000)
    changed_on: date


@contracts.register
class ProjectTaskCompleted(EventContract):
    """A task of the project is done: by whom is the event's actor."""

    type_name = "commissioning.ProjectTaskCompleted"
    project_id: ProjectId
    task: Key
    completed_on: date
    document_reference: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=4000)


@contracts.register
class AuthorityToProceedRecorded(EventContract):
    """Every condition is met or waived and every mandatory task done: the registry may
    move the schools on the confirmed significant date."""

    type_name = "commissioning.AuthorityToProceedRecorded"
    project_id: ProjectId
    case_id: CaseId
    decision_id: DecisionId
    urns: list[Urn] = Field(min_length=1)
    to_trust_uid: GroupUid
    significant_date: date
    kind: Literal["transfer", "conversion"]
    recorded_on: date


@contracts.register
class ProjectHandedOver(EventContract):
    """The project was handed to the team that carries it out."""

    type_name = "commissioning.ProjectHandedOver"
    project_id: ProjectId
    to_team: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=4000)
    handed_over_on: date


@contracts.register
class TransferDateConfirmed(EventContract):
    """After the schools moved, the actual transfer date is confirmed; the date is final."""

    type_name = "commissioning.TransferDateConfirmed"
    project_id: ProjectId
    actual_date: date
    confirmed_on: date


# --------------------------------------------------------------------------- boards

BoardId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
# DOMAIN.md: a board's members are elected headteachers, appointed or co-opted.
BoardMemberKind = Literal["elected_head", "appointed", "co_opted"]


@contracts.register
class AdvisoryBoardPlanned(EventContract):
    """An advisory board for a region meets on this date (stream ``board-{board_id}``)."""

    type_name = "commissioning.AdvisoryBoardPlanned"
    board_id: BoardId
    region_code: RegionCode
    board_date: date
    title: str = Field(min_length=1, max_length=300)


@contracts.register
class BoardMemberAppointed(EventContract):
    """A person sits on the board: their name, the token subject they act as, their kind."""

    type_name = "commissioning.BoardMemberAppointed"
    board_id: BoardId
    subject: Subject
    name: str = Field(min_length=1, max_length=200)
    kind: BoardMemberKind


@contracts.register
class BoardInterestDeclared(EventContract):
    """A member's declared interest in a trust or a school, from a day (to a day), as the
    register of interests (``source``) records it."""

    type_name = "commissioning.BoardInterestDeclared"
    board_id: BoardId
    subject: Subject
    trust_uid: GroupUid | None = None
    urn: Urn | None = None
    interest: str = Field(min_length=1, max_length=2000)
    from_date: date
    to_date: date | None = None
    source: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one_party(self) -> BoardInterestDeclared:
        if (self.trust_uid is None) == (self.urn is None):
            raise ValueError("an interest names either a trust_uid or a urn")
        return self


@contracts.register
class CasePutOnBoardAgenda(EventContract):
    """A case goes on the board's agenda."""

    type_name = "commissioning.CasePutOnBoardAgenda"
    board_id: BoardId
    case_id: CaseId


@contracts.register
class BoardAgendaPublished(EventContract):
    """The board's agenda is published (it was a draft until now)."""

    type_name = "commissioning.BoardAgendaPublished"
    board_id: BoardId
    published_on: date


@contracts.register
class BoardNotesRecorded(EventContract):
    """The board's notes, in draft or published (once the schools and trusts affected have
    been told)."""

    type_name = "commissioning.BoardNotesRecorded"
    board_id: BoardId
    notes: str = Field(min_length=1, max_length=20000)
    published: StrictBool
    recorded_on: date


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


# --------------------------------------------------------------------------- significant change

SignificantChangeId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
# Kinds of significant change to an academy (DOMAIN.md's summary of DfE's April 2024 guidance:
# *unverified*; ``other`` names it in the description).
SignificantChangeType = Literal[
    "age_range",
    "capacity",
    "closure_by_agreement",
    "sixth_form",
    "resourced_provision",
    "amalgamation",
    "other",
]
SignificantChangeOutcome = Literal[
    "approved", "approved_with_conditions", "declined", "deferred", "withdrawn"
]


@contracts.register
class SignificantChangeProposed(EventContract):
    """A trust proposes a significant change to one of its academies (stream
    ``significant_change-{id}``): its type, tier (as the guidance names it, kept as given) and
    consultation period."""

    type_name = "commissioning.SignificantChangeProposed"
    significant_change_id: SignificantChangeId
    urn: Urn
    trust_uid: GroupUid
    change_type: SignificantChangeType
    tier: Key
    description: str = Field(min_length=1, max_length=4000)
    consultation_start: date
    consultation_end: date
    proposed_on: date


@contracts.register
class SignificantChangeObjectionRecorded(EventContract):
    """An objection to the change, from whom (as they gave it), and when it was received."""

    type_name = "commissioning.SignificantChangeObjectionRecorded"
    significant_change_id: SignificantChangeId
    objector: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=4000)
    received_on: date


@contracts.register
class SignificantChangeDecided(EventContract):
    """The decision on the change, with reasons and, for an approval, the equality duty."""

    type_name = "commissioning.SignificantChangeDecided"
    significant_change_id: SignificantChangeId
    outcome: SignificantChangeOutcome
    reasons: str = Field(min_length=1, max_length=8000)
    conditions: list[str] = Field(default_factory=list)
    decision_maker_name: str = Field(min_length=1, max_length=200)
    decision_maker_grade: DecisionMakerGrade
    equality: EqualityRecord | None = None
    objections_considered: int = Field(ge=0)
    decided_on: date


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
    "intervention": (InterventionIssued, InterventionStatusChanged),
    "school_intervention": (SchoolInterventionOpened, SchoolInterventionStepTaken),
    "delegation": (DelegationGranted, DelegationUsed, DelegationRevoked),
    "project": (
        ProjectOpened,
        ProjectDateConfirmed,
        ProjectDateChanged,
        ProjectTaskCompleted,
        AuthorityToProceedRecorded,
        ProjectHandedOver,
        TransferDateConfirmed,
    ),
    "board": (
        AdvisoryBoardPlanned,
        BoardMemberAppointed,
        BoardInterestDeclared,
        CasePutOnBoardAgenda,
        BoardAgendaPublished,
        BoardNotesRecorded,
    ),
    "significant_change": (
        SignificantChangeProposed,
        SignificantChangeObjectionRecorded,
        SignificantChangeDecided,
    ),
    policy_category("commissioning"): (PolicyVersionPublished,),
}
