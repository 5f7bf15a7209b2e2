"""Events the registry publishes: schools, academy trusts, who runs which school, Ofsted.

Streams: ``school-{urn}`` holds a school's details, its trust memberships and its
inspections, so one stream is one school's whole history; ``trust-{uid}`` holds a trust's
details; ``gias_import-{id}`` and ``ofsted_import-{id}`` hold each import's report, and
``feed-{feed}`` (``feed-gias``, ``feed-ofsted``) every scheduled pull of that feed: what it
found, what it held back or applied, and who released or discarded a held snapshot.
Dates here are the dates things happened in the world (a snapshot, a joined date, a close
date); when the log recorded them is the event's own ``recorded_at``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.identifiers import GroupUid, LaCode, Urn
from shared.contracts.policy import PolicyVersionFields, policy_category
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

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


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SchoolDetails(_Value):
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


class TrustDetails(_Value):
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


class FieldChange(_Value):
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


# --------------------------------------------------------------------------- feeds


class RejectedRow(_Value):
    """A row a feed could not use: where it is and why."""

    file: str
    line: int
    column: str | None = None
    value: str | None = None
    reason: str


@contracts.register
class GiasImportStarted(EventContract):
    """Someone handed in a GIAS snapshot to apply (over HTTP; the CLI applies at once)."""

    type_name = "registry.GiasImportStarted"
    import_id: str
    files: dict[str, str]


@contracts.register
class GiasImportFailed(EventContract):
    """A GIAS snapshot could not be used at all; nothing from it was applied."""

    type_name = "registry.GiasImportFailed"
    import_id: str
    file: str
    reason: str


@contracts.register
class GiasImportCompleted(EventContract):
    """A GIAS snapshot was applied: what was read, what was written, what was refused."""

    type_name = "registry.GiasImportCompleted"
    import_id: str
    snapshot_date: date
    files: dict[str, str]
    rows_read: dict[str, int]
    events_written: int
    rejected: list[RejectedRow]


@contracts.register
class OfstedImportCompleted(EventContract):
    """An Ofsted management-information file was applied."""

    type_name = "registry.OfstedImportCompleted"
    import_id: str
    file: str
    rows_read: int
    events_written: int
    rejected: list[RejectedRow]


# --------------------------------------------------------------------------- policy


@contracts.register
class PolicyVersionPublished(PolicyVersionFields):
    """A version of one of the registry's policies (shared/contracts/policy.py)."""

    type_name = "registry.PolicyVersionPublished"


# --------------------------------------------------------------------- scheduled pulls
# Stream ``feed-{feed}``: one per feed, so its state (what was last seen, what is held, what
# is being applied) is a fold of one stream and concurrent writers meet its version.

FeedName = Literal["gias", "ofsted"]
RunId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="The pull's id (uuid4 hex)")]


class FetchedFile(_Value):
    """One file of a snapshot as it was fetched: where from, its size, digest and validators."""

    role: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    url: str = Field(min_length=1, max_length=2000)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    etag: str | None = Field(default=None, max_length=1000)
    last_modified: str | None = Field(default=None, max_length=100)


class SnapshotSummary(_Value):
    """What applying a snapshot would change: a count per kind of change and a few examples
    (URNs or UIDs) of each, beside the open schools and trusts the register held before."""

    counts: dict[str, int]
    samples: dict[str, list[int]]
    # What the drift guard measures shares against; None where it does not apply (Ofsted).
    open_schools_before: int | None = Field(default=None, ge=0)
    open_trusts_before: int | None = Field(default=None, ge=0)


@contracts.register
class FeedChecked(EventContract):
    """A pull found nothing new to apply: the newest set is one already seen, or none is published."""

    type_name = "registry.FeedChecked"
    feed: FeedName
    run_id: RunId
    outcome: Literal["unchanged", "nothing_published"]
    snapshot_date: date | None = None
    detail: str = Field(max_length=2000)


@contracts.register
class FeedFetchFailed(EventContract):
    """A pull could not fetch a file it needed, even after retrying; nothing was applied."""

    type_name = "registry.FeedFetchFailed"
    feed: FeedName
    run_id: RunId
    snapshot_date: date | None = None
    url: str | None = Field(default=None, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000)
    attempts: int = Field(ge=0)


@contracts.register
class FeedSnapshotHeld(EventContract):
    """A fetched snapshot was held back: it lacks a file, or would change more than the drift
    guard allows. It waits for a data-feed user to release or discard it."""

    type_name = "registry.FeedSnapshotHeld"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    files: list[FetchedFile]
    missing: list[str]
    reasons: list[str] = Field(min_length=1)
    summary: SnapshotSummary | None = None
    superseded_run_id: RunId | None = None


@contracts.register
class FeedSnapshotUnusable(EventContract):
    """A fetched file is not in the expected format: nothing from the snapshot was applied."""

    type_name = "registry.FeedSnapshotUnusable"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    files: list[FetchedFile]
    file: str = Field(max_length=300)
    reason: str = Field(min_length=1, max_length=2000)


@contracts.register
class FeedSnapshotAccepted(EventContract):
    """A fetched snapshot passed the drift guard and is being applied."""

    type_name = "registry.FeedSnapshotAccepted"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    files: list[FetchedFile]
    summary: SnapshotSummary | None = None
    superseded_run_id: RunId | None = None


@contracts.register
class FeedSnapshotReleased(EventContract):
    """A data-feed user released a held snapshot: it is applied as it is."""

    type_name = "registry.FeedSnapshotReleased"
    feed: FeedName
    run_id: RunId
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class FeedSnapshotDiscarded(EventContract):
    """A data-feed user discarded a held snapshot: it is never applied."""

    type_name = "registry.FeedSnapshotDiscarded"
    feed: FeedName
    run_id: RunId
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class FeedSnapshotApplied(EventContract):
    """An accepted or released snapshot was applied through the registry's importers."""

    type_name = "registry.FeedSnapshotApplied"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    import_ids: list[str]
    events_written: int = Field(ge=0)
    rows_rejected: int = Field(ge=0)


@contracts.register
class FeedSnapshotFailed(EventContract):
    """Applying an accepted or released snapshot failed part-way; the next pull tries again
    (imports write only what the log lacks, so nothing is applied twice)."""

    type_name = "registry.FeedSnapshotFailed"
    feed: FeedName
    run_id: RunId
    reason: str = Field(min_length=1, max_length=2000)


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
    "trust": (TrustIncorporated, TrustDetailsChanged, TrustClosed, LocalAuthorityTrustEstablished),
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
