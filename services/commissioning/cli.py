"""Commissioning's commands, and the sample case a first ``make run`` opens.

The sample is found in the log, not the registry's tables: the latest inspection that
judged a school inadequate, for a school that is still open, preferably one no trust runs
yet (a directive academy order); its region, area and LA come from its own events.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.commissioning.domain import cases
from services.commissioning.handlers import new_id
from services.commissioning.knowledge.facts import area_of
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseTrigger, FactorWeights, PillarWeight
from shared.db import database_url
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.runtime import owner_store
from shared.settings import get_settings

FIRST_RUN_ACTOR = "system:first-run"
# Schools judged inadequate, most recently inspected first: a few to pick an open one from.
_INADEQUATE_SQL = """
SELECT DISTINCT ON ((data->>'urn')::int) (data->>'urn')::int AS urn, position
  FROM events
 WHERE event_type = 'registry.OfstedInspectionRecorded'
   AND data->>'overall_effectiveness' = 'inadequate'
 ORDER BY (data->>'urn')::int, position DESC
"""
_SCHOOL_SQL = """
SELECT event_type, data FROM events WHERE stream_id = $1 ORDER BY stream_version
"""
SAMPLE_PILLARS = (
    PillarWeight(pillar="education", weight=3, themes=["curriculum", "student_outcomes"]),
    PillarWeight(pillar="school_improvement", weight=3),
    PillarWeight(pillar="governance_leadership", weight=1.5),
    PillarWeight(pillar="finance_operations", weight=1),
)
SAMPLE_FACTORS = FactorWeights(distance=1.5, local_presence=1.5, track_record=2)


def register(commands: Any) -> None:
    """Add this service's commands to the ``strongtrusts`` parser."""
    commissioning = commands.add_parser("commissioning", help="commissioning cases").add_subparsers(
        metavar="ACTION"
    )
    sample = commissioning.add_parser(
        "sample-case", help="open a sample case for an inadequate school (once)"
    )
    sample.set_defaults(func=_cmd_sample_case)


def _cmd_sample_case(args: argparse.Namespace) -> int:
    opened = asyncio.run(open_sample_case(database_url(get_settings())))
    print(
        f"sample case {opened}"
        if opened
        else "no sample case opened (one exists, or no school fits)"
    )
    return 0


async def first_run(url: str) -> None:
    """On a first ``make run``, open one case with criteria set, so a ranked shortlist shows."""
    opened = await open_sample_case(url)
    if opened is not None:
        print(
            f"First run: opened sample case {opened} (GET /cases/{opened}/candidates)",
            file=sys.stderr,
        )


@dataclass
class _School:
    urn: int
    name: str = ""
    la_code: str | None = None
    district_name: str | None = None
    region_code: str | None = None
    open: bool = True
    trust_uid: int | None = None


def _fold_school(urn: int, rows: list[asyncpg.Record]) -> _School:
    school = _School(urn)
    for row in rows:
        data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        kind = row["event_type"].removeprefix("registry.")
        if kind == "SchoolRegistered":
            d = data["details"]
            school.name, school.la_code = d["name"], d["la_code"]
            school.district_name, school.region_code = d.get("district_name"), d.get("region_code")
            school.open = d.get("close_date") is None and d.get("status") != "Closed"
        elif kind == "SchoolDetailsChanged":
            for change in data["changes"]:
                if change["field"] in ("la_code", "district_name", "region_code", "name"):
                    setattr(school, change["field"], change["new"])
                elif change["field"] == "status":
                    school.open = change["new"] != "Closed"
        elif kind == "SchoolClosed":
            school.open = False
        elif kind == "SchoolJoinedTrust":
            school.trust_uid = data["trust_uid"]
        elif kind == "SchoolTransferred":
            school.trust_uid = data["to_trust_uid"]
        elif kind == "SchoolLeftTrust":
            school.trust_uid = None
    return school


async def _pick_school(pool: asyncpg.Pool) -> _School | None:
    rows = await pool.fetch(_INADEQUATE_SQL)
    newest_first = sorted(rows, key=lambda r: r["position"], reverse=True)[:50]
    schools = [
        _fold_school(r["urn"], await pool.fetch(_SCHOOL_SQL, f"school-{r['urn']}"))
        for r in newest_first
    ]
    open_schools = [s for s in schools if s.open and s.la_code]
    maintained = [s for s in open_schools if s.trust_uid is None]
    preferred = maintained or open_schools
    return preferred[0] if preferred else None


async def open_sample_case(url: str) -> str | None:
    """Open the sample case unless any case exists; returns its id, or None."""
    settings = get_settings()
    async with owner_store(url, settings, all_contracts(), "commissioning") as store:
        pool = store.pool
        if await pool.fetchval("SELECT EXISTS (SELECT 1 FROM events WHERE category = 'case')"):
            return None
        school = await _pick_school(pool)
        if school is None or school.la_code is None:
            return None
        trigger: CaseTrigger = "inadequate_dao" if school.trust_uid is None else "rebrokerage"
        case_id = new_id()
        place = cases.SchoolPlace(
            urn=school.urn,
            closed=False,
            trust_uid=school.trust_uid,
            la_code=school.la_code,
            region_code=school.region_code,
            area=area_of(school.la_code, school.district_name),
        )
        events = cases.open_case(
            cases.OpenCase(
                case_id=case_id,
                urns=[school.urn],
                trigger=trigger,
                title=f"{school.name}: judged inadequate",
                opened_on=today_in_england(),
            ),
            {school.urn: place},
        )
        state = cases.fold(events)
        assert state is not None
        events += cases.set_criteria(state, SAMPLE_PILLARS, SAMPLE_FACTORS)
        meta = EventMetadata(
            actor=FIRST_RUN_ACTOR,
            reason="A sample case to show a ranked shortlist",
            source="first-run",
        )
        await store.append(
            f"case-{case_id}", [NewEvent(e, meta) for e in events], expected_version=NO_STREAM
        )
        return case_id
