"""The open register's rows, from commissioning's read models, with what DfE would withhold
left out: a page at a time for JSON (keyset on each register's date and log position), or
every row in one consistent snapshot for CSV.

A decision is published once the notes of an advisory board with its case on the agenda are
published (DfE publishes a board's notes once the schools and trusts affected have been
told); until then it is not in the register. A notice is in it once it is published (a
whole-trust notice, a public act, always is); a
transfer once its actual date is confirmed. The decision maker's name is given only at
director level and above (minister, director general, regional director); below that only
the grade. No rationale, evidence, equality text or condition evidence is ever given.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from shared.errors import UnprocessableContent
from shared.http.paging import decode_cursor, encode_cursor

# Grades whose holders' names DfE publishes with a decision; below them, the grade alone.
NAMED_GRADES: frozenset[str] = frozenset({"minister", "director_general", "regional_director"})
# A decision recorded before grades were kept: its capacity says the grade.
_CAPACITY_GRADE = {
    "regional_director_for_region": "regional_director",
    "another_regional_director": "regional_director",
    "minister": "minister",
    "director_general": "director_general",
    "deputy_director": "deputy_director",
}

_DECISIONS = """
SELECT d.decided_on AS key_on, d.position AS key_position,
       d.decision_id, d.decided_on, d.outcome, d.conditions, d.trust_uid, d.significant_date,
       d.decision_maker_name, d.decision_maker_capacity, d.record, d.superseded_by,
       c.region_code, c.urns, c.la_codes, c.trigger,
       t.name AS trust_name,
       (SELECT array_agg(s.name ORDER BY s.urn) FROM commissioning_school_facts s
         WHERE s.urn = ANY(c.urns)) AS school_names
  FROM commissioning_decisions d
  JOIN commissioning_cases c ON c.case_id = d.case_id
  LEFT JOIN commissioning_trust_facts t ON t.uid = d.trust_uid
 WHERE EXISTS (SELECT 1 FROM commissioning_boards b
                WHERE d.case_id = ANY(b.agenda) AND b.notes_published_on IS NOT NULL)
   AND ($1::text IS NULL OR c.region_code = $1)
   AND ($2::date IS NULL OR (d.decided_on, d.position) > ($2::date, $3::bigint))
 ORDER BY d.decided_on, d.position
 LIMIT $4
"""

# The academy ladder's published notices, then whole-trust notices (public acts, all
# published): no academy, so no region, and left out when a region is asked for.
_NOTICES = """
SELECT * FROM (
    SELECT i.issued_on AS key_on, i.issued_position AS key_position,
           i.intervention_id, i.kind, i.trust_uid, t.name AS trust_name, i.urn,
           s.name AS school_name, s.region_code, i.issued_on, i.status, i.response_due_on,
           i.conditions
      FROM commissioning_interventions i
      LEFT JOIN commissioning_trust_facts t ON t.uid = i.trust_uid
      LEFT JOIN commissioning_school_facts s ON s.urn = i.urn
     WHERE i.published
       AND ($1::text IS NULL OR s.region_code = $1)
    UNION ALL
    SELECT n.decided_on, n.position,
           n.intervention_id, n.step, n.trust_uid, t.name, NULL::integer,
           NULL::text, NULL::text, n.decided_on, n.status, n.response_due_on,
           NULL::jsonb
      FROM commissioning_trust_notices n
      LEFT JOIN commissioning_trust_facts t ON t.uid = n.trust_uid
     WHERE $1::text IS NULL
) notices
 WHERE ($2::date IS NULL OR (key_on, key_position) > ($2::date, $3::bigint))
 ORDER BY key_on, key_position
 LIMIT $4
"""

_TRANSFERS = """
SELECT p.actual_date AS key_on, d.position AS key_position,
       p.project_id, p.project_type, p.urns, c.region_code, p.to_trust_uid,
       t.name AS trust_name, p.significant_date, p.actual_date, d.decided_on,
       (SELECT array_agg(s.name ORDER BY s.urn) FROM commissioning_school_facts s
         WHERE s.urn = ANY(p.urns)) AS school_names
  FROM commissioning_projects p
  JOIN commissioning_cases c ON c.case_id = p.case_id
  JOIN commissioning_decisions d ON d.decision_id = p.decision_id
  LEFT JOIN commissioning_trust_facts t ON t.uid = p.to_trust_uid
 WHERE p.actual_date IS NOT NULL
   AND ($1::text IS NULL OR c.region_code = $1)
   AND ($2::date IS NULL OR (p.actual_date, d.position) > ($2::date, $3::bigint))
 ORDER BY p.actual_date, d.position
 LIMIT $4
