"""Coverage: schools and pupils in trusts versus not, by LA, region or area; trust sizes."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.registry.queries.common import (
    OPEN_STATUSES,
    TRUST_SIZE_BUCKETS,
)
from services.registry.schemas import (
    Coverage,
    CoverageBy,
    CoverageGroup,
    TrustSizeBucket,
)
from shared import reference
from shared.reference import Area

_GROUP_COLUMNS: dict[str, tuple[str, str]] = {
    "la": ("la_code", "la_name"),
    "region": ("region_code", "region_name"),
}

# Open schools and their pupils in and out of trusts, one row per group ({code}, {name}).
_COVERAGE_SQL = """
SELECT {code} AS code, max({name}) AS name, count(*) AS schools_open,
       count(*) FILTER (WHERE trust_uid IS NOT NULL) AS in_trust,
       coalesce(sum(pupils) FILTER (WHERE trust_uid IS NOT NULL), 0) AS pupils_in,
       coalesce(sum(pupils) FILTER (WHERE trust_uid IS NULL), 0) AS pupils_out
  FROM registry_schools WHERE status = ANY($1::text[])
 {group}
"""

# The areas ($1, in the order wanted) and their parts: one row per (area, LA code, district)
# in $2, $3, $4, with a NULL district for the whole LA. A school in an LA and district of an
# area's part is in the area; areas overlap (Hastings is inside East Sussex), so a school can
# be in several. Every area gets a row, with zeros when no open school is in it.
_AREA_COVERAGE_SQL = """
WITH area AS (
    SELECT * FROM unnest($1::text[]) WITH ORDINALITY AS a(name, ord)
), part AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[]) AS p(area, la_code, district)
), member AS (
    -- DISTINCT: once per area, even if a school were in two parts of one area.
    SELECT DISTINCT p.area, s.urn, s.trust_uid, s.pupils
      FROM part p
      JOIN registry_schools s
        ON s.la_code = p.la_code
       AND (p.district IS NULL OR lower(s.district_name) = lower(p.district))
     WHERE s.status = ANY($5::text[])
)
SELECT a.name AS code, a.name, count(m.urn) AS schools_open,
       count(m.urn) FILTER (WHERE m.trust_uid IS NOT NULL) AS in_trust,
       coalesce(sum(m.pupils) FILTER (WHERE m.trust_uid IS NOT NULL), 0) AS pupils_in,
       coalesce(sum(m.pupils) FILTER (WHERE m.trust_uid IS NULL), 0) AS pupils_out
  FROM area a LEFT JOIN member m ON m.area = a.name
 GROUP BY a.name, a.ord
 ORDER BY a.ord
"""


def share(part: int, whole: int) -> float:
    """``part`` of ``whole`` as a fraction (0 of nothing)."""
    return round(part / whole, 4) if whole else 0.0


def _group(
    code: str | None, name: str | None, open_: int, in_trust: int, pupils_in: int, pupils_out: int
) -> CoverageGroup:
    return CoverageGroup(
        code=code,
        name=name,
        schools_open=open_,
        schools_in_trust=in_trust,
        schools_not_in_trust=open_ - in_trust,
        pupils_in_trust=pupils_in,
        pupils_not_in_trust=pupils_out,
        share_schools_in_trust=share(in_trust, open_),
        share_pupils_in_trust=share(pupils_in, pupils_in + pupils_out),
    )


def _group_of(row: asyncpg.Record) -> CoverageGroup:
    return _group(
        row["code"],
        row["name"],
        row["schools_open"],
        row["in_trust"],
        row["pupils_in"],
        row["pupils_out"],
    )


def bucket_trust_sizes(trusts_by_size: dict[int, int]) -> list[TrustSizeBucket]:
    """Trust counts per number of open schools, gathered into TRUST_SIZE_BUCKETS."""
    out = []
    for low, high in TRUST_SIZE_BUCKETS:
        sizes = [n for n in trusts_by_size if n >= low and (high is None or n <= high)]
        out.append(
            TrustSizeBucket(
                bucket=str(low) if low == high else f"{low}+" if high is None else f"{low}-{high}",
                min_schools=low,
                max_schools=high,
                trusts=sum(trusts_by_size[n] for n in sizes),
                schools=sum(n * trusts_by_size[n] for n in sizes),
            )
        )
    return out


def areas_in_name_order() -> list[Area]:
    """Every area, by name in any case."""
    return sorted(reference.areas(), key=lambda a: a.name.casefold())


async def area_coverage(conn: asyncpg.Connection, areas: Sequence[Area]) -> list[asyncpg.Record]:
    """One coverage row per area, in the order given."""
    parts = [
        (area.name, la_code, district)
        for area in areas
        for la_code in area.la_codes
        for district in area.districts or (None,)
    ]
    rows: list[asyncpg.Record] = await conn.fetch(
        _AREA_COVERAGE_SQL,
        [area.name for area in areas],
        [name for name, _, _ in parts],
        [la_code for _, la_code, _ in parts],
        [district for _, _, district in parts],
        list(OPEN_STATUSES),
    )
    return rows


async def coverage(pool: asyncpg.Pool, *, by: CoverageBy) -> Coverage:
    """Open schools and pupils in trusts versus not, per LA, region or area, and trust sizes."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        if by == "area":
            rows = await area_coverage(conn, areas_in_name_order())
        else:
            code, name = _GROUP_COLUMNS[by]
            rows = await conn.fetch(
                _COVERAGE_SQL.format(
                    code=code, name=name, group=f"GROUP BY {code} ORDER BY {code} NULLS LAST"
                ),
                list(OPEN_STATUSES),
            )
        # The national figure, not a sum of the groups: areas overlap and do not cover England.
        (national,) = await conn.fetch(
            _COVERAGE_SQL.format(code="NULL::text", name="'England'", group=""),
            list(OPEN_STATUSES),
        )
        sizes = await conn.fetch(
            """
            SELECT n, count(*) AS trusts FROM (
                SELECT count(*) AS n FROM registry_schools
                 WHERE status = ANY($1::text[]) AND trust_uid IS NOT NULL
                 GROUP BY trust_uid) per_trust
             GROUP BY n
            """,
            list(OPEN_STATUSES),
        )
    return Coverage(
        by=by,
        groups=[_group_of(r) for r in rows],
        totals=_group_of(national),
        trust_sizes=bucket_trust_sizes({r["n"]: r["trusts"] for r in sizes}),
    )
