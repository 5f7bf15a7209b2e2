"""Load a school intervention, decide, append: with the policy version it follows, and any
case a step opens in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from services.commissioning.domain import cases
from services.commissioning.handlers import new_id, school_places
from services.commissioning.knowledge import school_facts
from services.commissioning.policy_book import POLICIES
from services.commissioning.school_interventions import domain
from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
)
from shared.authority.acting import authorize
from shared.authority.scope import Place
from shared.errors import NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM, ExpectedVersion
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork
from shared.policy.store import policy_in_force, versions


async def school_place(db: asyncpg.Connection | asyncpg.Pool, urn: int) -> Place:
    """Where a school intervention is: its school's region and LA."""
    school = (await school_facts(db, [urn])).get(urn)
    if school is None:
        return Place()
    return Place(region=school.region_code, las=frozenset({school.la_code}))


def stream(intervention_id: str) -> str:
    """The stream of one school intervention."""
    return f"school_intervention-{intervention_id}"


async def policy_version(source: EventStore | UnitOfWork, number: int) -> InterventionPolicy:
    """Version ``number`` of the intervention policy, whole."""
    for v in await versions(source, POLICIES, INTERVENTION_POLICY):
        if v.policy_version == number:
            return InterventionPolicy.model_validate(v.document)
    raise NotFound(f"There is no version {number} of the {INTERVENTION_POLICY} policy.")


async def load(
    source: EventStore | UnitOfWork, intervention_id: str
) -> domain.SchoolInterventionState:
    """The intervention as its stream tells it; 404 when there is none."""
    recorded = await source.read_stream(stream(intervention_id))
    state = domain.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no school intervention {intervention_id}.")
    return state


@dataclass(frozen=True, slots=True)
class Result:
    """What a write did: the intervention's new version and any case it opened."""

    intervention_id: str
    version: int
    case_id: str | None = None


async def open_intervention(
    uow: UnitOfWork, *, cmd: domain.OpenIntervention, today: date
) -> Result:
    """Open on the pathway of the version in force today; the school's kind must be what
    the register says (maintained: in no trust; academy or trust: in one)."""
    school = (await school_facts(uow.conn, [cmd.urn])).get(cmd.urn)
    if school is None:
        raise UnprocessableContent(f"School {cmd.urn} is not on the register.")
    authorize(uow, await school_place(uow.conn, cmd.urn))
    in_trust = school.trust_uid is not None
    if (cmd.school_kind == "maintained") == in_trust:
        raise UnprocessableContent(
            f"School {cmd.urn} is {'in trust ' + str(school.trust_uid) if in_trust else 'in no trust'}:"
            f" not a {cmd.school_kind} school.",
            extra={"trust_uid": school.trust_uid},
        )
    in_force = await policy_in_force(uow, POLICIES, INTERVENTION_POLICY, today, InterventionPolicy)
    cmd = domain.OpenIntervention(
        intervention_id=cmd.intervention_id,
        urn=cmd.urn,
        trust_uid=school.trust_uid,
        school_kind=cmd.school_kind,
        category=cmd.category,
        inspection_start=cmd.inspection_start,
        opened_on=cmd.opened_on,
        reason=cmd.reason,
        evidence_ids=cmd.evidence_ids,
    )
    events = domain.open_intervention(
        cmd, policy=in_force.document, version=in_force.number, today=today
    )
    (result,) = await uow.append_streams([(stream(cmd.intervention_id), events, NO_STREAM)])
    return Result(cmd.intervention_id, result.last_version)


async def take_step(
    uow: UnitOfWork, *, intervention_id: str, cmd: domain.TakeStep, today: date
) -> Result:
    """Take a step the intervention's own policy version allows; a step that opens a case
    opens it in the same transaction, so there is never one without the other."""
    recorded = await uow.read_for_change(stream(intervention_id))
    state = domain.fold(e.decode(uow.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no school intervention {intervention_id}.")
    authorize(uow, await school_place(uow.conn, state.urn))
    policy = await policy_version(uow, state.policy_version)
    pathway = domain.pathway_of(policy, state.policy_version, state.category, state.school_kind)
    rule = pathway.step(cmd.step)
    case_id = new_id() if rule is not None and rule.opens_case else None
    event = domain.take_step(state, cmd, policy=policy, today=today, case_id=case_id)
    appends: list[tuple[str, list[EventContract], ExpectedVersion]] = [
        (stream(intervention_id), [event], uow.expect(state.version))
    ]
    if case_id is not None and rule is not None and rule.opens_case is not None:
        opened = cases.OpenCase(
            case_id=case_id,
            urns=[state.urn],
            trigger=rule.opens_case,
            title=f"{rule.title}: school {state.urn}",
            opened_on=cmd.decided_on,
            intervention_id=intervention_id,
        )
        places = await school_places(uow.conn, opened.urns)
        appends.append((f"case-{case_id}", cases.open_case(opened, places), NO_STREAM))
    results = await uow.append_streams(appends)
    return Result(intervention_id, results[0].last_version, case_id)
