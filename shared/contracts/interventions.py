"""Commissioning's events of intervention: notices against trusts (stream
``intervention-{id}``), intervention in a school in a category of concern (stream
``school_intervention-{id}``) and whole-trust intervention (stream
``trust_intervention-{id}``), step by step as the ``intervention`` policy allows.

They are commissioning's events (its ``contracts`` take these in, and it alone appends to
these categories), kept apart from its cases: an intervention may open a case, but it has a
life, and deadlines, of its own.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from shared.contracts.identifiers import CaseId, GroupUid, Urn
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

InterventionId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
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
PolicyCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
# An id of a document or record a decision rested on.
EvidenceRef = Annotated[str, Field(min_length=1, max_length=200)]
# An intervention in one of these statuses no longer counts against its trust.
INACTIVE_INTERVENTION_STATUSES: frozenset[str] = frozenset({"lifted", "closed", "cancelled"})


# --------------------------------------------------------------------------- interventions


@contracts.register
class InterventionIssued(EventContract):
    """A notice or letter against a trust, or against one of its academies, under the
    ``intervention`` policy version in force on the day it was issued (its ``notices``)."""

    type_name = "commissioning.InterventionIssued"
    version = 3
    intervention_id: InterventionId
    kind: InterventionKind
    trust_uid: GroupUid
    urn: Urn | None = None
    status: InterventionStatus
    issued_on: date
    grounds: str = Field(min_length=1, max_length=8000)
    conditions: list[str] = Field(default_factory=list)
    # A termination warning notice gives the trust its policy's working days to respond.
    response_due_on: date | None = None
    escalated_from: InterventionId | None = None
    published: bool = True
    # None: recorded before notices followed a policy version (the fixed rules of 2023).
    policy_version: int | None = Field(default=None, ge=1)
    # A notice to improve's next review, from its policy's review interval.
    review_due_on: date | None = None
    # Who decided to issue it and their grade, which the version's notice rule must name
    # (required since version 3; None on notices recorded before without them).
    decided_by: str | None = Field(default=None, min_length=1, max_length=200)
    decider_grade: PolicyCode | None = None
    # What the decision rested on (documents, board notes), as school interventions cite it.
    evidence_ids: list[EvidenceRef] = Field(default_factory=list, max_length=50)


@contracts.register
class InterventionStatusChanged(EventContract):
    """An intervention moved to a new status."""

    type_name = "commissioning.InterventionStatusChanged"
    version = 3
    intervention_id: InterventionId
    trust_uid: GroupUid
    previous_status: InterventionStatus
    status: InterventionStatus
    effective_on: date
    # Set when a termination warning notice prepared earlier is issued: its working days
    # run from the day it is issued, not the day it was prepared.
    response_due_on: date | None = None
    # The policy version the notice follows (the one in force when it was issued).
    policy_version: int | None = Field(default=None, ge=1)
    # A notice to improve still active: its next review counts from this change.
    review_due_on: date | None = None
    # Who decided the move, their grade (one the notice's version names for its kind), why,
    # and on what evidence; None on changes recorded before version 3 asked for them.
    decided_by: str | None = Field(default=None, min_length=1, max_length=200)
    decider_grade: PolicyCode | None = None
    reason: str | None = Field(default=None, min_length=1, max_length=4000)
    evidence_ids: list[EvidenceRef] = Field(default_factory=list, max_length=50)


@contracts.upcaster(InterventionIssued.type_name, 1)
def _issued_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 followed the ladder fixed in code: no policy version, no NTI review."""
    return {**data, "policy_version": None, "review_due_on": None}


@contracts.upcaster(InterventionStatusChanged.type_name, 1)
def _status_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 followed the ladder fixed in code: no policy version, no NTI review."""
    return {**data, "policy_version": None, "review_due_on": None}


@contracts.upcaster(InterventionIssued.type_name, 2)
def _issued_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 named its decider only where one was given, and cited no evidence."""
    return {"decided_by": None, "decider_grade": None, **data, "evidence_ids": []}


@contracts.upcaster(InterventionStatusChanged.type_name, 2)
def _status_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 recorded no decider, reason or evidence on the event (the reason, if any,
    is in its metadata)."""
    return {
        **data,
        "decided_by": None,
        "decider_grade": None,
        "reason": None,
        "evidence_ids": [],
    }


# ------------------------------------------------------------ school interventions
# Stream ``school_intervention-{intervention_id}``. The steps are the ``intervention``
# policy's data (a change in the law is a new policy version, not a new event type), so one
# contract records every step, with the version it followed.

SchoolKind = Literal["maintained", "academy", "trust"]
# As the registry records Ofsted's categories ("serious weaknesses" reads as the latter).
CategoryOfConcern = Literal["special_measures", "requires_significant_improvement"]


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


# ------------------------------------------------------------- trust interventions
# Stream ``trust_intervention-{intervention_id}``: the whole trust, after a breach of its
# academy arrangements (a direction, Education Act 1996 s.497C) or a trust inspection that
# found it failing. The steps are the policy's ``trust_pathways`` data.

TrustInterventionTrigger = Literal["breach_of_academy_arrangements", "trust_inspection_failing"]


@contracts.register
class TrustInterventionOpened(EventContract):
    """A case team began intervention in a whole trust, on the pathway the policy version in
    force gives its trigger; after a trust inspection, naming the inspection and the
    outcomes that met the version's failing rule (as commissioning knew them)."""

    type_name = "commissioning.TrustInterventionOpened"
    intervention_id: InterventionId
    trust_uid: GroupUid
    trigger: TrustInterventionTrigger
    trust_inspection_id: str | None = Field(default=None, min_length=1, max_length=100)
    # area -> Ofsted's words, for the inspection named (empty otherwise).
    inspection_outcomes: dict[str, str] = Field(default_factory=dict)
    opened_on: date
    policy_version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=4000)
    evidence_ids: list[EvidenceRef] = Field(default_factory=list, max_length=50)


@contracts.register
class TrustInterventionStepTaken(EventContract):
    """A step of the whole-trust pathway was decided: by whom, at what grade, why, on what
    evidence, under which policy version; a notice's response date and the one case a
    termination notice opened for the trust's open academies (``urns``)."""

    type_name = "commissioning.TrustInterventionStepTaken"
    intervention_id: InterventionId
    trust_uid: GroupUid
    step: PolicyCode
    policy_version: int = Field(ge=1)
    decided_on: date
    decided_by: str = Field(min_length=1, max_length=200)
    decider_grade: PolicyCode
    reason: str = Field(min_length=1, max_length=4000)
    evidence_ids: list[EvidenceRef] = Field(default_factory=list, max_length=50)
    response_due_on: date | None = None
    case_id: CaseId | None = None
    urns: list[Urn] = Field(default_factory=list)


# Which events each of these stream categories holds (see shared/contracts/commissioning.py).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "intervention": (InterventionIssued, InterventionStatusChanged),
    "school_intervention": (SchoolInterventionOpened, SchoolInterventionStepTaken),
    "trust_intervention": (TrustInterventionOpened, TrustInterventionStepTaken),
}
