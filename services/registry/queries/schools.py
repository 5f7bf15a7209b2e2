"""Schools: the filtered list, one school now or on a date, and its whole history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import asyncpg

from services.registry.models import SCHOOL_DETAIL_FIELDS
from services.registry.queries.common import (
    DETAILS_ON,
    OFSTED_TYPE,
    contains_pattern,
    page_cursor,
)
from services.registry.schemas import (
    HistoryEntry,
    MembershipView,
    OfstedSummary,
    SchoolHistory,
    SchoolPage,
    SchoolSummary,
    SchoolView,
    TrustRef,
)
from shared.contracts.registry import SchoolDetails
from shared.db import SqlParams
from shared.errors import NotFound
from shared.http.paging import decode_key


@dataclass(frozen=True, kw_only=True)
class SchoolFilters:
    """Filters on the school list; None means any."""

    la: str | None = None
    region: str | None = None
    phase: str | None = None
    type: str | None = None
    status: str | None = None
    trust_uid: int | None = None
    in_trust: bool | None = None
    q: str | None = None


def _trust_ref(
    uid: int | None, name: str | None, since: date | None, reason: str | None
) -> TrustRef | None:
    if uid is None:
        return None
    return TrustRef(uid=uid, name=name, since=since, join_reason=reason)


async def list_schools(
    pool: asyncpg.Pool, *, filters: SchoolFilters, limit: int, cursor: str | None
) -> SchoolPage:
    """Schools matching ``filters`` in URN order, one page after ``cursor``."""
    p = SqlParams()
    where = [f"s.urn > {p(decode_key(cursor) or 0)}"]
    for column, value in (
        ("la_code", filters.la),
        ("region_code", filters.region),
        ("phase", filters.phase),
        ("type_code", filters.type),
        ("status", filters.status),
        ("trust_uid", filters.trust_uid),
    ):
        if value is not None:
            where.append(f"s.{column} = {p(value)}")
    if filters.in_trust is not None:
        where.append(f"s.trust_uid IS {'NOT ' if filters.in_trust else ''}NULL")
    if filters.q:
        where.append(f"lower(s.name) LIKE {p(contains_pattern(filters.q))}")
    rows = await pool.fetch(
        f"""
        SELECT s.urn, s.name, s.la_code, s.la_name, s.region_code, s.region_name, s.phase,
               s.type_code, s.type_name, s.status, s.pupils, s.trust_uid, s.joined_trust_on,
               s.join_reason, t.name AS trust_name
          FROM registry_schools s LEFT JOIN registry_trusts t ON t.uid = s.trust_uid
         WHERE {" AND ".join(where)}
         ORDER BY s.urn
         LIMIT {p(limit + 1)}
        """,
        *p.values,
    )
    items = [
        SchoolSummary(
            urn=r["urn"],
            name=r["name"],
            la_code=r["la_code"],
            la_name=r["la_name"],
            region_code=r["region_code"],
            region_name=r["region_name"],
            phase=r["phase"],
            type_code=r["type_code"],
            type_name=r["type_name"],
            status=r["status"],
            pupils=r["pupils"],
            trust=_trust_ref(
                r["trust_uid"], r["trust_name"], r["joined_trust_on"], r["join_reason"]
            ),
        )
        for r in rows[:limit]
    ]
    return SchoolPage(items=items, next_cursor=page_cursor([r["urn"] for r in rows], limit))


# Successors are linked from other schools' streams, so they come from the links.
_SUCCESSORS = (
    "ARRAY(SELECT l.urn FROM registry_school_links l"
    " WHERE l.predecessor_urn = s.urn ORDER BY l.urn) AS successor_urns"
)

# The latest graded inspection started by {on}, of whichever era, whole as its history
# keeps it (ungraded inspections are history only).
_LATEST_GRADED = """
(SELECT h.summary -> 'inspection' FROM registry_school_history h
  WHERE h.urn = s.urn AND h.event_type = '{type}' AND h.effective_on <= {on}
    AND h.summary -> 'inspection' ->> 'framework' <> 'ungraded'
  ORDER BY h.effective_on DESC, h.position DESC LIMIT 1)::text AS inspection
"""

_SCHOOL_NOW_SQL = f"""
SELECT s.*, t.name AS trust_name, {_SUCCESSORS},
       (SELECT max(v.valid_from) FROM registry_school_versions v WHERE v.urn = s.urn)
         AS details_as_of,
       {_LATEST_GRADED.format(type=OFSTED_TYPE, on="'infinity'::date")}
  FROM registry_schools s LEFT JOIN registry_trusts t ON t.uid = s.trust_uid
 WHERE s.urn = $1
