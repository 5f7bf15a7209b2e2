"""The indicators' consumer: the registry's school and trust events, to facts, to figures.

Ofsted's inspections of a trust (``TrustInspectionRecorded``) are kept on the trust's row
and shown beside its figures as evidence; no figure counts them.

A batched projection (``shared/eventlog/batch.py``): a batch is handled in the consumer's
transaction, in a handful of statements whatever its size:

1. load the fact rows of the schools and trusts the batch names (one statement);
2. apply each event in log order to those rows in memory, noting every trust whose
   figures it may change (the school's trust before and after, or the trust itself);
3. write the changed rows back set-based and mark those trusts dirty;
4. once the log holds nothing more for this consumer (``when_caught_up``, the test a
   rebuild ends on), recompute every dirty trust: one read of their schools, the pure
   computation, one write.

Step 4 waits for the end of a replay (or a burst such as a GIAS import) so that a trust
touched by a thousand batches is computed once, not a thousand times. It also recomputes
figures counted on an earlier day, since the growth windows move with the date. Meanwhile a
read of a dirty or out-of-date trust computes its figures from the facts there and then
(``queries``), so readers never see stale figures.

Replays are harmless: a row remembers the last version of its stream applied and skips
older events of that stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import asyncpg
import orjson

from services.assessment.indicators.facts import compute_for
from services.assessment.indicators.models import (
    READ_MODEL_TABLES,
    indicator_schools,
    indicator_trusts,
)
from shared.clock import today_in_england
from shared.contracts import all_contracts
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
    encode,
    fetch_json,
)
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import RecordedEvent
from shared.eventlog.rebuild import RebuildReport, rebuild_projection, reset_projection
from shared.settings import Settings

PROJECTION_NAME = "assessment-indicators"
CATEGORIES: frozenset[str] = frozenset({"school", "trust"})
CLOSED_STATUS = "Closed"

# The school details the indicators use, with the read model's column of the same name.
_SCHOOL_FIELDS = (
    "name",
    "status",
    "la_code",
    "la_name",
    "region_code",
    "region_name",
    "phase",
    "pupils",
    "easting",
    "northing",
)
_TRUST_FIELDS = ("name", "status")
_INSPECTION_FIELDS = (
    "framework",
    "inspection_start",
    "overall_effectiveness",
    "category_of_concern",
    "safeguarding_effective",
    "report_card",
)

# A school's facts follow its stream (school-{urn}), a trust's its own (trust-{uid}). A
# trust's figures are not loaded or written with its details, and a change marks it dirty.
SCHOOLS = RowKind(indicator_schools, "urn")
TRUSTS = RowKind(
    indicator_trusts,
    "uid",
    columns=("uid", "name", "status", "version"),
    also_set="dirty = true",
)


@dataclass
class _Batch(Batch):
    """The fact rows a batch reads and writes, as JSON values (dates are ISO strings)."""

    schools: Rows
    trusts: Rows
    dirty: set[int] = field(default_factory=set)
    # Schools with new inspections: their successors' trusts look at them too.
    inspected: set[int] = field(default_factory=set)
    # Ofsted's inspections of the trusts the batch's trust inspections name, by UID, and
    # the trusts whose list has changed (loaded and written apart from the trusts' rows:
    # see _TRUST_INSPECTIONS_SQL).
    trust_inspections: dict[int, list[Row]] = field(default_factory=dict)
    inspected_trusts: set[int] = field(default_factory=set)


APPLIERS = Appliers[_Batch]()
# (the row, the event's data)
_Change = Callable[[Row, Row], None]


def _new_school(urn: int) -> Row:
    row: Row = {name: None for name in _SCHOOL_FIELDS}
    row.update(urn=urn, trust_uid=None, joined_on=None, predecessor_urns=[], inspections=[])
    return row


def _school(contract: type[EventContract]) -> Callable[[_Change], _Change]:
    """Register ``fn(row, data)`` for a school event: the row exists (registration makes it),
    and every trust the school was or is now in gets its figures recomputed."""
    looks_back = contract in (OfstedInspectionRecorded, SchoolLinkedToPredecessor)

    def register(fn: _Change) -> _Change:
        @APPLIERS.on(contract, SCHOOLS)
        def apply(batch: _Batch, event: RecordedEvent) -> None:
            d = event.data
            urn = d["urn"]
            row = batch.schools.get(urn)
            if row is None:
                if contract is not SchoolRegistered:
                    return  # nothing known of the school yet: the registry ignores it too
                row = batch.schools[urn] = _new_school(urn)
            before = row["trust_uid"]
            fn(row, d)
            batch.dirty.update(uid for uid in (before, row["trust_uid"]) if uid is not None)
            if looks_back:
                batch.inspected.add(urn)

        return fn

    return register


def _trust(contract: type[EventContract]) -> Callable[[_Change], _Change]:
    """Register ``fn(row, data)`` for a trust event: the row exists (incorporation makes it)."""

    def register(fn: _Change) -> _Change:
        @APPLIERS.on(contract, TRUSTS)
        def apply(batch: _Batch, event: RecordedEvent) -> None:
            d = event.data
            uid = d["uid"]
            row = batch.trusts.get(uid)
            if row is None:
                if contract is not TrustIncorporated:
                    return
                row = batch.trusts[uid] = {"uid": uid}
            fn(row, d)
            batch.dirty.add(uid)

        return fn

    return register


# ------------------------------------------------------------------- schools


@_school(SchoolRegistered)
def _registered(row: Row, d: Row) -> None:
    details = d["details"]
    row.update({name: details.get(name) for name in _SCHOOL_FIELDS})


@_school(SchoolDetailsChanged)
def _details_changed(row: Row, d: Row) -> None:
    row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _SCHOOL_FIELDS})


@_school(SchoolClosed)
def _closed(row: Row, d: Row) -> None:
    # Its membership ends with the SchoolLeftTrust the registry writes with it.
    row["status"] = CLOSED_STATUS


@_school(SchoolLinkedToPredecessor)
def _linked(row: Row, d: Row) -> None:
    row["predecessor_urns"] = sorted({*row["predecessor_urns"], d["predecessor_urn"]})


@_school(SchoolJoinedTrust)
def _joined(row: Row, d: Row) -> None:
    row.update(trust_uid=d["trust_uid"], joined_on=d["joined_on"])


@_school(SchoolLeftTrust)
def _left(row: Row, d: Row) -> None:
    if row["trust_uid"] == d["trust_uid"]:
        row.update(trust_uid=None, joined_on=None)


@_school(SchoolTransferred)
def _transferred(row: Row, d: Row) -> None:
    row.update(trust_uid=d["to_trust_uid"], joined_on=d["effective_on"])


@_school(OfstedInspectionRecorded)
def _inspected(row: Row, d: Row) -> None:
    inspection = {name: d.get(name) for name in _INSPECTION_FIELDS}
    inspection["report_card"] = inspection["report_card"] or {}
    key = (inspection["inspection_start"], inspection["framework"])
    # A second record of the same inspection (a corrected feed) replaces the first.
    kept = [i for i in row["inspections"] if (i["inspection_start"], i["framework"]) != key]
    kept.append(inspection)
    kept.sort(key=lambda i: i["inspection_start"])
    row["inspections"] = kept


# -------------------------------------------------------------------- trusts


@_trust(TrustIncorporated)
def _incorporated(row: Row, d: Row) -> None:
    row.update({name: d["details"][name] for name in _TRUST_FIELDS})


@_trust(TrustDetailsChanged)
def _trust_changed(row: Row, d: Row) -> None:
    row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _TRUST_FIELDS})


@_trust(TrustClosed)
def _trust_closed(row: Row, d: Row) -> None:
    row["status"] = CLOSED_STATUS


@APPLIERS.on(TrustInspectionRecorded, TRUSTS)
def _trust_inspected(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    uid = d["uid"]
    if uid not in batch.trusts:
        return  # nothing known of the trust yet: the registry records none for it either
    # The registry records each inspection once; a second record would replace the first.
    listed = batch.trust_inspections.get(uid, [])
    kept = [i for i in listed if i["inspection_id"] != d["inspection_id"]]
    kept.append(dict(d))
    kept.sort(key=lambda i: (i["inspection_start"], i["inspection_id"]))
    batch.trust_inspections[uid] = kept
    batch.inspected_trusts.add(uid)
    batch.dirty.add(uid)


# ------------------------------------------------------------------- batches

_LOAD_SQL = f"SELECT {SCHOOLS.select(1)}, {TRUSTS.select(2)}"
# Only batches holding trust inspections read or write the trusts' lists of them, so the
# consumer runs unchanged on a database not yet migrated to 0020 (one being upgraded, as
# tests/integration/test_migrate_populated.py does) until such an event arrives.
_TRUST_INSPECTIONS_SQL = f"""
SELECT uid, trust_inspections::text FROM {indicator_trusts.name} WHERE uid = ANY($1::int[])
"""
_WRITE_TRUST_INSPECTIONS = f"""
UPDATE {indicator_trusts.name} t SET trust_inspections = v.inspections
  FROM ROWS FROM (unnest($1::int[]), jsonb_array_elements($2::jsonb)) AS v(uid, inspections)
 WHERE t.uid = v.uid
