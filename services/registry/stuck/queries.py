"""Stuck schools computed from the registry's Ofsted history, memberships and its policy."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

import asyncpg

from services.registry import queries
from services.registry.policy_book import POLICIES
from services.registry.queries.areas import find_area
from services.registry.queries.common import OFSTED_TYPE, OPEN_STATUSES
from services.registry.schemas import OfstedSummary, SchoolView
from services.registry.stuck.rules import STUCK_POLICY, StuckSchools, stuck
from services.registry.stuck.schemas import StuckSchool, StuckSchoolList
from shared.eventlog.store import EventStore
from shared.policy.store import InForce, PolicyNotInForce, policy_in_force

# Open schools in the region and area asked about, or the one school (each filter off when
# NULL), with every inspection their history holds.
_CANDIDATES_SQL = f"""
SELECT s.urn, s.name, s.la_code, s.la_name, s.region_code, s.trust_uid,
       (h.summary -> 'inspection')::text AS inspection
  FROM registry_schools s
  JOIN registry_school_history h ON h.urn = s.urn AND h.event_type = '{OFSTED_TYPE}'
 WHERE s.status = ANY($1::text[])
   AND ($2::text IS NULL OR s.region_code = $2)
   AND ($3::text[] IS NULL OR EXISTS (
        SELECT 1 FROM unnest($3::text[], $4::text[]) AS p(la_code, district)
         WHERE s.la_code = p.la_code
           AND (p.district IS NULL OR lower(s.district_name) = lower(p.district))))
   AND ($5::int IS NULL OR s.urn = $5)
 ORDER BY s.urn, h.position
"""


async def stuck_schools(
    pool: asyncpg.Pool,
    store: EventStore,
    *,
    region: str | None,
    area: str | None,
    on: date,
) -> StuckSchoolList:
    """Every open stuck school in the region and area, by the rule in force on ``on``."""
    rules = await policy_in_force(store, POLICIES, STUCK_POLICY, on, StuckSchools)
    las: list[str] | None = None
    districts: list[str | None] | None = None
    if area is not None:
        found = find_area(area)
        parts = [(la, d) for la in found.la_codes for d in (found.districts or (None,))]
        las, districts = [la for la, _ in parts], [d for _, d in parts]
    items = await _stuck(pool, rules, region=region, las=las, districts=districts, only=None)
    return StuckSchoolList(
        on=on, rule_version=rules.number, rule_title=rules.version.title, items=items
    )


async def school_view(
    pool: asyncpg.Pool, store: EventStore, urn: int, *, as_of: date | None, today: date
) -> SchoolView:
    """A school's view (``queries.get_school``); today's carries whether it is stuck, found
    as the list finds it, by the rule in force today."""
    # Through the package, so whoever replaces ``queries.get_school`` replaces it here too.
    view = await queries.get_school(pool, urn, as_of=as_of)
    if as_of is not None:
        return view
    try:
        rules = await policy_in_force(store, POLICIES, STUCK_POLICY, today, StuckSchools)
    except PolicyNotInForce:
        # Before the first version took effect nobody was stuck; the school is still shown.
        return view
    found = await _stuck(pool, rules, region=None, las=None, districts=None, only=urn)
    return view.model_copy(update={"stuck": found[0] if found else None})


async def _stuck(
    pool: asyncpg.Pool,
    rules: InForce[StuckSchools],
    *,
    region: str | None,
    las: list[str] | None,
    districts: list[str | None] | None,
    only: int | None,
) -> list[StuckSchool]:
    """The stuck schools among the open schools the filters leave, in URN order."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(_CANDIDATES_SQL, list(OPEN_STATUSES), region, las, districts, only)
        urns = sorted({r["urn"] for r in rows})
        spells = await conn.fetch(
            "SELECT urn, trust_uid, from_date, to_date FROM registry_memberships"
            " WHERE urn = ANY($1::int[])",
            urns,
        )
    by_school: dict[int, list[dict[str, Any]]] = defaultdict(list)
    school: dict[int, asyncpg.Record] = {}
    for r in rows:
        by_school[r["urn"]].append(json.loads(r["inspection"]))
        school[r["urn"]] = r
    memberships: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for m in spells:
        memberships[m["urn"]].append(m)

    items: list[StuckSchool] = []
    for urn in urns:

        def trust_on(day: date, urn: int = urn) -> int | None:
            for m in memberships[urn]:
                if m["from_date"] <= day and (m["to_date"] is None or day < m["to_date"]):
                    return int(m["trust_uid"])
            return None

        row = school[urn]
        found_stuck = stuck(rules.document, by_school[urn], trust_on, row["trust_uid"])
        if found_stuck is None:
            continue
        items.append(
            StuckSchool(
                urn=urn,
                name=row["name"],
                la_code=row["la_code"],
                la_name=row["la_name"],
                region_code=row["region_code"],
                trust_uid=row["trust_uid"],
                rule_version=rules.number,
                latest=OfstedSummary.model_validate(found_stuck.latest),
                previous=OfstedSummary.model_validate(found_stuck.previous),
            )
        )
    return items
