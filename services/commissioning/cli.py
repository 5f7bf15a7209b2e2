"""Commissioning's commands, and the sample case a first ``make run`` opens.

The sample is found in the log, not the registry's tables: the latest inspection that
judged a school inadequate, for a school that is still open, preferably one no trust runs
yet (a directive academy order); its region, area and LA come from its own events.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.commissioning.domain import cases
from services.commissioning.handlers import new_id
from services.commissioning.knowledge.facts import area_of
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseTrigger, FactorWeights, PillarWeight
from shared.contracts.registry import (
    SchoolClosed,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolRegistered,
    SchoolTransferred,
)
from shared.db import database_url
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
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
    """On a first ``make run``, open one case with criteria set, so a ranked shortlist shows;
    and a school in RISE and a red concern about a trust (``samples``)."""
    from services.commissioning.samples import first_run_samples

    opened = await open_sample_case(url)
    if opened is not None:
        print(
            f"First run: opened sample case {opened} (GET /cases/{opened}/candidates)",
            file=sys.stderr,
        )
    for line in await first_run_samples(url):
        print(f"First run: {line}", file=sys.stderr)


@dataclass
class _School:
    urn: int
    name: str = ""
    la_code: str | None = None
    district_name: str | None = None
    region_code: str | None = None
    open: bool = True
    trust_uid: int | None = None


def _fold_school(urn: int, events: Sequence[EventContract]) -> _School:
    school = _School(urn)
    for e in events:
        if isinstance(e, SchoolRegistered):
            d = e.details
            school.name, school.la_code = d.name, d.la_code
            school.district_name, school.region_code = d.district_name, d.region_code
            school.open = d.close_date is None and d.status != "Closed"
        elif isinstance(e, SchoolDetailsChanged):
            for change in e.changes:
                if change.field in ("la_code", "district_name", "region_code", "name"):
                    setattr(school, change.field, change.new)
                elif change.field == "status":
                    school.open = change.new != "Closed"
        elif isinstance(e, SchoolClosed):
            school.open = False
        elif isinstance(e, SchoolJoinedTrust):
            school.trust_uid = e.trust_uid
        elif isinstance(e, SchoolTransferred):
            school.trust_uid = e.to_trust_uid
        elif isinstance(e, SchoolLeftTrust):
            school.trust_uid = None
    return school


async def _pick_school(store: EventStore) -> _School | None:
    rows = await store.pool.fetch(_INADEQUATE_SQL)
    newest_first = sorted(rows, key=lambda r: r["position"], reverse=True)[:50]
    schools = []
    for r in newest_first:
        recorded = await store.read_stream(f"school-{r['urn']}")
        schools.append(_fold_school(r["urn"], [e.decode(store.registry) for e in recorded]))
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
        school = await _pick_school(store)
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