"""
_MARK_DIRTY = f"""
UPDATE {indicator_trusts.name} SET dirty = true WHERE uid = ANY($1::int[]) AND NOT dirty
"""
# A predecessor's inspection counts in its successors' improvement records. A scan, not an
# index: only batches with inspections look, and an index on the array would be updated on
# every write of every school.
_MARK_SUCCESSORS_DIRTY = f"""
UPDATE {indicator_trusts.name} SET dirty = true
 WHERE NOT dirty
   AND uid IN (SELECT trust_uid FROM {indicator_schools.name} WHERE predecessor_urns && $1::int[])
"""
# Dirty, or counted on an earlier day (the growth windows have moved since).
_DIRTY_SQL = f"""
SELECT uid FROM {indicator_trusts.name} WHERE dirty OR as_of IS DISTINCT FROM $1 ORDER BY uid
"""
_WRITE_INDICATORS = f"""
UPDATE {indicator_trusts.name} t
   SET dirty = false, as_of = $2, indicators = v.indicators
  FROM ROWS FROM (unnest($1::int[]), jsonb_array_elements($3::jsonb)) AS v(uid, indicators)
 WHERE t.uid = v.uid
"""
# Trusts recomputed per statement pair: bounds the memory of a national recompute.
_RECOMPUTE_CHUNK = 1000


async def _load(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> _Batch:
    urns, uids = APPLIERS.keys(events, SCHOOLS), APPLIERS.keys(events, TRUSTS)
    school_rows, trust_rows = await fetch_json(conn, _LOAD_SQL, list(urns), list(uids))
    batch = _Batch(SCHOOLS.rows(school_rows), TRUSTS.rows(trust_rows))
    inspected = {e.data["uid"] for e in events if e.type == TrustInspectionRecorded.type_name}
    if inspected:
        for r in await conn.fetch(_TRUST_INSPECTIONS_SQL, list(inspected)):
            batch.trust_inspections[r["uid"]] = orjson.loads(r["trust_inspections"])
    return batch


def _writes(batch: _Batch) -> list[Write]:
    out = [w for w in (batch.schools.write(), batch.trusts.write()) if w is not None]
    if batch.dirty:
        dirty = sorted(batch.dirty)
        out.append((_MARK_DIRTY, lambda: [dirty]))
    if batch.inspected:
        inspected = sorted(batch.inspected)
        out.append((_MARK_SUCCESSORS_DIRTY, lambda: [inspected]))
    if batch.inspected_trusts:
        # After the trusts' upsert: a trust incorporated in this batch has its row by now.
        uids = sorted(batch.inspected_trusts)
        lists = [batch.trust_inspections[uid] for uid in uids]
        out.append((_WRITE_TRUST_INSPECTIONS, lambda: [uids, encode(lists)]))
        batch.inspected_trusts = set()
    return out


async def refresh_dirty(conn: asyncpg.Connection, as_of: date) -> int:
    """Recompute every dirty or out-of-date trust's indicators as of ``as_of``; how many."""
    uids = [r[0] for r in await conn.fetch(_DIRTY_SQL, as_of)]
    for start in range(0, len(uids), _RECOMPUTE_CHUNK):
        computed = await compute_for(conn, uids[start : start + _RECOMPUTE_CHUNK], as_of)
        if computed:
            await conn.execute(
                _WRITE_INDICATORS,
                [i.trust_uid for i in computed],
                as_of,
                encode([i.model_dump(mode="json") for i in computed]),
            )
    return len(uids)