"""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def decision_row(r: asyncpg.Record) -> dict[str, Any]:
    """One published decision, anonymised as DfE would publish it."""
    record = _json(r["record"]) or {}
    grade = record.get("decision_maker_grade") or _CAPACITY_GRADE.get(
        r["decision_maker_capacity"], "other"
    )
    conditions = _json(r["conditions"]) or []
    return {
        "decision_id": r["decision_id"],
        "region_code": r["region_code"],
        "decision_date": r["decided_on"],
        "urns": list(r["urns"]),
        "school_names": list(r["school_names"] or []),
        "la_codes": list(r["la_codes"]),
        "case_trigger": r["trigger"],
        "outcome": r["outcome"],
        "reason_codes": list(record.get("reason_codes") or []),
        "conditions": [str(c) for c in conditions],
        "trust_uid": r["trust_uid"],
        "trust_name": r["trust_name"],
        "significant_date": r["significant_date"],
        "decision_maker_grade": grade,
        "decision_maker_name": r["decision_maker_name"] if grade in NAMED_GRADES else None,
        "superseded_by": r["superseded_by"],
    }


def notice_row(r: asyncpg.Record) -> dict[str, Any]:
    """One published notice (warning letter, notice to improve, termination notice), or a
    whole-trust notice (its step: no academy, region or conditions)."""
    return {
        "intervention_id": r["intervention_id"],
        "notice_kind": r["kind"],
        "region_code": r["region_code"],
        "trust_uid": r["trust_uid"],
        "trust_name": r["trust_name"],
        "urn": r["urn"],
        "school_name": r["school_name"],
        "issued_on": r["issued_on"],
        "status": r["status"],
        "response_due_on": r["response_due_on"],
        "conditions": [str(c) for c in (_json(r["conditions"]) or [])],
    }


def transfer_row(r: asyncpg.Record) -> dict[str, Any]:
    """One completed transfer or conversion: its actual date is confirmed."""
    return {
        "project_id": r["project_id"],
        "project_type": r["project_type"],
        "region_code": r["region_code"],
        "urns": list(r["urns"]),
        "school_names": list(r["school_names"] or []),
        "trust_uid": r["to_trust_uid"],
        "trust_name": r["trust_name"],
        "decision_date": r["decided_on"],
        "significant_date": r["significant_date"],
        "actual_date": r["actual_date"],
    }


@dataclass(frozen=True, slots=True)
class Register:
    """One register: its query (region, keyset after, limit) and how a row is published."""

    sql: str
    row: Callable[[asyncpg.Record], dict[str, Any]]


DECISIONS = Register(_DECISIONS, decision_row)
NOTICES = Register(_NOTICES, notice_row)
TRANSFERS = Register(_TRANSFERS, transfer_row)


@dataclass(frozen=True, slots=True)
class Page:
    """A page of a register, oldest first, and the cursor of the next (None: the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def _day(ordinal: int, cursor: str | None) -> date:
    """The day a cursor's first key names; 422 when it names none (a hand-made cursor)."""
    try:
        return date.fromordinal(ordinal)
    except (ValueError, OverflowError):
        raise UnprocessableContent(
            "The cursor is not one this API gave out.", extra={"cursor": cursor}
        ) from None


async def page(
    db: asyncpg.Pool, register: Register, *, region: str | None, limit: int, cursor: str | None
) -> Page:
    """``limit`` rows after ``cursor`` (422 for a cursor this API did not give)."""
    after = decode_cursor(cursor, parts=2)
    on, position = (None, None) if after is None else (_day(after[0], cursor), after[1])
    rows = await db.fetch(register.sql, region, on, position, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return Page(
        items=[register.row(r) for r in rows],
        next_cursor=None
        if last is None
        else encode_cursor(last["key_on"].toordinal(), last["key_position"]),
    )


async def every_row(
    db: asyncpg.Pool, register: Register, *, region: str | None
) -> AsyncIterator[dict[str, Any]]:
    """Every row of the register, read from one snapshot (a read-only repeatable-read
    transaction, so a row published meanwhile cannot appear twice or split the file)."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        async for r in conn.cursor(register.sql, region, None, None, None):
            yield register.row(r)


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: lists joined with semicolons, dates ISO, none empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(csv_cell(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
