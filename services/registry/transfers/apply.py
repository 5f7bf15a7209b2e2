"""Carrying out one school's due transfer: lock its row, decide from the register, write, settle.

All in one transaction, so the event written and the row marked settled commit together.
The register's read models are only trusted when they have caught up with the school's and
the trust's streams; the school event is appended at the version the read model shows, so a
lagging read model cannot cause a wrong write: the attempt is rolled back and tried again.
"""

from __future__ import annotations

import enum
import logging
from datetime import date
from uuid import UUID

import asyncpg

from services.registry.models import pending_transfers
from services.registry.transfers.consumer import ACTOR
from services.registry.transfers.domain import (
    PendingTransfer,
    SchoolOnTheDay,
    TrustOnTheDay,
    applied_event_id,
    decide,
    rejected_event_id,
)
from shared.contracts.registry import SchoolRegistered, TransferRejected, TrustIncorporated
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.errors import EventIdReused, WrongExpectedVersion
from shared.eventlog.model import ANY, NewEvent
from shared.eventlog.store import EventStore

log = logging.getLogger(__name__)

_T = pending_transfers.name


class Applied(enum.Enum):
    """How one attempt at a due transfer ended."""

    WRITTEN = "written"  # an event was written and the row settled
    SETTLED = "settled"  # the log already held its outcome; the row now says so
    SKIPPED = "skipped"  # not pending, not due, or being changed by someone else right now
    RETRY = "retry"  # the register was behind or a writer raced us: nothing was written


class _Lagging(Exception):
    """A read model has not caught up with its stream yet."""


_LOCK_DUE = f"""
SELECT decision_id, case_id, urn, to_trust_uid, significant_date, kind, approved_event_id,
       correlation_id
  FROM {_T}
 WHERE decision_id = $1 AND urn = $2 AND status = 'pending' AND significant_date <= $3
   FOR UPDATE SKIP LOCKED
"""
_OUTCOME_IN_LOG = """
SELECT event_id, event_type, data ->> 'reason_code' AS reason_code FROM events
 WHERE event_id = ANY($1::uuid[])
"""
# The read model's row (if any) with the version it reached, its stream's head, and whether
# the stream registers it at all (an Ofsted record alone does not put a school on the
# register, and the read model never gets a row for it).
_SCHOOL = f"""
SELECT s.status, s.close_date, s.trust_uid,
       coalesce(s.version, 0) AS version,
       coalesce((SELECT max(stream_version) FROM events WHERE stream_id = $2), 0) AS head,
       EXISTS (SELECT 1 FROM events WHERE stream_id = $2
                  AND event_type = '{SchoolRegistered.type_name}') AS registered
  FROM (SELECT 1) AS one LEFT JOIN registry_schools s ON s.urn = $1
"""
_TRUST = f"""
SELECT t.name, t.status, t.closed_on,
       coalesce(t.version, 0) AS version,
       coalesce((SELECT max(stream_version) FROM events WHERE stream_id = $2), 0) AS head,
       EXISTS (SELECT 1 FROM events WHERE stream_id = $2
                  AND event_type = '{TrustIncorporated.type_name}') AS registered
  FROM (SELECT 1) AS one LEFT JOIN registry_trusts t ON t.uid = $1
"""
_SETTLE = f"""
UPDATE {_T} SET status = $3, outcome_event_id = $4, outcome = $5, updated_at = now()
 WHERE decision_id = $1 AND urn = $2
"""


async def apply_due(store: EventStore, decision_id: str, urn: int, today: date) -> Applied:
    """Carry out the pending transfer of ``urn`` under ``decision_id`` if due by ``today``."""
    try:
        async with store.pool.acquire() as conn, conn.transaction():
            result = await _apply(conn, store, decision_id, urn, today)
    except (_Lagging, WrongExpectedVersion, EventIdReused) as exc:
        log.debug("transfer %s/%s: try again (%s)", decision_id, urn, exc)
        return Applied.RETRY
    except asyncpg.TransactionRollbackError as exc:  # a deadlock or serialization failure
        log.info("transfer %s/%s: try again (%s)", decision_id, urn, exc)
        return Applied.RETRY
    if result is Applied.WRITTEN:
        store.committed()
    return result


async def _apply(
    conn: asyncpg.Connection, store: EventStore, decision_id: str, urn: int, today: date
) -> Applied:
    row = await conn.fetchrow(_LOCK_DUE, decision_id, urn, today)
    if row is None:
        return Applied.SKIPPED
    applied_id, rejected_id = (
        applied_event_id(decision_id, urn),
        rejected_event_id(decision_id, urn),
    )
    # Settled before (by this row or before a replay emptied the table): only record it.
    found = await conn.fetchrow(_OUTCOME_IN_LOG, [applied_id, rejected_id])
    if found is not None:
        if found["event_id"] == rejected_id:
            status, outcome_name = "rejected", found["reason_code"]
        else:
            status, outcome_name = "applied", found["event_type"]
        await conn.execute(_SETTLE, decision_id, urn, status, found["event_id"], outcome_name)
        return Applied.SETTLED
    transfer = PendingTransfer(
        decision_id=decision_id,
        case_id=row["case_id"],
        urn=urn,
        to_trust_uid=row["to_trust_uid"],
        significant_date=row["significant_date"],
        kind=row["kind"],
    )
    school_row = await conn.fetchrow(_SCHOOL, urn, f"school-{urn}")
    trust_row = await conn.fetchrow(_TRUST, transfer.to_trust_uid, f"trust-{transfer.to_trust_uid}")
    assert school_row is not None and trust_row is not None
    for what, r in (("school", school_row), ("trust", trust_row)):
        if r["registered"] and r["version"] != r["head"]:
            raise _Lagging(f"{what} read model at {r['version']}, stream at {r['head']}")
    school = (
        SchoolOnTheDay(school_row["status"], school_row["close_date"], school_row["trust_uid"])
        if school_row["registered"]
        else None
    )
    trust = (
        TrustOnTheDay(trust_row["name"], trust_row["status"], trust_row["closed_on"])
        if trust_row["registered"]
        else None
    )
    outcome = decide(transfer, school, trust)
    metadata = EventMetadata(
        actor=ACTOR,
        reason=(
            f"Commissioning decision {decision_id} (case {transfer.case_id}),"
            f" significant date {transfer.significant_date}"
        ),
        correlation_id=row["correlation_id"],
        causation_id=row["approved_event_id"],
        source=ACTOR,
    )
    if isinstance(outcome, TransferRejected):
        await store.append(
            f"transfer-{decision_id}",
            [NewEvent(outcome, metadata, rejected_id)],
            expected_version=ANY,
            conn=conn,
        )
        settled: tuple[str, UUID, str] = ("rejected", rejected_id, outcome.reason_code)
    else:
        # At the version the read model showed: if the school moved on since, this fails.
        await store.append(
            f"school-{urn}",
            [NewEvent(outcome, metadata, applied_id)],
            expected_version=school_row["version"],
            conn=conn,
        )
        settled = ("applied", applied_id, outcome.type_name)
    await conn.execute(_SETTLE, decision_id, urn, *settled)
    return Applied.WRITTEN
