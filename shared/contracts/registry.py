"""Events the registry publishes: schools, academy trusts, who runs which school, Ofsted.

Streams: ``school-{urn}`` holds a school's details, its trust memberships and its
inspections, so one stream is one school's whole history; ``trust-{uid}`` holds a trust's
details and Ofsted's inspections of it (``trust_inspections.py``); ``gias_import-{id}`` and
``ofsted_import-{id}`` hold each import's report (a trust-inspection file's too), and
``feed-{feed}`` (``feed-gias``, ``feed-ofsted``) every scheduled pull of that feed: what it
found, what it held back or applied, and who released or discarded a held snapshot.
Dates here are the dates things happened in the world (a snapshot, a joined date, a close
date); when the log recorded them is the event's own ``recorded_at``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from shared.contracts import feeds, trust_inspections
from shared.contracts.feeds import (
    FeedChecked,
    FeedFetchFailed,
    FeedSnapshotAccepted,
    FeedSnapshotApplied,
    FeedSnapshotDiscarded,
    FeedSnapshotFailed,
    FeedSnapshotHeld,
    FeedSnapshotReleased,
    FeedSnapshotUnusable,
    GiasImportCompleted,
    GiasImportFailed,
    GiasImportStarted,
    OfstedImportCompleted,
)
from shared.contracts.identifiers import GroupUid, LaCode, Urn
from shared.contracts.policy import PolicyVersionFields, policy_category
from shared.contracts.values import Value
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()
# The scheduled pulls' events are the registry's too, declared in a module of their own.
contracts.merge(feeds.contracts)
# Ofsted's inspections of trusts too (``trust_inspections.py``), on the trusts' own streams.
contracts.merge(trust_inspections.contracts)

# The stream categories only the registry appends to (see shared/ownership.py).
STREAM_CATEGORIES: frozenset[str] = frozenset(
    {
        "school",
        "trust",
        "transfer",
        "gias_import",
        "ofsted_import",
        "feed",
        policy_category("registry"),
    }
)

# Read models in every service store UIDs as PostgreSQL integers: a larger UID that got into
# the log would stop each projection that meets it, for good (found by fuzzing the APIs).

TrustType = Literal["multi_academy_trust", "single_academy_trust", "secure_single_academy_trust"]
JoinReason = Literal[
    "conversion",  # a maintained school became an academy in this trust
    "sponsorship",  # a sponsored academy opened in this trust
    "free_school",  # a new free school opened in this trust
    "transfer",  # moved from another trust by a commissioning decision
    "reported_by_gias",  # seen in a GIAS snapshot with no better reason known
    "registered",  # recorded through the registry's own API
]
LeaveReason = Literal[
    "trust_closure",  # the trust closed
    "school_closed",  # the school closed
    "transfer",  # moved to another trust
    "reported_by_gias",  # gone from the links in a GIAS snapshot
]


class SchoolDetails(Value):
    """What GIAS says about an establishment, minus its trust membership."""

    name: str = Field(min_length=1, max_length=300)
    la_code: LaCode
    la_name: str
    laestab: str | None = Field(default=None, pattern=r"^[0-9]{7}$")
    type_code: str | None = None
    type_name: str | None = None
    type_group_code: str | None = None
    type_group_name: str | None = None
    status: str
    phase: str | None = None
    statutory_low_age: int | None = Field(default=None, ge=0, le=99)
    statutory_high_age: int | None = Field(default=None, ge=0, le=99)
    religious_character: str | None = None
    diocese: str | None = None
    pupils: int | None = Field(default=None, ge=0)
    capacity: int | None = Field(default=None, ge=0)
    fsm_percent: float | None = Field(default=None, ge=0, le=100)
    street: str | None = None
    locality: str | None = None
    address3: str | None = None
    town: str | None = None
    county: str | None = None
    postcode: str | None = None
    easting: int | None = Field(default=None, ge=0, le=800_000)
    northing: int | None = Field(default=None, ge=0, le=1_300_000)
    region_code: str | None = None
    region_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    constituency_code: str | None = None
    constituency_name: str | None = None
    open_date: date | None = None
    open_reason: str | None = None
    close_date: date | None = None
    close_reason: str | None = None
    ukprn: str | None = Field(default=None, pattern=r"^1[0-9]{7}$")


class TrustDetails(Value):
    """What GIAS says about an academy trust."""

    trn: str | None = Field(default=None, pattern=r"^TR[0-9]{5}$")
    name: str = Field(min_length=1, max_length=300)
    companies_house_number: str | None = Field(default=None, pattern=r"^[0-9A-Z]{8}$")
    trust_type: TrustType
    status: str
    incorporated_on: date | None = None
    closed_on: date | None = None
    street: str | None = None
    locality: str | None = None
    address3: str | None = None
    town: str | None = None
    county: str | None = None
    postcode: str | None = None
    ukprn: str | None = Field(default=None, pattern=r"^1[0-9]{7}$")


class FieldChange(Value):
    """One field's value before and after."""

    field: str
    old: Any = None
    new: Any = None


