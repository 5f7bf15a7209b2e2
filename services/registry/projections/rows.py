"""The rows one batch of registry events reads and writes: loaded once, written set-based."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.registry.models import (
    SCHOOL_DETAIL_FIELDS,
    memberships,
    school_history,
    school_links,
    school_versions,
    schools,
    trust_inspections,
    trusts,
)
from shared.contracts.registry import SchoolLeftTrust, SchoolRegistered, SchoolTransferred
from shared.eventlog.batch import (
    Batch,
    Row,
    RowKind,
    Rows,
    Write,
    encode,
    fetch_json,
    group_rows,
    rows_write,
    select_rows,
    upsert_sql,
)
from shared.eventlog.model import RecordedEvent

CLOSED_STATUS = "Closed"
# A school's row follows its stream (school-{urn}), a trust's its own (trust-{uid}).
SCHOOLS = RowKind(schools, "urn", stamp="updated_at")
TRUSTS = RowKind(trusts, "uid", stamp="updated_at")


def _columns(n: int) -> tuple[list[Any], ...]:
    return tuple([] for _ in range(n))


@dataclass
class RegistryBatch(Batch):
    """The rows one batch reads and writes, as JSON values (dates are ISO strings)."""

    schools: Rows
    trusts: Rows
    open_memberships: dict[int, list[Row]]
    memberships: dict[tuple[int, int, str], Row] = field(default_factory=dict)
    links: dict[tuple[int, int], Row] = field(default_factory=dict)
    trust_inspections: list[Row] = field(default_factory=list)
    # The append-only tables, column by column.
    versions: tuple[list[Any], ...] = field(default_factory=lambda: _columns(4))
    history: tuple[list[Any], ...] = field(default_factory=lambda: _columns(7))
    # Registrations whose details the server copies from the log into the versions.
    registrations: list[int] = field(default_factory=list)


def trust_label(batch: RegistryBatch, uid: int) -> str:
    """How a school's history names a trust: by name when the batch knows it."""
    trust = batch.trusts.get(uid)
    return f"{trust['name']} (uid {uid})" if trust is not None else f"trust uid {uid}"


def trust_name(batch: RegistryBatch, uid: int) -> str | None:
    """The trust's name, if the batch knows the trust."""
    trust = batch.trusts.get(uid)
    return None if trust is None else str(trust["name"])


def add_history(
    batch: RegistryBatch, event: RecordedEvent, effective_on: str | None, **summary: Any
) -> None:
    """A line of the school's history for ``event``."""
    urn, position, version, type_, on, at, summaries = batch.history
    urn.append(event.data["urn"])
    position.append(event.position)
    version.append(event.stream_version)
    type_.append(event.type)
    on.append(effective_on)
    at.append(event.recorded_at)
    summaries.append(summary)


def add_version(
    batch: RegistryBatch,
    event: RecordedEvent,
    row: Row,
    valid_from: str,
    details: Row | None = None,
) -> None:
    """The school's details as ``event`` leaves them, valid from ``valid_from``."""
    urns, versions, since, all_details = batch.versions
    urns.append(row["urn"])
    versions.append(event.stream_version)
    since.append(valid_from)
    all_details.append(details or {name: row[name] for name in SCHOOL_DETAIL_FIELDS})


# ------------------------------------------------------------------- loading

_LOAD_SQL = "SELECT " + ", ".join(
    (
        SCHOOLS.select(1),
        TRUSTS.select(2),
        select_rows(memberships, "urn", 3, where="r.to_date IS NULL"),
    )
)


async def load(conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> RegistryBatch:
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
    school_rows, trust_rows, open_rows = await fetch_json(
        conn, _LOAD_SQL, list(urns), list(uids), list(leaving)
    )
    return RegistryBatch(
        SCHOOLS.rows(school_rows), TRUSTS.rows(trust_rows), group_rows(open_rows, "urn")
    )


# ------------------------------------------------------------------- writing

_WRITE_MEMBERSHIPS = upsert_sql(memberships, ["urn", "trust_uid", "from_date"])
_WRITE_LINKS = upsert_sql(school_links, ["urn", "predecessor_urn"])
_WRITE_TRUST_INSPECTIONS = upsert_sql(trust_inspections, ["uid", "inspection_id"])
# The append-only tables, the bulk of a replay, take typed arrays zipped with one JSON array
# for their jsonb column: cheaper to read than rows of JSON.
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


def _columns_write(sql: str, columns: tuple[list[Any], ...]) -> Write:
    # Typed arrays, and the last (jsonb) column as one JSON array.
    return sql, lambda: [*columns[:-1], encode(columns[-1])]


def writes(batch: RegistryBatch) -> list[Write]:
    """The writes for what changed since the last call; the batch then forgets it."""
    out: list[Write] = []
    if batch.history[0]:
        out.append(_columns_write(_WRITE_HISTORY, batch.history))
    if batch.registrations:
        registrations = batch.registrations
        out.append((_COPY_REGISTRATIONS, lambda: [registrations]))
    if batch.versions[0]:
        out.append(_columns_write(_WRITE_VERSIONS, batch.versions))
    for upsert in (batch.schools.write(), batch.trusts.write()):
        if upsert is not None:
            out.append(upsert)
    if batch.memberships:
        out.append(rows_write(_WRITE_MEMBERSHIPS, list(batch.memberships.values())))
    if batch.links:
        out.append(rows_write(_WRITE_LINKS, list(batch.links.values())))
    if batch.trust_inspections:
        out.append(rows_write(_WRITE_TRUST_INSPECTIONS, batch.trust_inspections))
    batch.memberships, batch.links, batch.trust_inspections = {}, {}, []
    batch.versions, batch.history, batch.registrations = _columns(4), _columns(7), []
    return out
