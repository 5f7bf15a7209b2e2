"""The indicators' consumer: the registry's school and trust events, to facts, to figures.

A batch is handled in the consumer's transaction, in a handful of statements whatever its
size:

1. load the fact rows of the schools and trusts the batch names (one statement);
2. apply each event in log order to those rows in memory, noting every trust whose
   figures it may change (the school's trust before and after, or the trust itself);
3. write the changed rows back set-based and mark those trusts dirty;
4. if the log holds nothing more for this consumer, recompute every dirty trust: one read
   of their schools, the pure computation, one write.

Step 4 waits for the end of a replay (or a burst such as a GIAS import) so that a trust
touched by a thousand batches is computed once, not a thousand times. It also recomputes
figures counted on an earlier day, since the growth windows move with the date. Meanwhile a
read of a dirty or out-of-date trust computes its figures from the facts there and then
(``queries``), so readers never see stale figures.

Replays are harmless: a row remembers the last version of its stream applied and skips
older events of that stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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
from shared.db import create_pool
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import RecordedEvent
from shared.eventlog.rebuild import RebuildReport, reset_projection
from shared.eventlog.store import EventStore
from shared.eventlog.subscriptions import (
    ConsumerFailed,
    ConsumerRunner,
    HandlerContext,
)
from shared.settings import Settings

log = logging.getLogger(__name__)

PROJECTION_NAME = "assessment-indicators"
CATEGORIES: frozenset[str] = frozenset({"school", "trust"})
CLOSED_STATUS = "Closed"

_CONTRACTS = all_contracts()
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

Row = dict[str, Any]


@dataclass
class _Batch:
    """The fact rows a batch reads and writes, as JSON values (dates are ISO strings)."""

    schools: dict[int, Row]
    trusts: dict[int, Row]
    changed_schools: set[int] = field(default_factory=set)
    changed_trusts: set[int] = field(default_factory=set)
    dirty: set[int] = field(default_factory=set)
    # Schools with new inspections: their successors' trusts look at them too.
    inspected: set[int] = field(default_factory=set)


# (the row, the event's data)
_Apply = Callable[[Row, Row], None]
_SCHOOL_APPLY: dict[str, _Apply] = {}
_TRUST_APPLY: dict[str, _Apply] = {}


def _on(contract: type[EventContract], table: dict[str, _Apply]) -> Callable[[_Apply], _Apply]:
    def register(fn: _Apply) -> _Apply:
        table[contract.type_name] = fn
        return fn

    return register


# ------------------------------------------------------------------- schools
# Each takes the school's row (present: ``_apply`` creates it on registration).


@_on(SchoolRegistered, _SCHOOL_APPLY)
def _registered(row: Row, d: Row) -> None:
    details = d["details"]
    row.update({name: details.get(name) for name in _SCHOOL_FIELDS})


@_on(SchoolDetailsChanged, _SCHOOL_APPLY)
def _details_changed(row: Row, d: Row) -> None:
    row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _SCHOOL_FIELDS})


@_on(SchoolClosed, _SCHOOL_APPLY)
def _closed(row: Row, d: Row) -> None:
    # Its membership ends with the SchoolLeftTrust the registry writes with it.
    row["status"] = CLOSED_STATUS


@_on(SchoolLinkedToPredecessor, _SCHOOL_APPLY)
def _linked(row: Row, d: Row) -> None:
    row["predecessor_urns"] = sorted({*row["predecessor_urns"], d["predecessor_urn"]})


@_on(SchoolJoinedTrust, _SCHOOL_APPLY)
def _joined(row: Row, d: Row) -> None:
    row.update(trust_uid=d["trust_uid"], joined_on=d["joined_on"])


@_on(SchoolLeftTrust, _SCHOOL_APPLY)
def _left(row: Row, d: Row) -> None:
    if row["trust_uid"] == d["trust_uid"]:
        row.update(trust_uid=None, joined_on=None)


@_on(SchoolTransferred, _SCHOOL_APPLY)
def _transferred(row: Row, d: Row) -> None:
    row.update(trust_uid=d["to_trust_uid"], joined_on=d["effective_on"])


@_on(OfstedInspectionRecorded, _SCHOOL_APPLY)
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


@_on(TrustIncorporated, _TRUST_APPLY)
def _incorporated(row: Row, d: Row) -> None:
    row.update({name: d["details"][name] for name in _TRUST_FIELDS})


@_on(TrustDetailsChanged, _TRUST_APPLY)
def _trust_changed(row: Row, d: Row) -> None:
    row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _TRUST_FIELDS})


@_on(TrustClosed, _TRUST_APPLY)
def _trust_closed(row: Row, d: Row) -> None:
    row["status"] = CLOSED_STATUS


# ------------------------------------------------------------------- batches


def _new_school(urn: int) -> Row:
    row: Row = {name: None for name in _SCHOOL_FIELDS}
    row.update(urn=urn, trust_uid=None, joined_on=None, predecessor_urns=[], inspections=[])
    return row


def _apply(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    school_fn = _SCHOOL_APPLY.get(event.type)
    if school_fn is not None:
        urn = d["urn"]
        row = batch.schools.get(urn)
        if row is None:
            if event.type != SchoolRegistered.type_name:
                return  # nothing known of the school yet: the registry ignores it too
            row = batch.schools[urn] = _new_school(urn)
        elif event.stream_version <= row["version"]:
            return  # applied already: a replay without a rebuild
        before = row["trust_uid"]
        school_fn(row, d)
        row["version"] = event.stream_version
        batch.changed_schools.add(urn)
        batch.dirty.update(uid for uid in (before, row["trust_uid"]) if uid is not None)
        if event.type in (OfstedInspectionRecorded.type_name, SchoolLinkedToPredecessor.type_name):
            batch.inspected.add(urn)
        return
    trust_fn = _TRUST_APPLY.get(event.type)
    if trust_fn is None:
        return
    uid = d["uid"]
    trow = batch.trusts.get(uid)
    if trow is None:
        if event.type != TrustIncorporated.type_name:
            return
        trow = batch.trusts[uid] = {"uid": uid}
    elif event.stream_version <= trow["version"]:
        return
    trust_fn(trow, d)
    trow["version"] = event.stream_version
    batch.changed_trusts.add(uid)
    batch.dirty.add(uid)


_LOAD_SQL = """
SELECT
  (SELECT coalesce(json_agg(s), '[]') FROM unnest($1::int[]) AS u(urn)
     CROSS JOIN LATERAL (SELECT * FROM assessment_indicator_schools s WHERE s.urn = u.urn) AS s)::text,
  (SELECT coalesce(json_agg(json_build_object('uid', t.uid, 'name', t.name,
                                              'status', t.status, 'version', t.version)), '[]')
     FROM assessment_indicator_trusts t WHERE t.uid = ANY($2::int[]))::text