def indicators_projection(
    today: Callable[[], date] = today_in_england,
) -> BatchProjection[_Batch]:
    """The indicators' consumer, named ``assessment-indicators``; ``today`` for tests.

    Figures are recomputed once the log holds nothing more for it (``when_caught_up``).
    """

    async def recompute(conn: asyncpg.Connection) -> None:
        await refresh_dirty(conn, today())

    return BatchProjection(
        name=PROJECTION_NAME,
        categories=CATEGORIES,
        appliers=APPLIERS,
        load=_load,
        writes=_writes,
        when_caught_up=recompute,
    )


# ------------------------------------------------------------------- rebuild


async def reset(conn: asyncpg.Connection) -> None:
    """Empty the indicators' read models and rewind the consumer (the service stopped)."""
    await reset_projection(conn, PROJECTION_NAME, READ_MODEL_TABLES, service="assessment")


async def rebuild_indicators(
    url: str,
    settings: Settings,
    *,
    today: Callable[[], date] = today_in_england,
    batch_size: int = 2000,
    timeout_s: float | None = None,
) -> RebuildReport:
    """Rebuild the indicators' read models from the log: reset, then replay until caught up.

    The assessment service (or anything else running this consumer) must be stopped. A
    replay reads bigger batches than the live consumer: each read of the log costs about
    the same whatever its size, and the recompute waits for the end anyway.
    """
    return await rebuild_projection(
        url,
        settings,
        indicators_projection(today),
        READ_MODEL_TABLES,
        all_contracts(),
        service="assessment",
        batch_size=batch_size,
        timeout_s=timeout_s,
    )
