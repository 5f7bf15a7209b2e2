"""Commissioning commands: load a stream, decide with the pure domain, append in the write's
unit of work at the version the caller read (its If-Match) or the one just loaded, so of two
racing writers exactly one wins (the other gets 409, or 412 against its If-Match).

Where a case or an intervention is loaded, the caller's authority over it is checked
(``authorize``: its place, and for a decision its referral and the caller's delegations)
before anything is decided; the unit of work appends nothing until then.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

import asyncpg

from services.commissioning.authority import delegations_to
from services.commissioning.boards import handlers as boards
from services.commissioning.candidates import CandidateList, candidates_for, candidates_json_for
from services.commissioning.candidates.paging import DEFAULT_LIMIT, page_of
from services.commissioning.decisions.in_force import decision_policies
from services.commissioning.domain import cases, decisions, delegations, duties
from services.commissioning.domain.cases import CaseState, SchoolPlace
from services.commissioning.knowledge import school_facts, trust_fact
from services.commissioning.projects import handlers as projects
from shared.authority.acting import acting_of, authorize
from shared.contracts.commissioning import CaseTrigger, FactorWeights, PillarWeight
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM, RecordedEvent
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork

# How many of the ranked candidates a shortlist keeps as its snapshot, besides those chosen:
# enough to show what the caseworker saw near the top without storing the whole country.
SNAPSHOT_TOP = 20


@dataclass(frozen=True, slots=True)
class Written:
    """What a write produced: the stream's id and its version after the write."""

    id: str
    version: int


def new_id() -> str:
    """A fresh case, decision or intervention id (uuid4 hex)."""
    return uuid.uuid4().hex


# ------------------------------------------------------------------- cases


async def load_case(source: EventStore | UnitOfWork, case_id: str) -> CaseState:
    """The case as its stream tells it; 404 when there is no such case.

    Loaded in a unit of work, the case is the one being changed: a stale If-Match is
    refused before anything is decided, and so is a caller who may not act where it is.
    """
    return (await _load_case(source, case_id))[0]


async def _load_case(
    source: EventStore | UnitOfWork, case_id: str, *, authorized: bool = True
) -> tuple[CaseState, list[RecordedEvent]]:
    stream = f"case-{case_id}"
    recorded = await (
        source.read_for_change(stream)
        if isinstance(source, UnitOfWork)
        else source.read_stream(stream)
    )
    state = cases.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no case {case_id}.")
    if authorized and isinstance(source, UnitOfWork):
        authorize(source, state.place, referral=state.referral)
    return state, recorded


Db: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def school_places(db: Db, urns: Sequence[int]) -> dict[int, SchoolPlace]:
    """What the case rules need to know about these schools, from commissioning's knowledge."""
    facts = await school_facts(db, urns)
    return {
        urn: SchoolPlace(
            urn=urn,
            closed=f.closed,
            trust_uid=f.trust_uid,
            la_code=f.la_code,
            region_code=f.region_code,
            area=f.area,
        )
        for urn, f in facts.items()
    }


async def open_case(
    uow: UnitOfWork,
    *,
    urns: Sequence[int],
    trigger: CaseTrigger,
    title: str,
    today: date,
) -> Written:
    """Open a case for schools the service knows and that are open."""
    case_id = new_id()
    cmd = cases.OpenCase(case_id=case_id, urns=urns, trigger=trigger, title=title, opened_on=today)
    events = cases.open_case(cmd, await school_places(uow.conn, urns))
    opened = cases.fold(events)
    assert opened is not None
    # The case is where its schools are: the caller must act there.
    authorize(uow, opened.place)
    result = await uow.append(f"case-{case_id}", events, expected_version=NO_STREAM)
    return Written(case_id, result.last_version)


async def append_case(
    uow: UnitOfWork, state: CaseState, events: Sequence[EventContract]
) -> Written:
    result = await uow.append(
        f"case-{state.case_id}", events, expected_version=uow.expect(state.version)
    )
    return Written(state.case_id, result.last_version)


async def set_criteria(
    uow: UnitOfWork,
    *,
    case_id: str,
    pillars: Sequence[PillarWeight],
    factors: FactorWeights,
) -> Written:
    """Record what matters for this case."""
    state = await load_case(uow, case_id)
    events = cases.set_criteria(state, pillars, factors)
    return await append_case(uow, state, events)


async def candidates(
    conn: asyncpg.Connection, state: CaseState, *, everyone: bool = False
) -> CandidateList:
    """The ranked, explained candidates for the case under its effective criteria and
    constraints (the first page of them, or with ``everyone`` all of them)."""
    return await candidates_for(
        conn,
        urns=state.urns,
        pillars=state.pillars,
        factors=state.factors,
        limit=None if everyone else DEFAULT_LIMIT,
        constraints=state.constraints,
    )


