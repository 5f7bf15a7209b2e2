"""The registry's read models, projected from its events in log order.

A batch of events is applied in three steps, in the consumer's transaction so the rows and
its checkpoint commit together:

1. load, in one round trip, the rows the batch touches (schools, trusts, open memberships)
   as JSON;
2. apply each event, in log order, with one small function per event type that changes
   those rows in memory, so a batch gives exactly what one event at a time would;
3. write each table with one set-based statement per chunk of events, the server writing
   one chunk while the next is applied here.

Per-event SQL would cost several round trips per event; this costs a handful per batch,
which is what lets a rebuild replay the log at tens of thousands of events a second. For
the same reason the functions read the event's JSON rather than a pydantic model: the log
validated it against the contract when it was appended, and data stored under an older
contract version is upcast and validated here before it is used.

Replays are harmless: a school's or trust's row remembers the last version of its stream
applied and older events of that stream are skipped; history, versions and links are keyed
by position or stream version and written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Table

from services.registry.models import (
    READ_MODEL_TABLES,
    SCHOOL_DETAIL_FIELDS,
    TRUST_DETAIL_FIELDS,
    memberships,
    school_history,
    school_links,
    school_versions,
    schools,
    trusts,
)
from shared.contracts import all_contracts
from shared.contracts.registry import (
    LocalAuthorityTrustEstablished,
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
from shared.eventlog.rebuild import (
    RebuildReport,
    rebuild_projection,
    reset_projection,
)
from shared.eventlog.subscriptions import (
    HandlerContext,
)
from shared.settings import Settings

log = logging.getLogger(__name__)

PROJECTION_NAME = "registry-read-models"
# Only the registry's own streams of schools and trusts: the store merges per-category index
# walks, so a replay never reads the other services' events. Feed runs are read from their
# own streams (GET /imports/{id}), never from a read model.
CATEGORIES: frozenset[str] = frozenset({"school", "trust"})
CLOSED_STATUS = "Closed"

_CONTRACTS = all_contracts()
_SCHOOL_FIELDS = frozenset(SCHOOL_DETAIL_FIELDS)
_TRUST_FIELDS = frozenset(TRUST_DETAIL_FIELDS)

Row = dict[str, Any]


def _columns(n: int) -> tuple[list[Any], ...]:
    return tuple([] for _ in range(n))


@dataclass
class _Batch:
    """The rows one batch reads and writes, as JSON values (dates are ISO strings)."""

    schools: dict[int, Row]
    trusts: dict[int, Row]
    open_memberships: dict[int, list[Row]]
    changed_schools: set[int] = field(default_factory=set)
    changed_trusts: set[int] = field(default_factory=set)
    memberships: dict[tuple[int, int, str], Row] = field(default_factory=dict)
    links: dict[tuple[int, int], Row] = field(default_factory=dict)
    # The append-only tables, column by column.
    versions: tuple[list[Any], ...] = field(default_factory=lambda: _columns(4))
    history: tuple[list[Any], ...] = field(default_factory=lambda: _columns(7))
    # Registrations whose details the server copies from the log into the versions.
    registrations: list[int] = field(default_factory=list)


_Apply = Callable[[_Batch, RecordedEvent], None]
_APPLY: dict[str, _Apply] = {}
# Events of a school's own stream (school-{urn}) and of a trust's (trust-{uid}).
_SCHOOL_EVENTS: set[str] = set()
_TRUST_EVENTS: set[str] = set()


def _on(contract: type[EventContract], *, stream: str | None = None) -> Callable[[_Apply], _Apply]:
    def register(fn: _Apply) -> _Apply:
        _APPLY[contract.type_name] = fn
        if stream == "school":
            _SCHOOL_EVENTS.add(contract.type_name)
        elif stream == "trust":
            _TRUST_EVENTS.add(contract.type_name)
        return fn

    return register


def _trust_label(batch: _Batch, uid: int) -> str:
    trust = batch.trusts.get(uid)
    return f"{trust['name']} (uid {uid})" if trust is not None else f"trust uid {uid}"


def _trust_name(batch: _Batch, uid: int) -> str | None:
    trust = batch.trusts.get(uid)
    return None if trust is None else str(trust["name"])


def _history(batch: _Batch, event: RecordedEvent, effective_on: str | None, **summary: Any) -> None:
    urn, position, version, type_, on, at, summaries = batch.history
    urn.append(event.data["urn"])
    position.append(event.position)
    version.append(event.stream_version)
    type_.append(event.type)
    on.append(effective_on)
    at.append(event.recorded_at)
    summaries.append(summary)


def _record_version(
    batch: _Batch, event: RecordedEvent, row: Row, valid_from: str, details: Row | None = None
) -> None:
    urns, versions, since, all_details = batch.versions
    urns.append(row["urn"])
    versions.append(event.stream_version)
    since.append(valid_from)
    all_details.append(details or {name: row[name] for name in SCHOOL_DETAIL_FIELDS})


def _open_membership(
    batch: _Batch, urn: int, uid: int, since: str, reason: str, decision: str | None
) -> None:
    row: Row = {
        "urn": urn,
        "trust_uid": uid,
        "from_date": since,
        "to_date": None,
        "join_reason": reason,
        "leave_reason": None,
        "decision_reference": decision,
    }
    batch.open_memberships.setdefault(urn, []).append(row)
    batch.memberships[(urn, uid, since)] = row
    school = batch.schools.get(urn)
    if school is not None:
        school.update(trust_uid=uid, joined_trust_on=since, join_reason=reason)


def _close_membership(batch: _Batch, urn: int, uid: int, until: str, reason: str) -> None:
    still_open: list[Row] = []
    for row in batch.open_memberships.get(urn, ()):
        if row["trust_uid"] == uid:
            row.update(to_date=until, leave_reason=reason)
            batch.memberships[(urn, uid, row["from_date"])] = row
        else:
            still_open.append(row)
    batch.open_memberships[urn] = still_open
    school = batch.schools.get(urn)
    if school is not None and school["trust_uid"] == uid:
        school.update(trust_uid=None, joined_trust_on=None, join_reason=None)


# ------------------------------------------------------------------- schools


@_on(SchoolRegistered, stream="school")
def _school_registered(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    urn = d["urn"]
    # Stored by the current contract (or upcast to it), so every field is there.
    details = d["details"]
    row = batch.schools.get(urn)
    if row is None:
        row = batch.schools[urn] = {
            "urn": urn,
            "registered_on": d["effective_on"],
            "predecessor_urns": [],
            "trust_uid": None,
            "joined_trust_on": None,
            "join_reason": None,
        }
    row.update(details)
    if event.schema_version == SchoolRegistered.version:
        batch.registrations.append(event.position)
    else:
        _record_version(batch, event, row, d["effective_on"], details)
    _history(
        batch,
        event,
        d["effective_on"],
        text=f"Registered as {details['name']} ({details['la_name']}), status {details['status']}",
    )


@_on(SchoolDetailsChanged, stream="school")
def _school_details_changed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.schools.get(d["urn"])
    if row is not None:
        # Fields the read model does not know stay in the history entry only.
        row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _SCHOOL_FIELDS})
        _record_version(batch, event, row, d["effective_on"])
    fields = ", ".join(c["field"] for c in d["changes"])
    _history(batch, event, d["effective_on"], text=f"Changed {fields}", changes=d["changes"])


@_on(SchoolClosed, stream="school")
def _school_closed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    reason = d.get("reason")
    row = batch.schools.get(d["urn"])
    if row is not None:
        row.update(status=CLOSED_STATUS, close_date=d["closed_on"])
        if reason is not None:
            row["close_reason"] = reason
        _record_version(batch, event, row, d["closed_on"])
    why = f": {reason}" if reason else ""
    _history(batch, event, d["closed_on"], text=f"Closed on {d['closed_on']}{why}")


@_on(SchoolLinkedToPredecessor, stream="school")
def _school_linked(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    urn, predecessor_urn = d["urn"], d["predecessor_urn"]
    row = batch.schools.get(urn)
    if row is not None:
        row["predecessor_urns"] = sorted({*row["predecessor_urns"], predecessor_urn})
    batch.links[(urn, predecessor_urn)] = {
        "urn": urn,
        "predecessor_urn": predecessor_urn,
        "link_type": d["link_type"],
        "established_on": d.get("established_on"),
    }
    _history(
        batch,
        event,
        d.get("established_on"),
        text=f"Took over from URN {predecessor_urn} ({d['link_type']})",
        predecessor_urn=predecessor_urn,
        link_type=d["link_type"],
    )


@_on(SchoolJoinedTrust, stream="school")
def _school_joined(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    uid, on, reason = d["trust_uid"], d["joined_on"], d["reason"]
    decision = d.get("decision_reference")
    _open_membership(batch, d["urn"], uid, on, reason, decision)
    _history(
        batch,
        event,
        on,
        text=f"Joined {_trust_label(batch, uid)} on {on}: {reason}",
        trust_uid=uid,
        trust_name=_trust_name(batch, uid),
        reason=reason,
        decision_reference=decision,
    )


@_on(SchoolLeftTrust, stream="school")
def _school_left(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    uid, on, reason = d["trust_uid"], d["left_on"], d["reason"]
    _close_membership(batch, d["urn"], uid, on, reason)
    _history(
        batch,
        event,
        on,
        text=f"Left {_trust_label(batch, uid)} on {on}: {reason}",
        trust_uid=uid,
        trust_name=_trust_name(batch, uid),
        reason=reason,
    )


@_on(SchoolTransferred, stream="school")
def _school_transferred(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    urn, old, new, on = d["urn"], d["from_trust_uid"], d["to_trust_uid"], d["effective_on"]
    decision = d.get("decision_reference")
    _close_membership(batch, urn, old, on, "transfer")
    _open_membership(batch, urn, new, on, "transfer", decision)
    because = f", decision {decision}" if decision else ""
    _history(
        batch,
        event,
        on,
        text=(
            f"Transferred from {_trust_label(batch, old)} to {_trust_label(batch, new)}"
            f" on {on}: {d['reason']}{because}"
        ),
        from_trust_uid=old,
        from_trust_name=_trust_name(batch, old),
        to_trust_uid=new,
        to_trust_name=_trust_name(batch, new),
        reason=d["reason"],
        decision_reference=decision,
    )


_INSPECTION_FIELDS = (
    "framework",
    "inspection_start",
    "publication_date",
    "overall_effectiveness",
    "category_of_concern",
    "safeguarding_effective",
    "report_card",
)


@_on(OfstedInspectionRecorded, stream="school")
def _ofsted_recorded(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    inspection = {name: d.get(name) for name in _INSPECTION_FIELDS}
    card = inspection["report_card"] = inspection["report_card"] or {}
    row = batch.schools.get(d["urn"])
    latest = None if row is None else row.get("ofsted_inspection_start")
    # The latest inspection wins, whatever order the feeds delivered them in.
    if row is not None and (latest is None or d["inspection_start"] >= latest):
        row.update({f"ofsted_{name}": value for name, value in inspection.items()})
    grade = inspection["overall_effectiveness"] or (
        "report card " + ", ".join(f"{k}: {v}" for k, v in sorted(card.items()))
        if card
        else "no grade"
    )
    _history(
        batch,
        event,
        d["inspection_start"],
        text=f"Ofsted inspection from {d['inspection_start']}: {grade}",
        inspection=inspection,
    )


# -------------------------------------------------------------------- trusts


@_on(TrustIncorporated, stream="trust")
def _trust_incorporated(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.setdefault(
        d["uid"], {"uid": d["uid"], "la_established": False, "founding_la_code": None}
    )
    given = d["details"]
    row.update({name: given.get(name) for name in TRUST_DETAIL_FIELDS})


@_on(TrustDetailsChanged, stream="trust")
def _trust_details_changed(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.get(d["uid"])
    if row is not None:
        row.update({c["field"]: c["new"] for c in d["changes"] if c["field"] in _TRUST_FIELDS})


@_on(TrustClosed, stream="trust")
def _trust_closed(batch: _Batch, event: RecordedEvent) -> None:
    # Its schools' memberships end through the SchoolLeftTrust events the importer writes.
    row = batch.trusts.get(event.data["uid"])
    if row is not None:
        row.update(status=CLOSED_STATUS, closed_on=event.data["closed_on"])


@_on(LocalAuthorityTrustEstablished, stream="trust")
def _la_trust_established(batch: _Batch, event: RecordedEvent) -> None:
    d = event.data
    row = batch.trusts.get(d["uid"])
    if row is not None:
        row.update(
            la_established=True,
            founding_la_code=d["la_code"],
            la_established_on=d["established_on"],
        )


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
        row["updated_at"] = event.recorded_at
        changed.add(key)


_LOAD_SQL = """
SELECT
  (SELECT coalesce(json_agg(s), '[]') FROM registry_schools s WHERE s.urn = ANY($1::int[]))::text,
  (SELECT coalesce(json_agg(t), '[]') FROM registry_trusts t WHERE t.uid = ANY($2::int[]))::text,
  (SELECT coalesce(json_agg(m), '[]') FROM registry_memberships m
    WHERE m.urn = ANY($3::int[]) AND m.to_date IS NULL)::text
