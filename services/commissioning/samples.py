"""What a first ``make run`` adds besides the sample case: a school in RISE, a red concern,
a direction to a trust, an advisory board with the sample case on its agenda and a declared
conflict, and (in ``sample_project``) an approval with conditions and the project it opened.

Both are found in the log, as the sample case is: the school is an open maintained school
whose latest inspection put it in a category of concern; the trust is the open trust running
the most schools. Each is written once (none is written if any of its kind exists), through
the same domain functions a request uses, under the policy version in force.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.commissioning.boards import domain as boards
from services.commissioning.cli import FIRST_RUN_ACTOR, _fold_school
from services.commissioning.concerns import domain as concerns
from services.commissioning.handlers import new_id
from services.commissioning.policy_book import POLICIES
from services.commissioning.sample_project import sample_approved_project
from services.commissioning.school_interventions import domain as interventions
from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
)
from services.commissioning.trust_interventions import domain as trust_interventions
from shared.clock import today_in_england
from shared.contracts import all_contracts
from shared.contracts.commissioning import CaseOpened
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent
from shared.eventlog.runtime import owner_store
from shared.eventlog.store import EventStore
from shared.policy.store import policy_in_force, seed
from shared.settings import get_settings

# Schools whose latest inspection gave a category of concern, most recent first.
_IN_CATEGORY_SQL = """
SELECT urn, category FROM (
    SELECT DISTINCT ON ((data->>'urn')::int) (data->>'urn')::int AS urn,
           data->>'category_of_concern' AS category, position
      FROM events
     WHERE event_type = 'registry.OfstedInspectionRecorded'
     ORDER BY (data->>'urn')::int, (data->>'inspection_start')::date DESC, position DESC) latest
 WHERE category IS NOT NULL
 ORDER BY position DESC LIMIT 50
"""
# Trusts by the schools that ever joined them, most first.
_BIGGEST_TRUSTS_SQL = """
SELECT (data->>'trust_uid')::int AS uid, count(*) AS schools
  FROM events WHERE event_type = 'registry.SchoolJoinedTrust'
 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
"""


def _meta(reason: str) -> EventMetadata:
    return EventMetadata(actor=FIRST_RUN_ACTOR, reason=reason, source="first-run")


async def _exists(store: EventStore, category: str) -> bool:
    return bool(
        await store.pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM events WHERE category = $1)", category
        )
    )


async def sample_rise_school(store: EventStore, today: date) -> str | None:
    """A maintained school in a category of concern, with no DAO issued and in RISE from
    today; the intervention's id, or None (one exists, or no school fits)."""
    if await _exists(store, "school_intervention"):
        return None
    for row in await store.pool.fetch(_IN_CATEGORY_SQL):
        recorded = await store.read_stream(f"school-{row['urn']}")
        school = _fold_school(row["urn"], [e.decode(store.registry) for e in recorded])
        if school.open and school.trust_uid is None:
            break
    else:
        return None
    await seed(store, POLICIES)
    policy = await policy_in_force(store, POLICIES, INTERVENTION_POLICY, today, InterventionPolicy)
    intervention_id = new_id()
    events: list[EventContract] = interventions.open_intervention(
        interventions.OpenIntervention(
            intervention_id=intervention_id,
            urn=school.urn,
            trust_uid=None,
            school_kind="maintained",
            category=row["category"],
            inspection_start=None,
            opened_on=today,
            reason=f"{school.name}: in a category of concern at its latest inspection",
        ),
        policy=policy.document,
        version=policy.number,
        today=today,
    )
    state = interventions.fold(events)
    assert state is not None
    for step in (
        interventions.TakeStep(
            step="dao_not_issued",
            decided_on=today,
            decided_by="Sample Regional Director",
            decider_grade="regional_director",
            reason="A sample: improvement through RISE first",
            reason_code="not_viable_as_academy",
        ),
        interventions.TakeStep(
            step="rise_started",
            decided_on=today,
            decided_by="Sample Regional Director",
            decider_grade="regional_director",
            reason="A sample: RISE support begins",
            rise_adviser="Sample RISE Adviser",
            rise_supporting_organisation="Sample Supporting Trust",
        ),
    ):
        taken = interventions.take_step(
            state, step, policy=policy.document, today=today, case_id=None
        )
        events.append(taken)
        state = interventions.evolve(state, taken)
    meta = _meta("A sample school in RISE, to show the intervention pathway and what falls due")
    await store.append(
        f"school_intervention-{intervention_id}",
        [NewEvent(e, meta) for e in events],
        expected_version=NO_STREAM,
    )
    return intervention_id


