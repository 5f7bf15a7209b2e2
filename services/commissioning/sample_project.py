"""What a first ``make run`` adds to show a decision carried out: a second case, approved
with conditions (one met with its evidence, one open), and the transfer or conversion
project that approval opened, its date confirmed and some of its tasks done.

It is written through the same handlers the HTTP routes call (open, criteria, shortlist,
board, decision, condition met, project date and tasks), in one unit of work acting for no
person, so it is all written or none of it. The shortlist is the real ranking, so the
commissioning knowledge projection is brought up to date first (as the service would on
start-up). Nothing is written if a project exists already, or if no school or trust fits.
"""

from __future__ import annotations

from datetime import date

from services.commissioning import handlers
from services.commissioning.cli import (
    FIRST_RUN_ACTOR,
    SAMPLE_FACTORS,
    SAMPLE_PILLARS,
    _fold_school,
)
from services.commissioning.decisions import handlers as decision_records
from services.commissioning.domain.decisions import RecordDecision
from services.commissioning.knowledge import knowledge_projection
from services.commissioning.policy_book import POLICIES
from services.commissioning.projects import handlers as projects
from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseTrigger
from shared.contracts.values import EqualityRecord
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.rebuild import catch_up
from shared.eventlog.store import EventStore
from shared.eventlog.unit import unit_of_work
from shared.policy.store import seed
from shared.settings import get_settings

# Schools whose latest inspection judged them inadequate or put them in a category of
# concern, that no case or school intervention is about yet: most recent first.
_SCHOOLS_SQL = """
SELECT urn FROM (
    SELECT DISTINCT ON ((data->>'urn')::int) (data->>'urn')::int AS urn, position,
           data->>'overall_effectiveness' AS grade, data->>'category_of_concern' AS category
      FROM events
     WHERE event_type = 'registry.OfstedInspectionRecorded'
     ORDER BY (data->>'urn')::int, (data->>'inspection_start')::date DESC, position DESC) latest
 WHERE (grade = 'inadequate' OR category IS NOT NULL)
   AND urn NOT IN (SELECT jsonb_array_elements_text(data->'urns')::int FROM events
                    WHERE event_type = 'commissioning.CaseOpened')
   AND urn NOT IN (SELECT (data->>'urn')::int FROM events
                    WHERE category = 'school_intervention' AND data ? 'urn')
 ORDER BY position DESC LIMIT 50
"""
# How many of the ranked candidates go forward to the board.
SHORTLISTED = 3
CONDITIONS = (
    "The trust appoints an executive headteacher with a record of improving schools, in post"
    " before the significant date.",
    "The trust presents a costed school improvement plan for the school to the regional"
    " director within three months of the transfer.",
)
# How many of the project's mandatory tasks the sample completes: some, never all.
TASKS_DONE = 3


class _NothingFits(Exception):
    """No school, or no trust without a warning, to write the sample with: roll back."""


def _why(reasons: list[str]) -> list[str]:
    # The ranking's reasons, less its note on missing evidence (no reason to approve).
    return [r for r in reasons if "evidence" not in r][:2]