async def candidates_json(
    pool: asyncpg.Pool, state: CaseState, *, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> bytes:
    """A page of ``candidates`` as JSON (the first page encoded once per ranking)."""
    async with pool.acquire() as conn:
        if offset == 0 and limit == DEFAULT_LIMIT:
            return await candidates_json_for(
                conn,
                urns=state.urns,
                pillars=state.pillars,
                factors=state.factors,
                constraints=state.constraints,
            )
        ranked = await candidates_for(
            conn,
            urns=state.urns,
            pillars=state.pillars,
            factors=state.factors,
            limit=None,
            constraints=state.constraints,
        )
    return page_of(ranked, limit=limit, offset=offset).model_dump_json().encode()


def ranking_snapshot(ranked: CandidateList, chosen: Sequence[int]) -> list[dict[str, Any]]:
    """The top of the ranking plus the chosen trusts, as the caseworker saw them."""
    keep = set(chosen)
    return [
        c.model_dump(mode="json")
        for c in ranked.candidates
        if c.rank <= SNAPSHOT_TOP or c.trust_uid in keep
    ]


async def shortlist(
    uow: UnitOfWork,
    *,
    case_id: str,
    trust_uids: Sequence[int],
) -> Written:
    """Put ranked candidates forward to the board, storing the ranking as it stood."""
    state = await load_case(uow, case_id)
    # Every ranked trust may be chosen, not only those on the first page.
    ranked = await candidates(uow.conn, state, everyone=True)
    events = cases.shortlist(
        state,
        trust_uids,
        ranked=[c.trust_uid for c in ranked.candidates],
        snapshot=ranking_snapshot(ranked, trust_uids),
    )
    return await append_case(uow, state, events)


async def schedule_board(uow: UnitOfWork, *, case_id: str, board_date: date) -> Written:
    """Send the case to an advisory board."""
    state = await load_case(uow, case_id)
    events = cases.schedule_board(state, board_date)
    return await append_case(uow, state, events)


async def record_decision(
    uow: UnitOfWork,
    *,
    case_id: str,
    decision: decisions.RecordDecision,
    today: date,
) -> Written:
    """Record the board's decision; an approval and its TransferApproved go in one append.

    Who may record it: the authority table's row for the decision (narrowed by its outcome
    and the case's trigger), where the case is, unless it was referred (then its referee
    alone), or under a delegation to the caller in the case's region; and never someone who
    recommended a trust it concerns.
    """
    state, recorded = await _load_case(uow, case_id, authorized=False)
    acting = acting_of(uow)
    held = [] if acting is None else await delegations_to(uow, acting.principal.subject)
    grant = authorize(
        uow,
        state.place,
        facts={"outcome": decision.outcome, "trigger": state.trigger},
        referral=state.referral,
        delegations=held,
    )
    if acting is not None:
        concerned = duties.concerned_trusts(decision.trust_uid, state.shortlist)
        actors = ((e.decode(uow.registry), e.metadata["actor"]) for e in recorded)
        duties.refuse_recommender(
            acting.principal.subject, duties.recommendations(actors), trusts=concerned
        )
        # The registers of interests of every board with the case on its agenda.
        interests = await boards.interests_for_case(uow, case_id)
        duties.refuse_conflicts(acting.principal.subject, interests, trusts=concerned)
    in_a_trust = False
    trust_open = True
    if decision.outcome in cases.APPROVALS:
        places = await school_places(uow.conn, state.urns)
        in_a_trust = any(p.trust_uid is not None for p in places.values())
        if decision.trust_uid is not None:
            trust = await trust_fact(uow.conn, decision.trust_uid)
            trust_open = trust is not None and not trust.closed
    events = decisions.record_decision(
        state,
        decision,
        today=today,
        schools_in_a_trust=in_a_trust,
        trust_open=trust_open,
        policies=await decision_policies(uow, today),
    )
    written = await append_case(uow, state, events)
    await projects.open_for_approval(uow, state, events, today=today)
    if grant is not None and grant.delegation is not None:
        # In the same transaction, at the version read: a revocation committed meanwhile
        # makes this append, and so the decision, fail rather than pass unseen.
        used = grant.delegation
        await uow.append(
            f"delegation-{used.delegation_id}",
            delegations.used(used, case_id=case_id, on=today),
            expected_version=used.version,
        )
    return written


async def refer_case(uow: UnitOfWork, *, case_id: str, cmd: cases.ReferCase) -> Written:
    """Refer the decision on a case to another region's director or a minister."""
    state = await load_case(uow, case_id)
    events = cases.refer(state, cmd)
    return await append_case(uow, state, events)


async def change_significant_date(
    uow: UnitOfWork, *, case_id: str, significant_date: date, reason: str, today: date
) -> Written:
    """Move the approved transfer's date, with the reason."""
    state = await load_case(uow, case_id)
    events = decisions.change_significant_date(state, significant_date, reason=reason, today=today)
    return await append_case(uow, state, events)


async def close_case(uow: UnitOfWork, *, case_id: str, reason: str, today: date) -> Written:
    """Close the case; any pending transfer is cancelled by the registry."""
    state = await load_case(uow, case_id)
    events = cases.close_case(state, closed_on=today, reason=reason)
    return await append_case(uow, state, events)