# --------------------------------------------------------------------------- schools


@contracts.register
class SchoolRegistered(EventContract):
    """A school is on the register for the first time."""

    type_name = "registry.SchoolRegistered"
    urn: Urn
    details: SchoolDetails
    effective_on: date


@contracts.register
class SchoolDetailsChanged(EventContract):
    """Some of a school's details changed; only the changed fields, old and new."""

    type_name = "registry.SchoolDetailsChanged"
    urn: Urn
    changes: list[FieldChange] = Field(min_length=1)
    effective_on: date


@contracts.register
class SchoolClosed(EventContract):
    """A school closed."""

    type_name = "registry.SchoolClosed"
    urn: Urn
    closed_on: date
    reason: str | None = None


@contracts.register
class SchoolLinkedToPredecessor(EventContract):
    """A school took over from an earlier establishment (conversion, fresh start, merger)."""

    type_name = "registry.SchoolLinkedToPredecessor"
    urn: Urn
    predecessor_urn: Urn
    link_type: str
    established_on: date | None = None


@contracts.register
class SchoolJoinedTrust(EventContract):
    """A school came to be run by a trust."""

    type_name = "registry.SchoolJoinedTrust"
    urn: Urn
    trust_uid: GroupUid
    joined_on: date
    reason: JoinReason
    decision_reference: str | None = None


@contracts.register
class SchoolLeftTrust(EventContract):
    """A school stopped being run by a trust, and no other trust took it on."""

    type_name = "registry.SchoolLeftTrust"
    urn: Urn
    trust_uid: GroupUid
    left_on: date
    reason: LeaveReason


@contracts.register
class SchoolTransferred(EventContract):
    """A school moved from one trust to another."""

    type_name = "registry.SchoolTransferred"
    urn: Urn
    from_trust_uid: GroupUid
    to_trust_uid: GroupUid
    effective_on: date
    decision_reference: str | None = None
    reason: Literal["commissioning_decision", "reported_by_gias"]


OfstedGrade = Literal["outstanding", "good", "requires_improvement", "inadequate"]
ReportCardGrade = Literal[
    "exceptional", "strong_standard", "expected_standard", "needs_attention", "urgent_improvement"
]
# The three eras of school inspection, each kept in its own terms, and ungraded inspections
# (section 8, monitoring), whose outcome is Ofsted's own words.
OfstedFramework = Literal["single_grade", "key_judgements", "report_card", "ungraded"]
# Key judgements (graded 1-4 like the overall grade): every single-grade inspection under the
# education inspection framework had them, and from September 2024 to 9 November 2025 they
# were all there was.
KeyJudgement = Literal[
    "quality_of_education",
    "behaviour_and_attitudes",
    "personal_development",
    "leadership_and_management",
    "early_years",
    "sixth_form",
]
# "Serious weaknesses" was renamed "requires significant improvement" (DfE, November 2024);
# the word the file used is kept in ``category_as_published``.
CategoryOfConcern = Literal["special_measures", "requires_significant_improvement"]


@contracts.register
class OfstedInspectionRecorded(EventContract):
    """An Ofsted inspection of a school, in the terms of its own era.

    ``framework`` says which: a single overall grade (to August 2024), key judgements with no
    overall grade (September 2024 to 9 November 2025), a report card (from 10 November 2025),
    or an ungraded inspection. The category of concern is the file's where it gave one
    (``category_basis`` "given"), otherwise derived by the registry's ``ofsted_categories``
    policy (``category_rule_version``, the version that read the grades, whichever way).
    """

    type_name = "registry.OfstedInspectionRecorded"
    version = 2
    urn: Urn
    framework: OfstedFramework
    inspection_start: date
    publication_date: date | None = None
    inspection_type: str | None = Field(default=None, max_length=200)
    overall_effectiveness: OfstedGrade | None = None
    key_judgements: dict[KeyJudgement, OfstedGrade] = Field(default_factory=dict)
    report_card: dict[str, ReportCardGrade] = Field(default_factory=dict)
    safeguarding_effective: bool | None = None
    ungraded_outcome: str | None = Field(default=None, max_length=500)
    category_of_concern: CategoryOfConcern | None = None
    category_as_published: str | None = Field(default=None, max_length=100)
    category_basis: Literal["given", "derived"] | None = None
    category_rule_version: int | None = Field(default=None, ge=1)