"""


async def _load(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> _Batch:
    """The rows ``events`` touch: their schools and trusts, and open memberships."""
    urns: set[int] = set()
    uids: set[int] = set()
    leaving: set[int] = set()
    for event in events:
        d = event.data
        if "urn" in d:
            urns.add(d["urn"])
        if "uid" in d:
            uids.add(d["uid"])
        if "trust_uid" in d:  # joined or left: the trust's name goes in the history
            uids.add(d["trust_uid"])
        if event.type in (SchoolLeftTrust.type_name, SchoolTransferred.type_name):
            leaving.add(d["urn"])
            if "to_trust_uid" in d:
                uids.update((d["from_trust_uid"], d["to_trust_uid"]))
    row = await conn.fetchrow(_LOAD_SQL, list(urns), list(uids), list(leaving))
    assert row is not None
    open_memberships: dict[int, list[Row]] = {}
    for m in json.loads(row[2]):
        open_memberships.setdefault(m["urn"], []).append(m)
    return _Batch(
        schools={s["urn"]: s for s in json.loads(row[0])},
        trusts={t["uid"]: t for t in json.loads(row[1])},
        open_memberships=open_memberships,
    )


def _upsert(table: Table, key: Sequence[str], guard: str = "") -> str:
    updates = ", ".join(f"{c.name} = EXCLUDED.{c.name}" for c in table.columns if c.name not in key)
    return (
        f"INSERT INTO {table.name}"
        f" SELECT * FROM jsonb_populate_recordset(NULL::{table.name}, $1::jsonb)"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates} {guard}"
    )


# Upserts take their rows as one JSON array: one encode here, one parse there, far cheaper
# than a parameter per value. The append-only tables, the bulk of a replay, take typed
# arrays zipped with one JSON array for their jsonb column, cheaper still to read.
_UPSERTS = (
    _upsert(schools, ["urn"], "WHERE registry_schools.version <= EXCLUDED.version"),
    _upsert(trusts, ["uid"], "WHERE registry_trusts.version <= EXCLUDED.version"),
    _upsert(memberships, ["urn", "trust_uid", "from_date"]),
    _upsert(school_links, ["urn", "predecessor_urn"]),
)
_WRITE_VERSIONS = f"""
INSERT INTO {school_versions.name} (urn, stream_version, valid_from, details)
SELECT * FROM ROWS FROM (unnest($1::int[]), unnest($2::bigint[]), unnest($3::text[]::date[]),
                         jsonb_array_elements($4::jsonb))
