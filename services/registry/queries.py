"""Reads over the registry's read models, each answering one API question with a view.

Lists are ordered by their key (URN, trust UID) and paginated with an opaque cursor that
holds the last key seen, so pages stay stable while rows are added or changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from services.registry.models import SCHOOL_DETAIL_FIELDS, TRUST_DETAIL_FIELDS
from services.registry.schemas import (
    AreaCount,
    AreaList,
    AreaView,
    Coverage,
    CoverageBy,
    CoverageGroup,
    HistoryEntry,
    MembershipView,
    OfstedSummary,
    SchoolHistory,
    SchoolPage,
    SchoolSummary,
    SchoolView,
    TrustPage,
    TrustRef,
    TrustSchool,
    TrustSchoolPage,
    TrustSizeBucket,
    TrustSummary,
    TrustView,
)
from shared import reference
from shared.contracts.registry import SchoolDetails, TrustDetails
from shared.db import SqlParams
from shared.errors import NotFound
from shared.http.paging import decode_key, encode_cursor
from shared.reference import Area

# Schools that count as open for coverage (GIAS's EstablishmentStatus names).
OPEN_STATUSES: tuple[str, ...] = ("Open", "Open, but proposed to close")
# Trust sizes by open schools: (smallest, largest or None for no limit).
TRUST_SIZE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (1, 1),
    (2, 5),
    (6, 10),
    (11, 20),
    (21, 50),
    (51, None),
)
_OFSTED_TYPE = "registry.OfstedInspectionRecorded"


# ------------------------------------------------------------------ cursors


def _contains(q: str) -> str:
    # A LIKE pattern for a case-insensitive substring, with LIKE's wildcards taken literally.
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _page_cursor(keys: Sequence[int], limit: int) -> str | None:
    return encode_cursor(keys[limit - 1]) if len(keys) > limit else None


# ------------------------------------------------------------------- schools


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
        where.append(f"lower(s.name) LIKE {p(_contains(filters.q))}")
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
    return SchoolPage(items=items, next_cursor=_page_cursor([r["urn"] for r in rows], limit))


# Successors are linked from other schools' streams, so they come from the links.
_SUCCESSORS = (
    "ARRAY(SELECT l.urn FROM registry_school_links l"
    " WHERE l.predecessor_urn = s.urn ORDER BY l.urn) AS successor_urns"
)

_SCHOOL_NOW_SQL = f"""
SELECT s.*, t.name AS trust_name, {_SUCCESSORS},
       (SELECT max(v.valid_from) FROM registry_school_versions v WHERE v.urn = s.urn)
         AS details_as_of
  FROM registry_schools s LEFT JOIN registry_trusts t ON t.uid = s.trust_uid
 WHERE s.urn = $1
"""

# A school's details on a date: the latest version valid then or, for a date before the
# first one (the school predates its first GIAS snapshot here), the earliest known.
_DETAILS_ON = """
SELECT v.valid_from, v.details FROM registry_school_versions v
 WHERE v.urn = {urn}
 ORDER BY v.valid_from <= {on} DESC, CASE WHEN v.valid_from <= {on} THEN v.valid_from END DESC,
          v.valid_from, v.stream_version DESC
 LIMIT 1
"""

# The details on $2, the membership covering
# $2 (spells are half-open) and the latest inspection started by $2.
_SCHOOL_AS_OF_SQL = f"""
SELECT s.urn, s.registered_on, s.open_date, s.predecessor_urns, {_SUCCESSORS}, s.version,
       v.valid_from AS details_as_of, v.details::text AS details,
       m.trust_uid, m.from_date AS joined_trust_on, m.join_reason, t.name AS trust_name,
       (SELECT h.summary -> 'inspection' FROM registry_school_history h
         WHERE h.urn = s.urn AND h.event_type = '{_OFSTED_TYPE}' AND h.effective_on <= $2
         ORDER BY h.effective_on DESC, h.position DESC LIMIT 1)::text AS inspection
  FROM registry_schools s
  LEFT JOIN LATERAL ({_DETAILS_ON.format(urn="s.urn", on="$2")}) v ON true
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
        ofsted = _ofsted_now(row)
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


