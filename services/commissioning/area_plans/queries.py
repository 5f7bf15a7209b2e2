"""Reading an area's plan: schools outside trusts or under intervention, open cases, concerns
about its trusts, coverage."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import orjson

from services.commissioning.area_plans.schemas import (
    AreaPlan,
    AreaRef,
    AreaSchool,
    CoveragePoint,
    Interval,
    InterventionRef,
    OpenCase,
    PlanCasePage,
    PlanInterventionPage,
    SchoolPage,
    SchoolUnderIntervention,
    TrustConcernWarning,
)
from services.commissioning.knowledge.facts import OPEN_STATUSES, STATE_FUNDED_GROUPS
from shared.http.paging import encode_cursor
from shared.reference import Area

# Case statuses in which no more work happens on the case.
ENDED_CASE_STATUSES: tuple[str, ...] = ("completed", "closed", "withdrawn", "dao_revoked")


NOTES = [
    "Only state-funded schools count (GIAS type groups: LA maintained, special, academies, "
    "free schools). Schools count as open by their GIAS status today; coverage over time "
    "counts a school open between its open and close dates, and in a trust between its "
    "membership's dates.",
    "Pupils over time are each school's latest known number on roll, not the number then.",
    "A school is under intervention when its trust has any active intervention, NTI warning "
    "letters included.",
    "Concern warnings are the open red and red-plus concerns about trusts running open "
    "schools in the area: warnings, not judgements.",
]


# ------------------------------------------------------------------ queries

# $1 LA codes, $2 lower-case district names or NULL for whole LAs. Only state-funded
# schools (by GIAS type group, when known): independent schools and colleges never join.
_STATE_FUNDED = ", ".join(f"'{group}'" for group in STATE_FUNDED_GROUPS)
_IN_AREA = f"""s.la_code = ANY($1::text[])
AND ($2::text[] IS NULL OR lower(s.district_name) = ANY($2::text[]))
AND (s.type_group_name IS NULL OR s.type_group_name IN ({_STATE_FUNDED}))"""
_OPEN = "s.status = ANY($3::text[])"

_NOT_IN_TRUST_SQL = f"""
SELECT s.urn, s.name, s.la_code, s.la_name, s.district_name, s.phase, s.pupils,
       s.ofsted_grade, s.ofsted_date
  FROM commissioning_school_facts s
 WHERE {_IN_AREA} AND {_OPEN} AND s.trust_uid IS NULL AND s.urn > $4
 ORDER BY s.urn LIMIT $5
"""
_NOT_IN_TRUST_TOTAL = f"""
SELECT count(*) FROM commissioning_school_facts s
 WHERE {_IN_AREA} AND {_OPEN} AND s.trust_uid IS NULL
"""
_UNDER_INTERVENTION = f"""
FROM commissioning_school_facts s
JOIN (SELECT trust_uid, jsonb_agg(jsonb_build_object(
        'intervention_id', intervention_id, 'kind', kind, 'status', status,
        'issued_on', issued_on, 'urn', urn) ORDER BY issued_on, intervention_id) AS list
        FROM commissioning_interventions WHERE active GROUP BY trust_uid) i
  ON i.trust_uid = s.trust_uid
LEFT JOIN commissioning_trust_facts t ON t.uid = s.trust_uid
WHERE {_IN_AREA} AND {_OPEN}
"""
_UNDER_INTERVENTION_SQL = f"""
SELECT s.urn, s.name, s.la_code, s.la_name, s.district_name, s.phase, s.pupils,
       s.ofsted_grade, s.ofsted_date, s.trust_uid, t.name AS trust_name, i.list::text AS list
{_UNDER_INTERVENTION} AND s.urn > $4 ORDER BY s.urn LIMIT $5
"""
_UNDER_INTERVENTION_TOTAL = f"SELECT count(*) {_UNDER_INTERVENTION}"
_OPEN_CASES_SQL = f"""
WITH area AS (SELECT array_agg(s.urn) AS urns FROM commissioning_school_facts s
               WHERE {_IN_AREA})
SELECT c.case_id, c.title, c.trigger, c.status, c.opened_on,
       ARRAY(SELECT u FROM unnest(c.urns) u WHERE u = ANY(area.urns) ORDER BY u) AS urns,
       count(*) OVER () AS total
  FROM commissioning_cases c, area
 WHERE c.urns && area.urns AND NOT (c.status = ANY($3::text[]))
 ORDER BY c.opened_on, c.case_id LIMIT $4
"""
# Concerns about the trusts running the area's open schools, most serious first.
_CONCERNS_SQL = f"""
SELECT c.concern_id, c.trust_uid, t.name AS trust_name, c.concern_type, c.rag, c.opened_on,
       count(*) AS schools_in_area
  FROM commissioning_trust_concerns c
  JOIN commissioning_school_facts s ON s.trust_uid = c.trust_uid
  LEFT JOIN commissioning_trust_facts t ON t.uid = c.trust_uid
 WHERE {_IN_AREA} AND {_OPEN} AND c.status <> 'closed' AND c.rag IN ('red_plus', 'red')
 GROUP BY c.concern_id, c.trust_uid, t.name, c.concern_type, c.rag, c.opened_on
 ORDER BY c.rag = 'red', c.opened_on, c.concern_id LIMIT $4
