"""The ``commissioning-knowledge`` consumer: schools, trusts and published judgements, from events.

It reads the registry's (``school``, ``trust``) and the assessment service's (``assessment``)
streams. A batch is applied in three steps inside the consumer's transaction, so rows and
checkpoint commit together:

1. load the rows the batch touches (schools, trusts, open memberships) in one round trip;
2. apply each event in log order to those rows in memory, one small function per type;
3. write each table with one set-based statement, then recompute the profile of every trust
   the batch touched with one more.

Replays are harmless: a school's or trust's row remembers the last version of its stream
applied and skips older events; memberships, inspections and assessments are keyed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from services.commissioning.knowledge.facts import CLOSED_STATUS
from services.commissioning.knowledge.models import (
    inspections,
    memberships,
    published_assessments,
    school_facts,
    trust_facts,
)
from shared.contracts import all_contracts
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
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import RecordedEvent
from shared.eventlog.subscriptions import HandlerContext

CONSUMER_NAME = "commissioning-knowledge"
CATEGORIES: frozenset[str] = frozenset({"school", "trust", "assessment"})

_CONTRACTS = all_contracts()
Row = dict[str, Any]

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
# Report-card grades, worst first: any area below the expected standard is below good.
_CARD_ORDER = (
    "urgent_improvement",
    "needs_attention",
    "expected_standard",
    "strong_standard",
    "exceptional",
)


@dataclass
class _Batch:
    schools: dict[int, Row]
    trusts: dict[int, Row]
    open_memberships: dict[int, list[Row]]
    changed_schools: set[int] = field(default_factory=set)
    changed_trusts: set[int] = field(default_factory=set)
    memberships: dict[tuple[int, int, str], Row] = field(default_factory=dict)
    inspections: dict[tuple[int, str], Row] = field(default_factory=dict)
    assessments: dict[str, Row] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)
    touched_trusts: set[int] = field(default_factory=set)


_Apply = Callable[[_Batch, RecordedEvent], None]
_APPLY: dict[str, _Apply] = {}
_SCHOOL_EVENTS: set[str] = set()
_TRUST_EVENTS: set[str] = set()


def _on(contract: type[EventContract], stream: str | None = None) -> Callable[[_Apply], _Apply]:
    def register(fn: _Apply) -> _Apply:
        _APPLY[contract.type_name] = fn
        if stream == "school":
            _SCHOOL_EVENTS.add(contract.type_name)
        elif stream == "trust":
            _TRUST_EVENTS.add(contract.type_name)
        return fn

    return register


def _set_closed(row: Row) -> None:
    row["closed"] = row.get("status") == CLOSED_STATUS


def _touch_school_trusts(batch: _Batch, urn: int) -> None:
    # Whatever changes a school changes the profile of the trust that runs it.
    for m in batch.open_memberships.get(urn, ()):
        batch.touched_trusts.add(m["trust_uid"])


# ------------------------------------------------------------------- schools


@_on(SchoolRegistered, "school")
def _registered(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    urn = d["urn"]
    row = batch.schools.setdefault(
        urn, {"urn": urn, "trust_uid": None, "predecessor_urns": [], "version": 0}
    )
    row.update({name: d["details"].get(name) for name in _SCHOOL_FIELDS})
    _set_closed(row)
    _touch_school_trusts(batch, urn)


@_on(SchoolDetailsChanged, "school")
def _details_changed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.schools.get(d["urn"])
    if row is None:
        return
    row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _SCHOOL_FIELDS})
    _set_closed(row)
    _touch_school_trusts(batch, d["urn"])


@_on(SchoolClosed, "school")
def _closed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.schools.get(d["urn"])
    if row is not None:
        row.update(status=CLOSED_STATUS, close_date=d["closed_on"], closed=True)
    _touch_school_trusts(batch, d["urn"])


@_on(SchoolLinkedToPredecessor, "school")
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


@_on(SchoolJoinedTrust, "school")
def _joined(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    _open(batch, d["urn"], d["trust_uid"], d["joined_on"], d["reason"])


@_on(SchoolLeftTrust, "school")
def _left(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    _close(batch, d["urn"], d["trust_uid"], d["left_on"])


@_on(SchoolTransferred, "school")
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
    if not card:
        return "no grade", None
    worst = min(card.values(), key=_CARD_ORDER.index)
    return f"report card, lowest {worst}", worst not in ("urgent_improvement", "needs_attention")


@_on(OfstedInspectionRecorded, "school")
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


# -------------------------------------------------------------------- trusts


@_on(TrustIncorporated, "trust")
def _incorporated(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.setdefault(d["uid"], {"uid": d["uid"], "version": 0})
    row.update({name: d["details"].get(name) for name in _TRUST_FIELDS})
    _set_closed(row)
    batch.touched_trusts.add(d["uid"])


@_on(TrustDetailsChanged, "trust")
def _trust_changed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.get(d["uid"])
    if row is not None:
        row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _TRUST_FIELDS})
        _set_closed(row)
        batch.touched_trusts.add(d["uid"])


@_on(TrustClosed, "trust")
def _trust_closed(batch: _Batch, event: RecordedEvent) -> None:
    row = batch.trusts.get(event.data["uid"])
    if row is not None:
        row.update(status=CLOSED_STATUS, closed_on=event.data["closed_on"], closed=True)
        batch.touched_trusts.add(event.data["uid"])


# --------------------------------------------------------------- assessments


@_on(AssessmentPublished)
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


@_on(AssessmentWithdrawn)
def _withdrawn(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    batch.withdrawn.add(d["assessment_id"])
    if d["assessment_id"] in batch.assessments:
        batch.assessments[d["assessment_id"]]["withdrawn"] = True
    batch.touched_trusts.add(d["trust_uid"])


# ------------------------------------------------------------------- batches


def _apply(batch: _Batch, event: RecordedEvent) -> None:
    if event.type in _SCHOOL_EVENTS:
        rows, changed, key = batch.schools, batch.changed_schools, event.data["urn"]
    elif event.type in _TRUST_EVENTS:
        rows, changed, key = batch.trusts, batch.changed_trusts, event.data["uid"]
    else:
        _APPLY[event.type](batch, event)
        return
    row = rows.get(key)
    if row is not None and event.stream_version <= row["version"]:
        return  # applied already: a replay without a rebuild
    _APPLY[event.type](batch, event)
    row = rows.get(key)
    if row is not None:
        row["version"] = event.stream_version
        changed.add(key)


_LOAD_SQL = """
SELECT
  (SELECT coalesce(json_agg(s), '[]') FROM commissioning_school_facts s
    WHERE s.urn = ANY($1::int[]))::text,
  (SELECT coalesce(json_agg(t), '[]') FROM commissioning_trust_facts t
    WHERE t.uid = ANY($2::int[]))::text,
  (SELECT coalesce(json_agg(m), '[]') FROM commissioning_memberships m
    WHERE m.urn = ANY($1::int[]) AND m.to_date IS NULL)::text