def _ofsted_now(row: asyncpg.Record) -> OfstedSummary | None:
    if row["ofsted_inspection_start"] is None:
        return None
    card = row["ofsted_report_card"]
    return OfstedSummary(
        framework=row["ofsted_framework"],
        inspection_start=row["ofsted_inspection_start"],
        publication_date=row["ofsted_publication_date"],
        overall_effectiveness=row["ofsted_overall_effectiveness"],
        category_of_concern=row["ofsted_category_of_concern"],
        safeguarding_effective=row["ofsted_safeguarding_effective"],
        report_card=json.loads(card) if card else {},
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


# -------------------------------------------------------------------- trusts


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
        where.append(f"lower(t.name) LIKE {p(_contains(filters.q))}")
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
    return TrustPage(items=items, next_cursor=_page_cursor([r["uid"] for r in rows], limit))


_TRUST_AREAS_SQL = """
SELECT {code} AS code, max({name}) AS name, count(*) AS school_count,
       coalesce(sum(pupils), 0) AS pupils
  FROM registry_schools WHERE trust_uid = $1
 GROUP BY {code} ORDER BY {code} NULLS LAST
"""


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
  LEFT JOIN LATERAL ({_DETAILS_ON.format(urn="m.urn", on="$2")}) v ON true
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
        next_cursor=_page_cursor([r["urn"] for r in rows], limit),
    )


# --------------------------------------------------------------------- stats

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


def _share(part: int, whole: int) -> float:
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
        share_schools_in_trust=_share(in_trust, open_),
        share_pupils_in_trust=_share(pupils_in, pupils_in + pupils_out),
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


async def _area_coverage(conn: asyncpg.Connection, areas: Sequence[Area]) -> list[asyncpg.Record]:
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
            rows = await _area_coverage(conn, _areas_in_name_order())
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


# --------------------------------------------------------------------- areas


def _areas_in_name_order() -> list[Area]:
    return sorted(reference.areas(), key=lambda a: a.name.casefold())


def find_area(name: str) -> Area:
    """The area called ``name`` in any case; NotFound if there is none."""
    wanted = name.casefold()
    for area in reference.areas():
        if area.name.casefold() == wanted:
            return area
    raise NotFound(f"No area is called {name!r}.", extra={"name": name})


def _area_view(area: Area, row: asyncpg.Record) -> AreaView:
    open_, in_trust = row["schools_open"], row["in_trust"]
    pupils_in, pupils_total = row["pupils_in"], row["pupils_in"] + row["pupils_out"]
    return AreaView(
        name=area.name,
        kind=area.kind,
        la_codes=list(area.la_codes),
        districts=list(area.districts),
        priority=area.priority,
        eia=area.is_eia,
        schools_open=open_,
        schools_in_trust=in_trust,
        schools_not_in_trust=open_ - in_trust,
        pupils_in_trust=pupils_in,
        pupils_total=pupils_total,
        share_schools_in_trust=_share(in_trust, open_),
        share_pupils_in_trust=_share(pupils_in, pupils_total),
    )


async def list_areas(pool: asyncpg.Pool, *, priority: bool | None) -> AreaList:
    """Every area in name order (only priority areas, or only the others, if asked)."""
    areas = [a for a in _areas_in_name_order() if priority is None or a.priority == priority]
    async with pool.acquire() as conn:
        rows = await _area_coverage(conn, areas)
    return AreaList(items=[_area_view(a, r) for a, r in zip(areas, rows, strict=True)])


async def get_area(pool: asyncpg.Pool, name: str) -> AreaView:
    """One area, named in any case, with its figures; NotFound if there is no such area."""
    area = find_area(name)
    async with pool.acquire() as conn:
        (row,) = await _area_coverage(conn, [area])
    return _area_view(area, row)
