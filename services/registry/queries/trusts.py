"""Academy trusts: the list, one trust with its reach, and the schools it ran on a date."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from services.registry.models import TRUST_DETAIL_FIELDS
from services.registry.queries.common import (
    DETAILS_ON,
    contains_pattern,
    page_cursor,
)
from services.registry.schemas import (
    AreaCount,
    TrustInspectionSummary,
    TrustPage,
    TrustSchool,
    TrustSchoolPage,
    TrustSummary,
    TrustView,
)
from shared.contracts.registry import TrustDetails
from shared.db import SqlParams
from shared.errors import NotFound
from shared.http.paging import decode_key


@dataclass(frozen=True, kw_only=True)
class TrustFilters:
    """Filters on the trust list; None means any."""

    status: str | None = None
    trust_type: str | None = None
    la: str | None = None
    q: str | None = None


async def list_trusts(
    pool: asyncpg.Pool, *, filters: TrustFilters, limit: int, cursor: str | None
) -> TrustPage:
    """Academy trusts matching ``filters`` in UID order, one page after ``cursor``."""
    p = SqlParams()
    where = [f"t.uid > {p(decode_key(cursor) or 0)}"]
    if filters.status is not None:
        where.append(f"t.status = {p(filters.status)}")
    if filters.trust_type is not None:
        where.append(f"t.trust_type = {p(filters.trust_type)}")
    if filters.la is not None:
        where.append(
            "EXISTS (SELECT 1 FROM registry_schools s"
            f" WHERE s.trust_uid = t.uid AND s.la_code = {p(filters.la)})"
        )
    if filters.q:
        where.append(f"lower(t.name) LIKE {p(contains_pattern(filters.q))}")
    rows = await pool.fetch(
        f"""
        SELECT t.uid, t.name, t.trn, t.trust_type, t.status, t.la_established,
               (SELECT count(*) FROM registry_schools s WHERE s.trust_uid = t.uid) AS school_count
          FROM registry_trusts t
         WHERE {" AND ".join(where)}
         ORDER BY t.uid
         LIMIT {p(limit + 1)}
        """,
        *p.values,
    )
    items = [
        TrustSummary(
            uid=r["uid"],
            name=r["name"],
            trn=r["trn"],
            trust_type=r["trust_type"],
            status=r["status"],
            la_established=r["la_established"],
            school_count=r["school_count"],
        )
        for r in rows[:limit]
    ]
    return TrustPage(items=items, next_cursor=page_cursor([r["uid"] for r in rows], limit))


_TRUST_AREAS_SQL = """
SELECT {code} AS code, max({name}) AS name, count(*) AS school_count,
       coalesce(sum(pupils), 0) AS pupils
  FROM registry_schools WHERE trust_uid = $1
 GROUP BY {code} ORDER BY {code} NULLS LAST
"""


_TRUST_INSPECTIONS_SQL = """
SELECT inspection_id, inspection_start, publication_date, inspection_type, outcomes::text,
       report_url, source_file, format_version
  FROM registry_trust_inspections WHERE uid = $1
 ORDER BY inspection_start DESC, inspection_id DESC
"""


def _inspection(r: asyncpg.Record) -> TrustInspectionSummary:
    return TrustInspectionSummary(
        inspection_id=r["inspection_id"],
        inspection_start=r["inspection_start"],
        publication_date=r["publication_date"],
        inspection_type=r["inspection_type"],
        outcomes=json.loads(r["outcomes"]),
        report_url=r["report_url"],
        source_file=r["source_file"],
        format_version=r["format_version"],
    )


async def get_trust(pool: asyncpg.Pool, uid: int) -> TrustView:
    """An academy trust with its current schools summed up by LA and region."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await conn.fetchrow("SELECT * FROM registry_trusts WHERE uid = $1", uid)
        if row is None:
            raise NotFound(f"No academy trust with UID {uid} is on the register.")
        las = await conn.fetch(_TRUST_AREAS_SQL.format(code="la_code", name="la_name"), uid)
        regions = await conn.fetch(
            _TRUST_AREAS_SQL.format(code="region_code", name="region_name"), uid
        )
        inspections = [_inspection(r) for r in await conn.fetch(_TRUST_INSPECTIONS_SQL, uid)]
    return TrustView(
        uid=uid,
        details=TrustDetails.model_validate({name: row[name] for name in TRUST_DETAIL_FIELDS}),
        la_established=row["la_established"],
        founding_la_code=row["founding_la_code"],
        la_established_on=row["la_established_on"],
        school_count=sum(r["school_count"] for r in las),
        pupils=sum(r["pupils"] for r in las),
        las=[
            AreaCount(code=r["code"], name=r["name"], school_count=r["school_count"]) for r in las
        ],
        regions=[
            AreaCount(code=r["code"], name=r["name"], school_count=r["school_count"])
            for r in regions
        ],
        trust_inspection=inspections[0] if inspections else None,
        trust_inspections=inspections,
        version=row["version"],
    )


# One row per school whose membership of $1 covers $2, with its details on $2.
_TRUST_SCHOOLS_SQL = f"""
SELECT m.urn, m.from_date, m.to_date, m.join_reason, v.details::text AS details,
       s.name, s.la_code, s.la_name, s.phase, s.status, s.pupils
  FROM (SELECT DISTINCT ON (urn) * FROM registry_memberships
         WHERE trust_uid = $1 AND from_date <= $2 AND (to_date IS NULL OR to_date > $2)
           AND urn > $3
         ORDER BY urn, from_date DESC) m
  JOIN registry_schools s ON s.urn = m.urn
  LEFT JOIN LATERAL ({DETAILS_ON.format(urn="m.urn", on="$2")}) v ON true
 ORDER BY m.urn
 LIMIT $4
"""


async def list_trust_schools(
    pool: asyncpg.Pool, uid: int, *, as_of: date, limit: int, cursor: str | None
) -> TrustSchoolPage:
    """The schools a trust ran on ``as_of``, in URN order, one page after ``cursor``."""
    after = decode_key(cursor) or 0
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        if not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM registry_trusts WHERE uid = $1)", uid
        ):
            raise NotFound(f"No academy trust with UID {uid} is on the register.")
        rows = await conn.fetch(_TRUST_SCHOOLS_SQL, uid, as_of, after, limit + 1)
    items = []
    for r in rows[:limit]:
        then: dict[str, Any] = json.loads(r["details"]) if r["details"] else dict(r)
        items.append(
            TrustSchool(
                urn=r["urn"],
                name=then["name"],
                la_code=then["la_code"],
                la_name=then["la_name"],
                phase=then["phase"],
                status=then["status"],
                pupils=then["pupils"],
                joined_on=r["from_date"],
                join_reason=r["join_reason"],
                left_on=r["to_date"],
            )
        )
    return TrustSchoolPage(
        uid=uid,
        as_of=as_of,
        items=items,
        next_cursor=page_cursor([r["urn"] for r in rows], limit),
    )
