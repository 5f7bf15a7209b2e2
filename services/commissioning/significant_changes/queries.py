"""Significant changes as listed: straight from the log's ``significant_change`` streams.

They are few (a handful per region a month), so, like delegations (``authority.py``), the
list reads the proposals by the log's category index and each one's decision by its stream
key, with no read model to keep. Only fields every stored version of the two events has are
read (version 2 of a proposal only added ``types_policy_version``), so no upcasting is
needed here. A change is where its academy is (``handlers.school_place`` in SQL).
"""

from __future__ import annotations

import asyncpg

from services.commissioning.queries import Visibility
from services.commissioning.significant_changes.schemas import (
    SignificantChangePage,
    SignificantChangeSummary,
)
from shared.contracts.significant_changes import SignificantChangeDecided, SignificantChangeProposed
from shared.db import SqlParams
from shared.http.paging import decode_key, encode_cursor

_SELECT = f"""
SELECT p.position, p.data->>'significant_change_id' AS significant_change_id,
       (p.data->>'urn')::int AS urn, (p.data->>'trust_uid')::int AS trust_uid,
       p.data->>'change_type' AS change_type, p.data->>'tier' AS tier,
       (p.data->>'consultation_end')::date AS consultation_end,
       (p.data->>'proposed_on')::date AS proposed_on,
       d.data->>'outcome' AS outcome, (d.data->>'decided_on')::date AS decided_on,
       f.name AS school_name
  FROM events p
  LEFT JOIN LATERAL (
       SELECT e.data FROM events e
        WHERE e.stream_id = p.stream_id
          AND e.event_type = '{SignificantChangeDecided.type_name}'
        ORDER BY e.stream_version DESC LIMIT 1) d ON true
  LEFT JOIN commissioning_school_facts f ON f.urn = (p.data->>'urn')::int
 WHERE p.category = 'significant_change'
   AND p.event_type = '{SignificantChangeProposed.type_name}'
"""


async def list_changes(
    pool: asyncpg.Pool,
    *,
    urn: int | None,
    trust_uid: int | None,
    limit: int,
    cursor: str | None,
    visible: Visibility | None,
) -> SignificantChangePage:
    """Changes matching the filters (and ``visible``, unless None), newest proposal first,
    one page after ``cursor``."""
    p = SqlParams()
    where: list[str] = []
    before = decode_key(cursor)
    if before is not None:
        where.append(f"p.position < {p(before)}")
    if urn is not None:
        where.append(f"(p.data->>'urn')::int = {p(urn)}")
    if trust_uid is not None:
        where.append(f"(p.data->>'trust_uid')::int = {p(trust_uid)}")
    if visible is not None:
        where.append(
            f"(f.region_code = ANY({p(visible.regions)}::text[])"
            f" OR f.la_code = ANY({p(visible.las)}::text[]))"
        )
    sql = (
        _SELECT
        + "".join(f" AND {w}" for w in where)
        + f" ORDER BY p.position DESC LIMIT {p(limit + 1)}"
    )
    rows = await pool.fetch(sql, *p.values)
    more = len(rows) > limit
    rows = rows[:limit]
    return SignificantChangePage(
        items=[
            SignificantChangeSummary(
                significant_change_id=r["significant_change_id"],
                urn=r["urn"],
                school_name=r["school_name"],
                trust_uid=r["trust_uid"],
                change_type=r["change_type"],
                tier=r["tier"],
                consultation_end=r["consultation_end"],
                proposed_on=r["proposed_on"],
                outcome=r["outcome"],
                decided_on=r["decided_on"],
            )
            for r in rows
        ],
        next_cursor=encode_cursor(rows[-1]["position"]) if more else None,
    )