"""


# The details on $2, the membership covering
# $2 (spells are half-open) and the latest inspection started by $2.
_SCHOOL_AS_OF_SQL = f"""
SELECT s.urn, s.registered_on, s.open_date, s.predecessor_urns, {_SUCCESSORS}, s.version,
       v.valid_from AS details_as_of, v.details::text AS details,
       m.trust_uid, m.from_date AS joined_trust_on, m.join_reason, t.name AS trust_name,
       {_LATEST_GRADED.format(type=OFSTED_TYPE, on="$2")}
  FROM registry_schools s
  LEFT JOIN LATERAL ({DETAILS_ON.format(urn="s.urn", on="$2")}) v ON true
  LEFT JOIN LATERAL (
        SELECT * FROM registry_memberships m
         WHERE m.urn = s.urn AND m.from_date <= $2 AND (m.to_date IS NULL OR m.to_date > $2)
         ORDER BY m.from_date DESC LIMIT 1) m ON true
  LEFT JOIN registry_trusts t ON t.uid = m.trust_uid
 WHERE s.urn = $1
"""


def _existed(row: asyncpg.Record, on: date) -> bool:
    # The registry records a school from the GIAS snapshot it first appeared in, which can
    # be years after it opened; its opening or a trust running it says it existed earlier.
    opened: date | None = row["open_date"]
    return (
        row["registered_on"] <= on
        or (opened is not None and opened <= on)
        or row["trust_uid"] is not None
    )


async def get_school(pool: asyncpg.Pool, urn: int, *, as_of: date | None) -> SchoolView:
    """A school now, or as it was on ``as_of``; NotFound if it did not exist then."""
    if as_of is None:
        row = await pool.fetchrow(_SCHOOL_NOW_SQL, urn)
        if row is None:
            raise NotFound(f"No school with URN {urn} is on the register.")
        details = {name: row[name] for name in SCHOOL_DETAIL_FIELDS}
        inspection = row["inspection"]
        ofsted = OfstedSummary.model_validate_json(inspection) if inspection else None
    else:
        row = await pool.fetchrow(_SCHOOL_AS_OF_SQL, urn, as_of)
        if row is None or row["details"] is None or not _existed(row, as_of):
            raise NotFound(f"No school with URN {urn} existed on {as_of} as far as we know.")
        details = json.loads(row["details"])
        inspection = row["inspection"]
        ofsted = OfstedSummary.model_validate_json(inspection) if inspection else None
    return SchoolView(
        urn=urn,
        as_of=as_of,
        details=SchoolDetails.model_validate(details),
        details_as_of=row["details_as_of"],
        registered_on=row["registered_on"],
        trust=_trust_ref(
            row["trust_uid"], row["trust_name"], row["joined_trust_on"], row["join_reason"]
        ),
        predecessor_urns=list(row["predecessor_urns"]),
        successor_urns=list(row["successor_urns"]),
        ofsted=ofsted,
        version=row["version"],
    )


async def get_school_history(pool: asyncpg.Pool, urn: int) -> SchoolHistory:
    """A school's membership timeline and its events, oldest first."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        spells = await conn.fetch(
            """
            SELECT m.*, t.name AS trust_name
              FROM registry_memberships m LEFT JOIN registry_trusts t ON t.uid = m.trust_uid
             WHERE m.urn = $1
             ORDER BY m.from_date, m.to_date NULLS LAST, m.trust_uid
            """,
            urn,
        )
        events = await conn.fetch(
            """
            SELECT position, stream_version, event_type, effective_on, recorded_at,
                   summary::text AS summary
              FROM registry_school_history WHERE urn = $1
             ORDER BY stream_version, position
            """,
            urn,
        )
    if not events and not spells:
        raise NotFound(f"No school with URN {urn} is on the register.")
    return SchoolHistory(
        urn=urn,
        memberships=[
            MembershipView(
                trust_uid=r["trust_uid"],
                trust_name=r["trust_name"],
                from_date=r["from_date"],
                to_date=r["to_date"],
                join_reason=r["join_reason"],
                leave_reason=r["leave_reason"],
                decision_reference=r["decision_reference"],
            )
            for r in spells
        ],
        events=[
            HistoryEntry(
                position=r["position"],
                stream_version=r["stream_version"],
                event_type=r["event_type"],
                effective_on=r["effective_on"],
                recorded_at=r["recorded_at"],
                summary=json.loads(r["summary"]),
            )
            for r in events
        ],
    )