"""


async def _load(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> _Batch:
    urns = {e.data["urn"] for e in events if e.type in _SCHOOL_EVENTS}
    uids = {e.data["uid"] for e in events if e.type in _TRUST_EVENTS}
    row = await conn.fetchrow(_LOAD_SQL, list(urns), list(uids))
    assert row is not None
    open_memberships: dict[int, list[Row]] = {}
    for m in json.loads(row[2]):
        open_memberships.setdefault(m["urn"], []).append(m)
    return _Batch(
        schools={s["urn"]: s for s in json.loads(row[0])},
        trusts={t["uid"]: t for t in json.loads(row[1])},
        open_memberships=open_memberships,
    )


def _upsert(table_name: str, columns: Sequence[str], key: Sequence[str], guard: str = "") -> str:
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table_name} ({', '.join(columns)})"
        f" SELECT {', '.join(columns)}"
        f" FROM jsonb_populate_recordset(NULL::{table_name}, $1::jsonb)"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates} {guard}"
    )


def _names(table: Any) -> list[str]:
    return [c.name for c in table.columns]


_WRITE_SCHOOLS = _upsert(
    school_facts.name,
    _names(school_facts),
    ["urn"],
    f"WHERE {school_facts.name}.version <= EXCLUDED.version",
)
_WRITE_TRUSTS = _upsert(
    trust_facts.name,
    _names(trust_facts),
    ["uid"],
    f"WHERE {trust_facts.name}.version <= EXCLUDED.version",
)
_WRITE_MEMBERSHIPS = _upsert(
    memberships.name, _names(memberships), ["urn", "trust_uid", "from_date"]
)
_WRITE_INSPECTIONS = _upsert(inspections.name, _names(inspections), ["urn", "inspection_start"])
_WRITE_ASSESSMENTS = _upsert(
    published_assessments.name, _names(published_assessments), ["assessment_id"]
)
_WITHDRAW = (
    f"UPDATE {published_assessments.name} SET withdrawn = true"
    " WHERE assessment_id = ANY($1::text[])"
)

# The profile of each trust in $1: its open schools, its track record with schools that
# joined below good (the last grade before joining, the school's own or a predecessor's,
# against the last grade while in the trust) and its latest standing published assessment.
_PROFILES_SQL = """
INSERT INTO commissioning_trust_profiles
       (uid, name, trust_type, closed, schools, joined_below_good, improved, assessment)