ON CONFLICT DO NOTHING
"""
# A registration's details are exactly its stored event's: the server copies them from the
# log rather than this process encoding and sending them again (the bulk of a GIAS import).
_COPY_REGISTRATIONS = f"""
INSERT INTO {school_versions.name} (urn, stream_version, valid_from, details)
SELECT (e.data ->> 'urn')::int, e.stream_version, (e.data ->> 'effective_on')::date,
       e.data -> 'details'
  FROM events e WHERE e.position = ANY($1::bigint[]) AND e.event_type = '{SchoolRegistered.type_name}'
ON CONFLICT DO NOTHING
"""
_WRITE_HISTORY = f"""
INSERT INTO {school_history.name}
       (urn, position, stream_version, event_type, effective_on, recorded_at, summary)
SELECT * FROM ROWS FROM (unnest($1::int[]), unnest($2::bigint[]), unnest($3::bigint[]),
                         unnest($4::text[]), unnest($5::text[]::date[]),
                         unnest($6::timestamptz[]), jsonb_array_elements($7::jsonb))
ON CONFLICT DO NOTHING
"""


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _encode(value: Any) -> str:
    # orjson: encoding the rows of a replay batch was a seventh of its time with json.
    return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def _columns_args(columns: tuple[list[Any], ...]) -> list[Any]:
    # Typed arrays, and the last (jsonb) column as one JSON array.
    return [*columns[:-1], _encode(columns[-1])]


def _array_args(values: list[int]) -> list[list[int]]:
    return [values]


def _rows_args(rows: list[Row]) -> list[str]:
    return [_encode(rows)]


# A statement and a function giving its arguments: encoding is left until just before the
# statement is sent, so it overlaps the server's work on the statement before.
Write = tuple[str, Callable[[], Sequence[Any]]]


def _drain(batch: _Batch) -> list[Write]:
    """The writes for what changed since the last drain; the batch then forgets it."""
    # A trust loaded only for its name in a history entry is not written.
    upserts: list[list[Row]] = [
        [batch.schools[u] for u in sorted(batch.changed_schools)],
        [batch.trusts[u] for u in sorted(batch.changed_trusts)],
        list(batch.memberships.values()),
        list(batch.links.values()),
    ]
    writes: list[Write] = []
    if batch.history[0]:
        writes.append((_WRITE_HISTORY, partial(_columns_args, batch.history)))
    if batch.registrations:
        writes.append((_COPY_REGISTRATIONS, partial(_array_args, batch.registrations)))
    if batch.versions[0]:
        writes.append((_WRITE_VERSIONS, partial(_columns_args, batch.versions)))
    for sql, rows in zip(_UPSERTS, upserts, strict=True):
        if rows:
            writes.append((sql, partial(_rows_args, rows)))
    batch.changed_schools, batch.changed_trusts = set(), set()
    batch.memberships, batch.links = {}, {}
    batch.versions, batch.history, batch.registrations = _columns(4), _columns(7), []
    return writes


# Events applied between two drains: big enough to amortise the round trips, small enough
# that the server always has the previous chunk's writes to do while this one is worked out.
_CHUNK = 500


class RegistryProjection:
    """The consumer that keeps the registry's read models: load, apply in order, write."""

    name = PROJECTION_NAME
    categories = CATEGORIES

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Apply a batch of registry events to the read models in the consumer's transaction."""
        mine = [e.current(_CONTRACTS) for e in events if e.type in _APPLY]
        if not mine:
            return
        batch = await _load(ctx.conn, mine)
        # The server runs one statement while this thread applies and encodes the next;
        # a connection takes one statement at a time, so each waits for the one before.
        running: asyncio.Future[str] | None = None
        try:
            for start in range(0, len(mine), _CHUNK):
                for event in mine[start : start + _CHUNK]:
                    _apply(batch, event)
                for sql, arguments in _drain(batch):
                    args = arguments()
                    if running is not None:
                        await running
                    running = asyncio.ensure_future(ctx.conn.execute(sql, *args))
                    await asyncio.sleep(0)  # lets it be sent before this thread gets busy
            if running is not None:
                await running
        finally:
            # Never leave a statement running on the connection the runner commits on.
            if running is not None and not running.done():
                with contextlib.suppress(Exception):
                    await running


def registry_projection() -> RegistryProjection:
    """The registry's read-model consumer, named ``registry-read-models``."""
    return RegistryProjection()


# ------------------------------------------------------------------- rebuild


async def reset(conn: asyncpg.Connection) -> None:
    """Empty every registry read model and rewind its consumer (the service must be stopped)."""
    await reset_projection(conn, PROJECTION_NAME, READ_MODEL_TABLES, service="registry")


async def rebuild(
    url: str,
    settings: Settings,
    *,
    batch_size: int = 2000,
    timeout_s: float | None = None,
) -> RebuildReport:
    """Rebuild the registry read models from the log: reset, then replay until caught up.

    For ``strongtrusts projections rebuild registry``; the registry service must be stopped.
    """
    return await rebuild_projection(
        url,
        settings,
        registry_projection(),
        READ_MODEL_TABLES,
        _CONTRACTS,
        service="registry",
        batch_size=batch_size,
        timeout_s=timeout_s,
    )