"""
_SCHOOL_COLUMNS = ", ".join(c.name for c in indicator_schools.columns)
_WRITE_SCHOOLS = f"""
INSERT INTO {indicator_schools.name} ({_SCHOOL_COLUMNS})
SELECT {_SCHOOL_COLUMNS} FROM jsonb_populate_recordset(NULL::{indicator_schools.name}, $1::jsonb)
ON CONFLICT (urn) DO UPDATE SET
  {", ".join(f"{c.name} = EXCLUDED.{c.name}" for c in indicator_schools.columns if c.name != "urn")}
WHERE {indicator_schools.name}.version <= EXCLUDED.version
"""
_WRITE_TRUSTS = f"""
INSERT INTO {indicator_trusts.name} (uid, name, status, version)
SELECT uid, name, status, version
  FROM jsonb_to_recordset($1::jsonb) AS r(uid int, name text, status text, version bigint)
ON CONFLICT (uid) DO UPDATE SET
  name = EXCLUDED.name, status = EXCLUDED.status, version = EXCLUDED.version, dirty = true
WHERE {indicator_trusts.name}.version <= EXCLUDED.version
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
# Anything of ours in the log after this batch, readable yet or not: then more batches are
# coming, and recomputing can wait for them.
_MORE_TO_COME = """
SELECT EXISTS (
  SELECT 1 FROM unnest($4::text[]) AS c(category) CROSS JOIN LATERAL (
    SELECT 1 FROM events
     WHERE category = c.category AND (era, tx_id, position) > ($1, $2, $3) LIMIT 1) AS e)
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


def _encode(value: Any) -> str:
    return orjson.dumps(value).decode()


async def _load(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> _Batch:
    urns: set[int] = set()
    uids: set[int] = set()
    for event in events:
        if event.type in _SCHOOL_APPLY:
            urns.add(event.data["urn"])
        else:
            uids.add(event.data["uid"])
    row = await conn.fetchrow(_LOAD_SQL, list(urns), list(uids))
    assert row is not None
    return _Batch(
        schools={s["urn"]: s for s in orjson.loads(row[0])},
        trusts={t["uid"]: t for t in orjson.loads(row[1])},
    )


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
                _encode([i.model_dump(mode="json") for i in computed]),
            )
    return len(uids)


class IndicatorsProjection:
    """The consumer that keeps the indicators' facts and figures."""

    name = PROJECTION_NAME
    categories = CATEGORIES

    def __init__(self, today: Callable[[], date] = today_in_england) -> None:
        self._today = today

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Apply a batch of registry events; recompute dirty trusts when the log is drained."""
        conn = ctx.conn
        mine = [
            e.current(_CONTRACTS)
            for e in events
            if e.type in _SCHOOL_APPLY or e.type in _TRUST_APPLY
        ]
        if mine:
            batch = await _load(conn, mine)
            for event in mine:
                _apply(batch, event)
            if batch.changed_schools:
                rows = [batch.schools[u] for u in sorted(batch.changed_schools)]
                await conn.execute(_WRITE_SCHOOLS, _encode(rows))
            if batch.changed_trusts:
                rows = [batch.trusts[u] for u in sorted(batch.changed_trusts)]
                await conn.execute(_WRITE_TRUSTS, _encode(rows))
            if batch.dirty:
                await conn.execute(_MARK_DIRTY, sorted(batch.dirty))
            if batch.inspected:
                await conn.execute(_MARK_SUCCESSORS_DIRTY, sorted(batch.inspected))
        if events:
            last = events[-1].checkpoint
            more = await conn.fetchval(_MORE_TO_COME, *last, sorted(CATEGORIES))
            if more:
                return
        await refresh_dirty(conn, self._today())


def indicators_projection(today: Callable[[], date] = today_in_england) -> IndicatorsProjection:
    """The indicators' consumer, named ``assessment-indicators``; ``today`` for tests."""
    return IndicatorsProjection(today)