SELECT t.uid, t.name, t.trust_type, t.closed,
       coalesce((
         SELECT jsonb_agg(jsonb_build_object(
                  'urn', s.urn, 'la', s.la_code, 'la_name', s.la_name,
                  'district', s.district_name, 'region', s.region_code, 'phase', s.phase,
                  'e', s.easting, 'n', s.northing, 'faith', s.religious_character,
                  'diocese', s.diocese, 'joined', m.from_date, 'pupils', s.pupils)
                ORDER BY s.urn)
           FROM commissioning_memberships m
           JOIN commissioning_school_facts s ON s.urn = m.urn
          WHERE m.trust_uid = t.uid AND m.to_date IS NULL AND NOT s.closed), '[]'::jsonb),
       coalesce(tr.below, 0), coalesce(tr.improved, 0),
       (SELECT jsonb_build_object('assessment_id', a.assessment_id,
                                  'published_on', a.published_on, 'judgements', a.judgements)
          FROM commissioning_published_assessments a
         WHERE a.trust_uid = t.uid AND NOT a.withdrawn
         ORDER BY a.published_on DESC, a.position DESC LIMIT 1)
  FROM commissioning_trust_facts t
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE NOT j.before_ok AND j.after_ok IS NOT NULL) AS below,
           count(*) FILTER (WHERE NOT j.before_ok AND j.after_ok) AS improved
      FROM (
        SELECT (SELECT i.good_or_better FROM commissioning_inspections i
                 WHERE i.urn = ANY(array_prepend(m.urn, s.predecessor_urns))
                   AND i.inspection_start < m.from_date AND i.good_or_better IS NOT NULL
                 ORDER BY i.inspection_start DESC LIMIT 1) AS before_ok,
               (SELECT i.good_or_better FROM commissioning_inspections i
                 WHERE i.urn = m.urn AND i.inspection_start >= m.from_date
                   AND (m.to_date IS NULL OR i.inspection_start < m.to_date)
                   AND i.good_or_better IS NOT NULL
                 ORDER BY i.inspection_start DESC LIMIT 1) AS after_ok
          FROM commissioning_memberships m
          JOIN commissioning_school_facts s ON s.urn = m.urn
         WHERE m.trust_uid = t.uid) j
  ) tr ON true
 WHERE t.uid = ANY($1::int[])
ON CONFLICT (uid) DO UPDATE SET
  name = EXCLUDED.name, trust_type = EXCLUDED.trust_type, closed = EXCLUDED.closed,
  schools = EXCLUDED.schools, joined_below_good = EXCLUDED.joined_below_good,
  improved = EXCLUDED.improved, assessment = EXCLUDED.assessment,
  revision = nextval('commissioning_profile_revisions')
"""
# Also every trust a touched school was ever in (its track record may have changed).
_TRUSTS_OF_SCHOOLS = """
SELECT DISTINCT trust_uid FROM commissioning_memberships WHERE urn = ANY($1::int[])
"""


def _encode(rows: list[Row]) -> str:
    return orjson.dumps(rows).decode()


class KnowledgeProjection:
    """The consumer that keeps commissioning's knowledge of schools, trusts and judgements."""

    name = CONSUMER_NAME
    categories = CATEGORIES

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Apply a batch of registry and assessment events in the consumer's transaction."""
        mine = [e.current(_CONTRACTS) for e in events if e.type in _APPLY]
        if not mine:
            return
        batch = await _load(ctx.conn, mine)
        for event in mine:
            _apply(batch, event)
        conn = ctx.conn
        if batch.changed_schools:
            rows = [batch.schools[u] for u in sorted(batch.changed_schools)]
            await conn.execute(_WRITE_SCHOOLS, _encode(rows))
        if batch.changed_trusts:
            rows = [batch.trusts[u] for u in sorted(batch.changed_trusts)]
            await conn.execute(_WRITE_TRUSTS, _encode(rows))
        if batch.memberships:
            await conn.execute(_WRITE_MEMBERSHIPS, _encode(list(batch.memberships.values())))
        if batch.inspections:
            await conn.execute(_WRITE_INSPECTIONS, _encode(list(batch.inspections.values())))
        if batch.assessments:
            await conn.execute(_WRITE_ASSESSMENTS, _encode(list(batch.assessments.values())))
        if batch.withdrawn:
            await conn.execute(_WITHDRAW, sorted(batch.withdrawn))
        touched = set(batch.touched_trusts)
        inspected = [e.data["urn"] for e in mine if e.type == OfstedInspectionRecorded.type_name]
        if inspected:
            touched.update(r[0] for r in await conn.fetch(_TRUSTS_OF_SCHOOLS, inspected))
        if touched:
            await conn.execute(_PROFILES_SQL, sorted(touched))


def knowledge_projection() -> KnowledgeProjection:
    """The knowledge consumer, named ``commissioning-knowledge``."""
    return KnowledgeProjection()