"""
# A school counts on a date when it had opened and not yet closed; a closed school with no
# close date cannot be placed in time and is left out.
_COVERAGE_SQL = f"""
WITH d AS (SELECT unnest($3::date[]) AS on_date),
s AS (SELECT s.urn, coalesce(s.pupils, 0) AS pupils, s.open_date, s.close_date
        FROM commissioning_school_facts s
       WHERE {_IN_AREA} AND NOT (s.closed AND s.close_date IS NULL))
SELECT d.on_date, count(s.urn) AS schools_open,
       count(s.urn) FILTER (WHERE x.in_trust) AS in_trust,
       coalesce(sum(s.pupils), 0) AS pupils,
       coalesce(sum(s.pupils) FILTER (WHERE x.in_trust), 0) AS pupils_in_trust
  FROM d
  LEFT JOIN s ON (s.open_date IS NULL OR s.open_date <= d.on_date)
             AND (s.close_date IS NULL OR s.close_date > d.on_date)
  LEFT JOIN LATERAL (
    SELECT EXISTS (SELECT 1 FROM commissioning_memberships m
                    WHERE m.urn = s.urn AND m.from_date <= d.on_date
                      AND (m.to_date IS NULL OR m.to_date > d.on_date)) AS in_trust) x ON true
 GROUP BY d.on_date ORDER BY d.on_date
"""


def _month_end(on: date) -> date:
    first_next = date(on.year + (on.month == 12), on.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def coverage_dates(today: date, years: int, interval: Interval) -> list[date]:
    """Each month (or year) end in the last ``years`` years before today, then today."""
    start = date(today.year - years, today.month, 1)
    out: list[date] = []
    if interval == "year":
        out = [date(y, 12, 31) for y in range(start.year, today.year) if date(y, 12, 31) >= start]
    else:
        on = _month_end(start)
        while on < today:
            out.append(on)
            on = _month_end(on + timedelta(days=1))
    return [*out, today]


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _next(rows: list[asyncpg.Record], limit: int) -> str | None:
    return encode_cursor(rows[limit - 1]["urn"]) if len(rows) > limit else None


def _school(r: asyncpg.Record) -> AreaSchool:
    return AreaSchool(**{k: r[k] for k in AreaSchool.model_fields})


async def area_plan(
    pool: asyncpg.Pool,
    area: Area,
    *,
    today: date,
    years: int,
    interval: Interval,
    limit: int,
    not_in_trust_after: int,
    under_intervention_after: int,
) -> AreaPlan:
    """The plan for ``area`` on ``today``, from one consistent snapshot."""
    where = (list(area.la_codes), [d.casefold() for d in area.districts] or None)
    opened = list(OPEN_STATUSES)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        # One row more than asked, to know whether there is a next page.
        out_rows = await conn.fetch(
            _NOT_IN_TRUST_SQL, *where, opened, not_in_trust_after, limit + 1
        )
        out_total = await conn.fetchval(_NOT_IN_TRUST_TOTAL, *where, opened)
        int_rows = await conn.fetch(
            _UNDER_INTERVENTION_SQL, *where, opened, under_intervention_after, limit + 1
        )
        int_total = await conn.fetchval(_UNDER_INTERVENTION_TOTAL, *where, opened)
        case_rows = await conn.fetch(_OPEN_CASES_SQL, *where, list(ENDED_CASE_STATUSES), limit)
        concern_rows = await conn.fetch(_CONCERNS_SQL, *where, opened, limit)
        dates = coverage_dates(today, years, interval)
        points = await conn.fetch(_COVERAGE_SQL, *where, dates)
    return AreaPlan(
        area=AreaRef(
            name=area.name,
            kind=area.kind,
            la_codes=list(area.la_codes),
            districts=list(area.districts),
            eia=area.is_eia,
            priority=area.priority,
        ),
        as_of=today,
        schools_not_in_trust=SchoolPage(
            total=out_total,
            items=[_school(r) for r in out_rows[:limit]],
            next_cursor=_next(out_rows, limit),
        ),
        schools_under_intervention=PlanInterventionPage(
            total=int_total,
            items=[
                SchoolUnderIntervention(
                    **_school(r).model_dump(),
                    trust_uid=r["trust_uid"],
                    trust_name=r["trust_name"],
                    interventions=[InterventionRef(**i) for i in orjson.loads(r["list"])],
                )
                for r in int_rows[:limit]
            ],
            next_cursor=_next(int_rows, limit),
        ),
        open_cases=PlanCasePage(
            total=case_rows[0]["total"] if case_rows else 0,
            items=[
                OpenCase(
                    case_id=r["case_id"],
                    title=r["title"],
                    trigger=r["trigger"],
                    status=r["status"],
                    urns=list(r["urns"]),
                    opened_on=r["opened_on"],
                )
                for r in case_rows
            ],
        ),
        concern_warnings=[TrustConcernWarning(**dict(r)) for r in concern_rows],
        coverage_interval=interval,
        coverage=[
            CoveragePoint(
                on=p["on_date"],
                schools_open=p["schools_open"],
                schools_in_trust=p["in_trust"],
                share_schools_in_trust=_share(p["in_trust"], p["schools_open"]),
                pupils=p["pupils"],
                pupils_in_trust=p["pupils_in_trust"],
                share_pupils_in_trust=_share(p["pupils_in_trust"], p["pupils"]),
            )
            for p in points
        ],
        notes=NOTES,
    )