# ------------------------------------------------------------------- rebuild


async def reset(conn: asyncpg.Connection) -> None:
    """Empty the indicators' read models and rewind the consumer (the service stopped)."""
    await reset_projection(conn, PROJECTION_NAME, READ_MODEL_TABLES, service="assessment")


# Every committed event of ours handled, including any still above the read horizon (an
# older transaction still open): those will be read, so waiting for them is right.
_CAUGHT_UP_SQL = """
SELECT NOT EXISTS (
  SELECT 1 FROM subscriptions s, unnest($2::text[]) AS c(category) CROSS JOIN LATERAL (
    SELECT 1 FROM events e
     WHERE e.category = c.category AND (e.era, e.tx_id, e.position) > (s.era, s.tx_id, s.position)
     LIMIT 1) AS e
   WHERE s.name = $1
) AND EXISTS (SELECT 1 FROM subscriptions WHERE name = $1)
"""


async def caught_up(executor: asyncpg.Connection | asyncpg.Pool) -> bool:
    """Whether the consumer has handled every committed event of its categories."""
    return bool(await executor.fetchval(_CAUGHT_UP_SQL, PROJECTION_NAME, sorted(CATEGORIES)))


async def run_until_caught_up(
    pool: asyncpg.Pool,
    url: str,
    settings: Settings,
    *,
    today: Callable[[], date] = today_in_england,
    batch_size: int | None = None,
    timeout_s: float | None = None,
) -> float:
    """Run the consumer in this process until it has handled the log; the seconds it took.

    ``batch_size`` defaults to the service's own (``consumer_batch_size``).
    """
    started = time.perf_counter()
    runner = ConsumerRunner(
        indicators_projection(today),
        EventStore(pool, _CONTRACTS),
        None,
        url,
        batch_size=batch_size or settings.consumer_batch_size,
        poll_interval_s=0.02,
        max_attempts=settings.consumer_max_attempts,
    )
    task = asyncio.create_task(runner.run(), name=f"catch-up:{PROJECTION_NAME}")
    try:
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while not await caught_up(pool):
            if task.done():
                task.result()  # raises ConsumerFailed with the event that failed
                raise ConsumerFailed(f"{PROJECTION_NAME} stopped before catching up")
            if deadline is not None and loop.time() > deadline:
                raise TimeoutError(f"{PROJECTION_NAME} did not catch up in {timeout_s}s")
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return time.perf_counter() - started


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
    pool = await create_pool(url, settings, min_size=1, max_size=3)
    try:
        async with pool.acquire() as conn:
            await reset(conn)
        seconds = await run_until_caught_up(
            pool, url, settings, today=today, batch_size=batch_size, timeout_s=timeout_s
        )
        handled = await pool.fetchval(
            "SELECT events_handled FROM subscriptions WHERE name = $1", PROJECTION_NAME
        )
    finally:
        await pool.close()
    report = RebuildReport(events=int(handled or 0), seconds=seconds)
    log.info("rebuilt %s: %s events in %.2fs", PROJECTION_NAME, report.events, report.seconds)
    return report
