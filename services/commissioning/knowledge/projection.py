"""The ``commissioning-knowledge`` consumer: schools, trusts and published judgements, from events.

It reads the registry's (``school``, ``trust``, with trust inspections) and the assessment service's (``assessment``)
streams. A batched projection (``shared/eventlog/batch.py``): a batch is applied in three
steps inside the consumer's transaction, so rows and checkpoint commit together:

1. load the rows the batch touches (schools, trusts, open memberships) in one round trip;
2. apply each event in log order to those rows in memory, one small function per type;
3. write each table with one set-based statement, then recompute the profile of every trust
   the batch touched with one more (``profiles``).

Replays are harmless: a school's or trust's row remembers the last version of its stream
applied and skips older events; memberships, inspections and assessments are keyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from services.commissioning.knowledge.facts import CLOSED_STATUS
from services.commissioning.knowledge.models import (
    inspections,
    memberships,
    published_assessments,
    school_facts,
    trust_facts,
    trust_inspections,
)
from services.commissioning.knowledge.profiles import refresh_profiles
from shared.contracts.assessment import AssessmentPublished, AssessmentWithdrawn
from shared.contracts.registry import (
    OfstedInspectionRecorded,
    SchoolClosed,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolLinkedToPredecessor,
    SchoolRegistered,
    SchoolTransferred,
    TrustClosed,
    TrustDetailsChanged,
    TrustIncorporated,
)
from shared.contracts.trust_inspections import TrustInspectionRecorded
from shared.eventlog.batch import (
    Appliers,
    Batch,
    BatchProjection,
    Row,
    RowKind,
    Rows,
    Write,
    fetch_json,
    group_rows,
    rows_write,
    select_rows,
    upsert_sql,
)
from shared.eventlog.model import RecordedEvent

CONSUMER_NAME = "commissioning-knowledge"
CATEGORIES: frozenset[str] = frozenset({"school", "trust", "assessment"})

# SchoolDetails fields this service keeps (the rest stay in the registry).
_SCHOOL_FIELDS = (
    "name",
    "la_code",
    "la_name",
    "region_code",
    "region_name",
    "district_code",
    "district_name",
    "phase",
    "type_group_name",
    "status",
    "religious_character",
    "diocese",
    "pupils",
    "capacity",
    "easting",
    "northing",
    "open_date",
    "close_date",
)
_TRUST_FIELDS = ("name", "trust_type", "status", "closed_on")
_GOOD = frozenset({"outstanding", "good"})
_KJ_ORDER = ("outstanding", "good", "requires_improvement", "inadequate")
# Report-card grades, worst first: any area below the expected standard is below good.
_CARD_ORDER = (
    "urgent_improvement",
    "needs_attention",
    "expected_standard",
    "strong_standard",
    "exceptional",
)


# A school's facts follow its stream (school-{urn}), a trust's its own (trust-{uid}).
SCHOOLS = RowKind(school_facts, "urn")
TRUSTS = RowKind(trust_facts, "uid")


@dataclass
class _Batch(Batch):
    """The rows one batch reads and writes, as JSON values (dates are ISO strings)."""

    schools: Rows
    trusts: Rows
    open_memberships: dict[int, list[Row]]
    memberships: dict[tuple[int, int, str], Row] = field(default_factory=dict)
    inspections: dict[tuple[int, str], Row] = field(default_factory=dict)
    trust_inspections: dict[tuple[int, str], Row] = field(default_factory=dict)
    assessments: dict[str, Row] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)
    touched_trusts: set[int] = field(default_factory=set)
    # Schools with a new inspection: every trust they were ever in may have a new record.
    inspected: set[int] = field(default_factory=set)


APPLIERS = Appliers[_Batch]()


def _set_closed(row: Row) -> None:
    row["closed"] = row.get("status") == CLOSED_STATUS


def _touch_school_trusts(batch: _Batch, urn: int) -> None:
    # Whatever changes a school changes the profile of the trust that runs it.
    for m in batch.open_memberships.get(urn, ()):
        batch.touched_trusts.add(m["trust_uid"])


# ------------------------------------------------------------------- schools


@APPLIERS.on(SchoolRegistered, SCHOOLS)
def _registered(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    urn = d["urn"]
    row = batch.schools.setdefault(
        urn, {"urn": urn, "trust_uid": None, "predecessor_urns": [], "version": 0}
    )
    row.update({name: d["details"].get(name) for name in _SCHOOL_FIELDS})
    _set_closed(row)
    _touch_school_trusts(batch, urn)


@APPLIERS.on(SchoolDetailsChanged, SCHOOLS)
def _details_changed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.schools.get(d["urn"])
    if row is None:
        return
    row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _SCHOOL_FIELDS})
    _set_closed(row)
    _touch_school_trusts(batch, d["urn"])


@APPLIERS.on(SchoolClosed, SCHOOLS)
def _closed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.schools.get(d["urn"])
    if row is not None:
        row.update(status=CLOSED_STATUS, close_date=d["closed_on"], closed=True)
    _touch_school_trusts(batch, d["urn"])


@APPLIERS.on(SchoolLinkedToPredecessor, SCHOOLS)
def _linked(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.schools.get(d["urn"])
    if row is not None:
        row["predecessor_urns"] = sorted({*row["predecessor_urns"], d["predecessor_urn"]})
        _touch_school_trusts(batch, d["urn"])


def _open(batch: _Batch, urn: int, uid: int, on: str, reason: str) -> None:
    row: Row = {
        "urn": urn,
        "trust_uid": uid,
        "from_date": on,
        "to_date": None,
        "join_reason": reason,
    }
    batch.open_memberships.setdefault(urn, []).append(row)
    batch.memberships[(urn, uid, on)] = row
    batch.touched_trusts.add(uid)
    school = batch.schools.get(urn)
    if school is not None:
        school["trust_uid"] = uid


def _close(batch: _Batch, urn: int, uid: int, on: str) -> None:
    still_open = []
    for row in batch.open_memberships.get(urn, ()):
        if row["trust_uid"] == uid:
            row["to_date"] = on
            batch.memberships[(urn, uid, row["from_date"])] = row
        else:
            still_open.append(row)
    batch.open_memberships[urn] = still_open
    batch.touched_trusts.add(uid)
    school = batch.schools.get(urn)
    if school is not None and school["trust_uid"] == uid:
        school["trust_uid"] = still_open[-1]["trust_uid"] if still_open else None


@APPLIERS.on(SchoolJoinedTrust, SCHOOLS)
def _joined(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    _open(batch, d["urn"], d["trust_uid"], d["joined_on"], d["reason"])


@APPLIERS.on(SchoolLeftTrust, SCHOOLS)
def _left(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    _close(batch, d["urn"], d["trust_uid"], d["left_on"])


@APPLIERS.on(SchoolTransferred, SCHOOLS)
def _transferred(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    _close(batch, d["urn"], d["from_trust_uid"], d["effective_on"])
    _open(batch, d["urn"], d["to_trust_uid"], d["effective_on"], "transfer")


def inspection_grade(data: Row) -> tuple[str, bool | None]:
    """A label for an inspection's outcome, and whether it is good or better (None: no grade)."""
    overall = data.get("overall_effectiveness")
    if overall:
        return overall, overall in _GOOD
    card: dict[str, str] = data.get("report_card") or {}
    judged: dict[str, str] = data.get("key_judgements") or {}
    if not card and data.get("framework") == "key_judgements" and judged:
        worst_kj = max(judged.values(), key=_KJ_ORDER.index)
        return f"key judgements, lowest {worst_kj}", worst_kj in _GOOD
    if not card:
        return "no grade", None
    worst = min(card.values(), key=_CARD_ORDER.index)
    return f"report card, lowest {worst}", worst not in ("urgent_improvement", "needs_attention")