@contracts.upcaster(OfstedInspectionRecorded.type_name, 1)
def _ofsted_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept a single grade's category in the old words, always from the file."""
    out = dict(data)
    category = out.get("category_of_concern")
    if category is not None:
        out["category_as_published"] = category.replace("_", " ").capitalize()
        out["category_basis"] = "given"
        if category == "serious_weaknesses":
            out["category_of_concern"] = "requires_significant_improvement"
    return out


# --------------------------------------------------------------------------- trusts


@contracts.register
class TrustIncorporated(EventContract):
    """An academy trust is on the register for the first time."""

    type_name = "registry.TrustIncorporated"
    uid: GroupUid
    details: TrustDetails
    effective_on: date


@contracts.register
class TrustDetailsChanged(EventContract):
    """Some of a trust's details changed; only the changed fields, old and new."""

    type_name = "registry.TrustDetailsChanged"
    uid: GroupUid
    changes: list[FieldChange] = Field(min_length=1)
    effective_on: date


@contracts.register
class TrustClosed(EventContract):
    """A trust closed."""

    type_name = "registry.TrustClosed"
    uid: GroupUid
    closed_on: date


@contracts.register
class LocalAuthorityTrustEstablished(EventContract):
    """A local authority set up this trust (LA-established trusts are allowed from 2025)."""

    type_name = "registry.LocalAuthorityTrustEstablished"
    uid: GroupUid
    la_code: LaCode
    established_on: date


# --------------------------------------------------------------------------- transfers
# The registry's side of a commissioning decision, in stream ``transfer-{decision_id}``:
# it schedules each approved transfer, applies it on the significant date as
# ``SchoolTransferred`` / ``SchoolJoinedTrust`` in the school's own stream (decision_reference
# = the decision id, causation = the TransferApproved event), or refuses it here.


@contracts.register
class TransferScheduled(EventContract):
    """The registry accepted an approved transfer and will apply it on its significant date."""

    type_name = "registry.TransferScheduled"
    decision_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    case_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    urns: list[Urn] = Field(min_length=1)
    to_trust_uid: GroupUid
    significant_date: date


@contracts.register
class TransferRejected(EventContract):
    """The registry could not apply an approved transfer for one school, and why."""

    type_name = "registry.TransferRejected"
    decision_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    case_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    urn: Urn
    to_trust_uid: GroupUid
    significant_date: date
    reason_code: Literal[
        "school_closed", "school_unknown", "trust_closed", "trust_unknown", "already_in_trust"
    ]
    reason: str = Field(min_length=1, max_length=2000)


# --------------------------------------------------------------------------- policy


@contracts.register
class PolicyVersionPublished(PolicyVersionFields):
    """A version of one of the registry's policies (shared/contracts/policy.py)."""

    type_name = "registry.PolicyVersionPublished"


# Which events each stream category holds, so each is published on its category's subject
# (shared/publisher) and documented there (asyncapi.json). A test holds it to the contracts.
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "school": (
        SchoolRegistered,
        SchoolDetailsChanged,
        SchoolClosed,
        SchoolLinkedToPredecessor,
        SchoolJoinedTrust,
        SchoolLeftTrust,
        SchoolTransferred,
        OfstedInspectionRecorded,
    ),
    "trust": (
        TrustIncorporated,
        TrustDetailsChanged,
        TrustClosed,
        LocalAuthorityTrustEstablished,
        *trust_inspections.CATEGORY_EVENTS["trust"],
    ),
    "transfer": (TransferScheduled, TransferRejected),
    "gias_import": (GiasImportStarted, GiasImportFailed, GiasImportCompleted),
    "ofsted_import": (OfstedImportCompleted,),
    "feed": (
        FeedChecked,
        FeedFetchFailed,
        FeedSnapshotHeld,
        FeedSnapshotUnusable,
        FeedSnapshotAccepted,
        FeedSnapshotReleased,
        FeedSnapshotDiscarded,
        FeedSnapshotApplied,
        FeedSnapshotFailed,
    ),
    policy_category("registry"): (PolicyVersionPublished,),
}
