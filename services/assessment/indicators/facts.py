"""Reading the facts the indicators are computed from, for many trusts in one statement."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.assessment.indicators.compute import (
    Inspection,
    SchoolFacts,
    TrustFacts,
    compute_indicators,
)
from services.assessment.indicators.schemas import TrustIndicators

# The trust's inspections read through to_jsonb: absent (null) rather than an error on a
# database not yet migrated to 0020, which a consumer may meet while it is being upgraded.
_TRUSTS_SQL = """
SELECT uid, name, status, (to_jsonb(t) -> 'trust_inspections')::text AS trust_inspections
  FROM assessment_indicator_trusts t WHERE uid = ANY($1::int[])
"""
# Each school with its predecessors' inspections, by predecessor URN.
_SCHOOLS_SQL = """
SELECT s.urn, s.trust_uid, s.name, s.joined_on, s.la_code, s.la_name, s.region_code,
       s.region_name, s.phase, s.pupils, s.easting, s.northing, s.inspections::text,
       CASE WHEN cardinality(s.predecessor_urns) > 0 THEN
         (SELECT jsonb_object_agg(p.urn, p.inspections) FROM assessment_indicator_schools p
           WHERE p.urn = ANY(s.predecessor_urns))::text
       END AS predecessors
  FROM assessment_indicator_schools s
 WHERE s.trust_uid = ANY($1::int[])
"""


def _inspections(items: list[dict[str, Any]]) -> tuple[Inspection, ...]:
    return tuple(Inspection.from_json(i) for i in items)


def _school(row: asyncpg.Record) -> SchoolFacts:
    predecessors = orjson.loads(row["predecessors"]) if row["predecessors"] else {}
    return SchoolFacts(
        urn=row["urn"],
        name=row["name"],
        joined_on=row["joined_on"],
        la_code=row["la_code"],
        la_name=row["la_name"],
        region_code=row["region_code"],
        region_name=row["region_name"],
        phase=row["phase"],
        pupils=row["pupils"],
        easting=row["easting"],
        northing=row["northing"],
        inspections=_inspections(orjson.loads(row["inspections"])),
        predecessor_inspections={int(k): _inspections(v) for k, v in predecessors.items()},
    )


async def compute_for(
    executor: asyncpg.Connection | asyncpg.Pool, uids: Collection[int], as_of: date
) -> list[TrustIndicators]:
    """Indicators of those of ``uids`` that are known trusts, from the facts as they are now."""
    wanted = list(uids)
    trusts = await executor.fetch(_TRUSTS_SQL, wanted)
    schools: dict[int, list[SchoolFacts]] = {}
    for row in await executor.fetch(_SCHOOLS_SQL, wanted):
        schools.setdefault(row["trust_uid"], []).append(_school(row))
    return [
        compute_indicators(
            TrustFacts(
                uid=t["uid"],
                name=t["name"],
                status=t["status"],
                inspections=orjson.loads(t["trust_inspections"] or "[]"),
            ),
            schools.get(t["uid"], []),
            as_of,
        )
        for t in trusts
    ]