@APPLIERS.on(OfstedInspectionRecorded, SCHOOLS)
def _inspected(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    grade, good = inspection_grade(d)
    on = d["inspection_start"]
    batch.inspections[(d["urn"], on)] = {
        "urn": d["urn"],
        "inspection_start": on,
        "grade": grade,
        "good_or_better": good,
    }
    row = batch.schools.get(d["urn"])
    # The latest inspection wins, whatever order the feeds delivered them in.
    if row is not None and (row.get("ofsted_date") is None or on >= row["ofsted_date"]):
        row.update(ofsted_grade=grade, ofsted_date=on, ofsted_good_or_better=good)
    _touch_school_trusts(batch, d["urn"])
    batch.inspected.add(d["urn"])


# -------------------------------------------------------------------- trusts


@APPLIERS.on(TrustIncorporated, TRUSTS)
def _incorporated(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.setdefault(d["uid"], {"uid": d["uid"], "version": 0})
    row.update({name: d["details"].get(name) for name in _TRUST_FIELDS})
    _set_closed(row)
    batch.touched_trusts.add(d["uid"])


@APPLIERS.on(TrustDetailsChanged, TRUSTS)
def _trust_changed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.get(d["uid"])
    if row is not None:
        row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _TRUST_FIELDS})
        _set_closed(row)
        batch.touched_trusts.add(d["uid"])


