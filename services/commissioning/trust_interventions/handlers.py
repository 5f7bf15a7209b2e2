"""Load a whole-trust intervention, decide, append: with the policy version it follows, the
trust inspection it names as commissioning knows it, and the one rebrokerage case a
termination notice opens for the trust's open academies, in the same transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from services.commissioning.authority import trust_place
from services.commissioning.domain import cases
from services.commissioning.handlers import Db, new_id, school_places
from services.commissioning.knowledge import trust_fact
from services.commissioning.policy_book import POLICIES
from services.commissioning.school_interventions.handlers import policy_version
from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
)
from services.commissioning.trust_interventions import domain
from shared.authority.acting import authorize
from shared.errors import NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM, ExpectedVersion
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork
from shared.policy.store import policy_in_force


def stream(intervention_id: str) -> str:
    """The stream of one whole-trust intervention."""
    return f"trust_intervention-{intervention_id}"


async def inspection_outcomes(
    db: Db, trust_uid: int, inspection_id: str, on: date
) -> dict[str, str] | None:
    """The outcomes (area -> Ofsted's words) of the inspection, if it is the trust's latest
    to have started by ``on``; None otherwise. A later inspection that no longer finds the
    trust failing is what stands, so an older one cannot ground a notice."""
    latest = await db.fetchrow(
        "SELECT inspection_id, outcomes::text AS outcomes FROM commissioning_trust_inspections"
        " WHERE trust_uid = $1 AND inspection_start <= $2"
        " ORDER BY inspection_start DESC, inspection_id DESC LIMIT 1",
        trust_uid,
        on,
    )
    if latest is None or latest["inspection_id"] != inspection_id:
        return None
    raw = latest["outcomes"]
    return {o["area"]: o["outcome"] for o in json.loads(raw)}


async def open_academies(db: Db, trust_uid: int) -> list[int]:
    """The trust's open academies, in URN order."""
    rows = await db.fetch(
        "SELECT urn FROM commissioning_school_facts WHERE trust_uid = $1 AND NOT closed"
        " ORDER BY urn",
        trust_uid,
    )
    return [r["urn"] for r in rows]


async def load(
    source: EventStore | UnitOfWork, intervention_id: str
) -> domain.TrustInterventionState:
    """The intervention as its stream tells it; 404 when there is none."""
    recorded = await source.read_stream(stream(intervention_id))
    state = domain.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no trust intervention {intervention_id}.")
    return state


@dataclass(frozen=True, slots=True)
class Result:
    """What a write did: the intervention's new version and any case it opened."""

    intervention_id: str
    version: int
    case_id: str | None = None


async def open_intervention(
    uow: UnitOfWork, *, cmd: domain.OpenTrustIntervention, today: date
) -> Result:
    """Open on the pathway the version in force today gives the trigger."""
    trust = await trust_fact(uow.conn, cmd.trust_uid)
    if trust is None:
        raise UnprocessableContent(f"Trust {cmd.trust_uid} is not on the register.")
    authorize(uow, await trust_place(uow.conn, cmd.trust_uid))
    # As school interventions and notices do: the version in force the day it opened.
    in_force = await policy_in_force(
        uow, POLICIES, INTERVENTION_POLICY, cmd.opened_on, InterventionPolicy
    )
    outcomes = (
        await inspection_outcomes(uow.conn, cmd.trust_uid, cmd.trust_inspection_id, cmd.opened_on)
        if cmd.trust_inspection_id is not None
        else None
    )
    events = domain.open_intervention(
        cmd,
        policy=in_force.document,
        version=in_force.number,
        today=today,
        inspection_outcomes=outcomes,
    )
    (result,) = await uow.append_streams([(stream(cmd.intervention_id), events, NO_STREAM)])
    return Result(cmd.intervention_id, result.last_version)


async def take_step(
    uow: UnitOfWork, *, intervention_id: str, cmd: domain.TakeTrustStep, today: date
) -> Result:
    """Take a step the intervention's own policy version allows; a step that opens a case
    opens one for all the trust's open academies in the same transaction."""
    recorded = await uow.read_for_change(stream(intervention_id))
    state = domain.fold(e.decode(uow.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no trust intervention {intervention_id}.")
    authorize(uow, await trust_place(uow.conn, state.trust_uid))
    policy: InterventionPolicy = await policy_version(uow, state.policy_version)
    rule = domain.pathway_of(policy, state.policy_version, state.trigger).step(cmd.step)
    opens = rule.opens_case if rule is not None else None
    case_id = new_id() if opens is not None else None
    urns = await open_academies(uow.conn, state.trust_uid) if opens is not None else []
    event = domain.take_step(state, cmd, policy=policy, today=today, case_id=case_id, urns=urns)
    appends: list[tuple[str, list[EventContract], ExpectedVersion]] = [
        (stream(intervention_id), [event], uow.expect(state.version))
    ]
    if case_id is not None and opens is not None and rule is not None:
        opened = cases.OpenCase(
            case_id=case_id,
            urns=urns,
            trigger=opens,
            title=f"{rule.title}: trust {state.trust_uid}",
            opened_on=cmd.decided_on,
            intervention_id=intervention_id,
        )
        places = await school_places(uow.conn, urns)
        appends.append((f"case-{case_id}", cases.open_case(opened, places), NO_STREAM))
    results = await uow.append_streams(appends)
    return Result(intervention_id, results[0].last_version, case_id)