def _first_of_month_after(today: date, months: int) -> date:
    month = today.month - 1 + months
    return date(today.year + month // 12, month % 12 + 1, 1)


async def _pick_school(store: EventStore) -> tuple[int, str, CaseTrigger] | None:
    """An open school in trouble with no case yet: an academy (a transfer) before a
    maintained school (a conversion)."""
    schools = []
    for row in await store.pool.fetch(_SCHOOLS_SQL):
        recorded = await store.read_stream(f"school-{row['urn']}")
        school = _fold_school(row["urn"], [e.decode(store.registry) for e in recorded])
        if school.open and school.la_code:
            schools.append(school)
    academies = [s for s in schools if s.trust_uid is not None]
    for school in academies or schools:
        trigger: CaseTrigger = "rebrokerage" if school.trust_uid else "inadequate_dao"
        return school.urn, school.name, trigger
    return None


async def sample_approved_project(store: EventStore, url: str, today: date) -> str | None:
    """A case approved with conditions and the project it opened, part-way through its
    tasks and without authority to proceed; the project's id, or None."""
    if await store.pool.fetchval("SELECT EXISTS (SELECT 1 FROM events WHERE category = 'project')"):
        return None
    picked = await _pick_school(store)
    if picked is None:
        return None
    urn, name, trigger = picked
    await seed(store, POLICIES)
    settings = get_settings()
    await catch_up(url, settings, knowledge_projection(), all_contracts(), service="commissioning")
    meta = EventMetadata(
        actor=FIRST_RUN_ACTOR,
        reason="A sample approval with conditions and its project, part-way through its tasks",
        source="first-run",
    )
    try:
        async with unit_of_work(store, meta) as uow:
            case = await handlers.open_case(
                uow,
                urns=[urn],
                trigger=trigger,
                title=f"{name}: judged inadequate (sample approval)",
                today=today,
            )
            case_id = case.id
            await handlers.set_criteria(
                uow, case_id=case_id, pillars=SAMPLE_PILLARS, factors=SAMPLE_FACTORS
            )
            state = await handlers.load_case(uow, case_id)
            ranked = (await handlers.candidates(uow.conn, state, everyone=True)).candidates
            # A regional director would not approve a trust under a red concern: the sample
            # approves the best-ranked trust with no warning of one.
            chosen = next((c for c in ranked if not c.concern_warnings), None)
            if chosen is None:
                raise _NothingFits
            others = [c.trust_uid for c in ranked if c.trust_uid != chosen.trust_uid]
            shortlist = [chosen.trust_uid, *others[: SHORTLISTED - 1]]
            await handlers.shortlist(uow, case_id=case_id, trust_uids=shortlist)
            await handlers.schedule_board(uow, case_id=case_id, board_date=today)
            decision_id = handlers.new_id()
            await handlers.record_decision(
                uow,
                case_id=case_id,
                decision=RecordDecision(
                    decision_id=decision_id,
                    outcome="approved_with_conditions",
                    decided_on=today,
                    decision_maker_name="Sample Regional Director",
                    decision_maker_capacity="regional_director_for_region",
                    decision_maker_grade="regional_director",
                    rationale=(
                        f"A sample: {chosen.trust_name} ranked first of the trusts without a"
                        f" concern ({'; '.join(_why(chosen.reasons)) or 'see the ranking'})."
                    ),
                    conditions=CONDITIONS,
                    trust_uid=chosen.trust_uid,
                    significant_date=_first_of_month_after(today, 4),
                    reason_codes=["strongest_fit", "local_presence"],
                    equality=EqualityRecord(
                        likely_impact="A sample: no group of pupils or staff with a protected"
                        " characteristic is expected to be disadvantaged; pupils with SEND"
                        " keep their provision.",
                        mitigation="A sample: the trust's SEND lead reviews every EHCP before"
                        " the transfer; staff transfer under TUPE on their current terms.",
                    ),
                ),
                today=today,
            )
            await decision_records.condition_met(
                uow,
                case_id=case_id,
                condition=1,
                evidence="A sample: the trust's appointment letter to the executive headteacher",
                document_reference="SAMPLE-APPOINTMENT-001",
                today=today,
            )
            # The project's id is the decision's; its date confirmed, some tasks done.
            await projects.confirm_date(uow, project_id=decision_id, today=today)
            project = await projects.load_project(uow, decision_id)
            for task in [t for t in project.tasks if t.mandatory][:TASKS_DONE]:
                await projects.complete_task(
                    uow,
                    project_id=decision_id,
                    task=task.key,
                    document_reference=f"SAMPLE-{task.key.upper().replace('_', '-')}",
                    note=f"A sample: {task.title.lower()} signed and filed",
                    today=today,
                )
    except _NothingFits:
        return None
    return decision_id