@APPLIERS.on(TrustClosed, TRUSTS)
def _trust_closed(batch: _Batch, event: RecordedEvent) -> None:
    row = batch.trusts.get(event.data["uid"])
    if row is not None:
        row.update(status=CLOSED_STATUS, closed_on=event.data["closed_on"], closed=True)
        batch.touched_trusts.add(event.data["uid"])


@APPLIERS.on(TrustInspectionRecorded)
def _trust_inspected(batch: _Batch, event: RecordedEvent) -> None:
    # Keyed by the inspection's own reference, which a trust's stream holds at most once;
    # migration 0022 copies the same columns from the log for inspections read before it.
    d = event.data
    batch.trust_inspections[(d["uid"], d["inspection_id"])] = {
        "trust_uid": d["uid"],
        "inspection_id": d["inspection_id"],
        "inspection_start": d["inspection_start"],
        "publication_date": d.get("publication_date"),
        "inspection_type": d.get("inspection_type"),
        "outcomes": d["outcomes"],
        "report_url": d.get("report_url"),
        "format_version": d["format_version"],
    }


# --------------------------------------------------------------- assessments


@APPLIERS.on(AssessmentPublished)
def _published(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    batch.assessments[d["assessment_id"]] = {
        "assessment_id": d["assessment_id"],
        "trust_uid": d["trust_uid"],
        "framework_id": d["framework_id"],
        "framework_version": d["framework_version"],
        "published_on": d["published_on"],
        "judgements": [
            {"pillar": j["pillar"], "pillar_name": j["pillar_name"], "descriptor": j["descriptor"]}
            for j in d["judgements"]
        ],
        "supersedes": d.get("supersedes"),
        "withdrawn": d["assessment_id"] in batch.withdrawn,
        "position": event.position,
    }
    batch.touched_trusts.add(d["trust_uid"])


@APPLIERS.on(AssessmentWithdrawn)
def _withdrawn(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    batch.withdrawn.add(d["assessment_id"])
    if d["assessment_id"] in batch.assessments:
        batch.assessments[d["assessment_id"]]["withdrawn"] = True
    batch.touched_trusts.add(d["trust_uid"])


# ------------------------------------------------------------------- batches


_LOAD_SQL = "SELECT " + ", ".join(
    (
        SCHOOLS.select(1),
        TRUSTS.select(2),
        select_rows(memberships, "urn", 1, where="r.to_date IS NULL"),
    )
)
_WRITE_MEMBERSHIPS = upsert_sql(memberships, ["urn", "trust_uid", "from_date"])
_WRITE_INSPECTIONS = upsert_sql(inspections, ["urn", "inspection_start"])
_WRITE_TRUST_INSPECTIONS = upsert_sql(trust_inspections, ["trust_uid", "inspection_id"])
_WRITE_ASSESSMENTS = upsert_sql(published_assessments, ["assessment_id"])
_WITHDRAW = (
    f"UPDATE {published_assessments.name} SET withdrawn = true"
    " WHERE assessment_id = ANY($1::text[])"
)


async def _load(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> _Batch:
    urns, uids = APPLIERS.keys(events, SCHOOLS), APPLIERS.keys(events, TRUSTS)
    school_rows, trust_rows, open_rows = await fetch_json(conn, _LOAD_SQL, list(urns), list(uids))
    return _Batch(SCHOOLS.rows(school_rows), TRUSTS.rows(trust_rows), group_rows(open_rows, "urn"))


def _writes(batch: _Batch) -> list[Write]:
    # Called once a batch (no chunks), so ``withdrawn`` covers the whole batch.
    out = [w for w in (batch.schools.write(), batch.trusts.write()) if w is not None]
    for sql, rows in (
        (_WRITE_MEMBERSHIPS, batch.memberships),
        (_WRITE_INSPECTIONS, batch.inspections),
        (_WRITE_TRUST_INSPECTIONS, batch.trust_inspections),
        (_WRITE_ASSESSMENTS, batch.assessments),
    ):
        if rows:
            out.append(rows_write(sql, list(rows.values())))
    if batch.withdrawn:
        withdrawn = sorted(batch.withdrawn)
        out.append((_WITHDRAW, lambda: [withdrawn]))
    return out


async def _after(conn: asyncpg.Connection, batch: _Batch) -> None:
    await refresh_profiles(conn, batch.touched_trusts, batch.inspected)


def knowledge_projection() -> BatchProjection[_Batch]:
    """The knowledge consumer, named ``commissioning-knowledge``."""
    return BatchProjection(
        name=CONSUMER_NAME,
        categories=CATEGORIES,
        appliers=APPLIERS,
        load=_load,
        writes=_writes,
        after=_after,
    )