async def sample_red_concern(store: EventStore, today: date) -> str | None:
    """A red financial concern about the trust running the most schools, with an SRMA review
    under way; its id, or None (one exists, or there is no trust)."""
    if await _exists(store, "concern"):
        return None
    trust = await store.pool.fetchrow(_BIGGEST_TRUSTS_SQL)
    if trust is None:
        return None
    concern_id = new_id()
    opened = concerns.open_concern(
        concerns.OpenConcern(
            concern_id=concern_id,
            trust_uid=trust["uid"],
            concern_type="financial_deficit",
            referral="internal",
            referred_by=None,
            rag="red",
            review_on=today + timedelta(days=28),
            opened_on=today,
            summary="A sample: the trust's accounts show an in-year deficit",
        ),
        today=today,
    )
    state = concerns.fold(opened)
    assert state is not None
    action = concerns.add_action(
        state,
        action_id=new_id(),
        action_type="srma_review",
        status="in_progress",
        added_on=today,
        note="A sample: a school resource management adviser is reviewing the budget",
        today=today,
    )
    meta = _meta("A sample red concern, to show warnings on shortlists and area plans")
    await store.append(
        f"concern-{concern_id}",
        [NewEvent(e, meta) for e in [*opened, action]],
        expected_version=NO_STREAM,
    )
    return concern_id


async def sample_trust_direction(store: EventStore, today: date) -> str | None:
    """A direction to the trust running the most schools after a breach of its academy
    arrangements; the intervention's id, or None (one exists, there is no trust, or the
    version in force has no whole-trust pathways)."""
    if await _exists(store, "trust_intervention"):
        return None
    trust = await store.pool.fetchrow(_BIGGEST_TRUSTS_SQL)
    if trust is None:
        return None
    await seed(store, POLICIES)
    policy = await policy_in_force(store, POLICIES, INTERVENTION_POLICY, today, InterventionPolicy)
    if policy.document.trust_pathways is None:
        return None
    intervention_id = new_id()
    events: list[EventContract] = trust_interventions.open_intervention(
        trust_interventions.OpenTrustIntervention(
            intervention_id=intervention_id,
            trust_uid=trust["uid"],
            trigger="breach_of_academy_arrangements",
            trust_inspection_id=None,
            opened_on=today,
            reason="A sample: the trust has not published its audited accounts",
        ),
        policy=policy.document,
        version=policy.number,
        today=today,
        inspection_outcomes=None,
    )
    state = trust_interventions.fold(events)
    assert state is not None
    events.append(
        trust_interventions.take_step(
            state,
            trust_interventions.TakeTrustStep(
                step="direction_to_trust",
                decided_on=today,
                decided_by="Sample Regional Director",
                decider_grade="regional_director",
                reason="A sample: publish the audited accounts within 28 days",
            ),
            policy=policy.document,
            today=today,
            case_id=None,
        )
    )
    meta = _meta("A sample direction to a trust, to show whole-trust intervention")
    await store.append(
        f"trust_intervention-{intervention_id}",
        [NewEvent(e, meta) for e in events],
        expected_version=NO_STREAM,
    )
    return intervention_id


async def sample_board(store: EventStore, today: date) -> str | None:
    """An advisory board for the sample case's region, with the case on its agenda and a
    member who declared an interest in the case's school: a conflict to see on the board and
    the case. Its id, or None (a board exists, or there is no case)."""
    if await _exists(store, "board"):
        return None
    stream = await store.pool.fetchval(
        "SELECT stream_id FROM events WHERE event_type = 'commissioning.CaseOpened'"
        " ORDER BY position LIMIT 1"
    )
    if stream is None:
        return None
    [first, *_] = await store.read_stream(stream)
    case = first.decode(store.registry)
    assert isinstance(case, CaseOpened)
    if case.region_code is None:
        return None
    board_id = new_id()
    member = "board.member.head"
    events: list[EventContract] = boards.plan(
        board_id,
        region_code=case.region_code,
        board_date=today + timedelta(days=21),
        title="Sample advisory board",
    )
    state = boards.fold(events)
    assert state is not None
    for event in boards.appoint(
        state, subject=member, name="Sample Elected Head", kind="elected_head"
    ):
        state = boards.evolve(state, event)
        events.append(event)
    for event in boards.declare(
        state,
        subject=member,
        trust_uid=None,
        urn=case.urns[0],
        interest="A sample: governor at the school",
        from_date=today - timedelta(days=365),
        to_date=None,
        source="register of interests",
    ):
        state = boards.evolve(state, event)
        events.append(event)
    events.extend(boards.put_on_agenda(state, case_id=case.case_id, case_region=case.region_code))
    meta = _meta("A sample board with a declared interest, to show conflicts on a case")
    await store.append(
        f"board-{board_id}", [NewEvent(e, meta) for e in events], expected_version=NO_STREAM
    )
    return board_id


async def first_run_samples(url: str) -> list[str]:
    """Write the samples that are missing; a line for each one written."""
    today = today_in_england()
    lines: list[str] = []
    async with owner_store(url, get_settings(), all_contracts(), "commissioning") as store:
        rise = await sample_rise_school(store, today)
        if rise is not None:
            lines.append(f"sample school in RISE: GET /school-interventions/{rise}")
        concern = await sample_red_concern(store, today)
        if concern is not None:
            lines.append(f"sample red concern about a trust: GET /concerns/{concern}")
        direction = await sample_trust_direction(store, today)
        if direction is not None:
            lines.append(f"sample direction to a trust: GET /trust-interventions/{direction}")
        board = await sample_board(store, today)
        if board is not None:
            lines.append(f"sample board with a declared conflict: GET /boards/{board}")
        project = await sample_approved_project(store, url, today)
        if project is not None:
            lines.append(
                "sample approval with conditions, its project part-way through its tasks:"
                f" GET /projects/{project}"
            )
    return lines
