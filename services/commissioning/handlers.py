"""Commissioning commands: load a stream, decide with the pure domain, append with the
version that was read, so of two racing writers exactly one wins (the other gets 409)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from services.commissioning.candidates import CandidateList, candidates_for, candidates_json_for
from services.commissioning.domain import cases, decisions, interventions
from services.commissioning.domain.cases import CaseState, SchoolPlace
from services.commissioning.domain.interventions import InterventionState
from services.commissioning.knowledge import school_facts, trust_fact
from shared.contracts.commissioning import (
    CaseTrigger,
    FactorWeights,
    InterventionStatus,
    PillarWeight,
)
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import NO_STREAM, NewEvent, StreamAppend
from shared.eventlog.store import EventStore

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


def _events(events: Sequence[EventContract], meta: EventMetadata) -> list[NewEvent]:
    return [NewEvent(e, meta) for e in events]


# ------------------------------------------------------------------- cases


async def load_case(store: EventStore, case_id: str) -> CaseState:
    """The case as its stream tells it; 404 when there is no such case."""
    recorded = await store.read_stream(f"case-{case_id}")
    state = cases.fold(e.decode(store.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no case {case_id}.")
    return state


async def school_places(pool: asyncpg.Pool, urns: Sequence[int]) -> dict[int, SchoolPlace]:
    """What the case rules need to know about these schools, from commissioning's knowledge."""
    facts = await school_facts(pool, urns)
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
    store: EventStore,
    pool: asyncpg.Pool,
    *,
    urns: Sequence[int],
    trigger: CaseTrigger,
    title: str,
    today: date,
    metadata: EventMetadata,
) -> Written:
    """Open a case for schools the service knows and that are open."""
    case_id = new_id()
    cmd = cases.OpenCase(case_id=case_id, urns=urns, trigger=trigger, title=title, opened_on=today)
    events = cases.open_case(cmd, await school_places(pool, urns))
    result = await store.append(
        f"case-{case_id}", _events(events, metadata), expected_version=NO_STREAM
    )
    return Written(case_id, result.last_version)


async def _append_case(
    store: EventStore,
    state: CaseState,
    events: Sequence[EventContract],
    metadata: EventMetadata,
    expected: int | None,
) -> Written:
    result = await store.append(
        f"case-{state.case_id}",
        _events(events, metadata),
        expected_version=state.version if expected is None else expected,
    )
    return Written(state.case_id, result.last_version)


async def set_criteria(
    store: EventStore,
    *,
    case_id: str,
    pillars: Sequence[PillarWeight],
    factors: FactorWeights,
    metadata: EventMetadata,
    expected: int | None = None,
) -> Written:
    """Record what matters for this case."""
    state = await load_case(store, case_id)
    events = cases.set_criteria(state, pillars, factors)
    return await _append_case(store, state, events, metadata, expected)


async def candidates(
    pool: asyncpg.Pool, state: CaseState, *, everyone: bool = False
) -> CandidateList:
    """The ranked, explained candidates for the case under its effective criteria (the
    first page of them, or with ``everyone`` all of them)."""
    async with pool.acquire() as conn:
        if everyone:
            return await candidates_for(
                conn, urns=state.urns, pillars=state.pillars, factors=state.factors, limit=None
            )
        return await candidates_for(
            conn, urns=state.urns, pillars=state.pillars, factors=state.factors
        )


async def candidates_json(pool: asyncpg.Pool, state: CaseState) -> bytes:
    """``candidates`` (the first page) as JSON, encoded once per ranking, for the API."""
    async with pool.acquire() as conn:
        return await candidates_json_for(
            conn, urns=state.urns, pillars=state.pillars, factors=state.factors
        )


def ranking_snapshot(ranked: CandidateList, chosen: Sequence[int]) -> list[dict[str, Any]]:
    """The top of the ranking plus the chosen trusts, as the caseworker saw them."""
    keep = set(chosen)
    return [
        c.model_dump(mode="json")
        for c in ranked.candidates
        if c.rank <= SNAPSHOT_TOP or c.trust_uid in keep
    ]


async def shortlist(
    store: EventStore,
    pool: asyncpg.Pool,
    *,
    case_id: str,
    trust_uids: Sequence[int],
    metadata: EventMetadata,
    expected: int | None = None,
) -> Written:
    """Put ranked candidates forward to the board, storing the ranking as it stood."""
    state = await load_case(store, case_id)
    # Every ranked trust may be chosen, not only those on the first page.
    ranked = await candidates(pool, state, everyone=True)
    events = cases.shortlist(
        state,
        trust_uids,
        ranked=[c.trust_uid for c in ranked.candidates],
        snapshot=ranking_snapshot(ranked, trust_uids),
    )
    return await _append_case(store, state, events, metadata, expected)


async def schedule_board(
    store: EventStore,
    *,
    case_id: str,
    board_date: date,
    metadata: EventMetadata,
    expected: int | None = None,
) -> Written:
    """Send the case to an advisory board."""
    state = await load_case(store, case_id)
    events = cases.schedule_board(state, board_date)
    return await _append_case(store, state, events, metadata, expected)


async def record_decision(
    store: EventStore,
    pool: asyncpg.Pool,
    *,
    case_id: str,
    decision: decisions.RecordDecision,
    today: date,
    metadata: EventMetadata,
    expected: int | None = None,
) -> Written:
    """Record the board's decision; an approval and its TransferApproved go in one append."""
    state = await load_case(store, case_id)
    in_a_trust = False
    trust_open = True
    if decision.outcome in cases.APPROVALS:
        places = await school_places(pool, state.urns)
        in_a_trust = any(p.trust_uid is not None for p in places.values())
        if decision.trust_uid is not None:
            trust = await trust_fact(pool, decision.trust_uid)
            trust_open = trust is not None and not trust.closed
    events = decisions.record_decision(
        state, decision, today=today, schools_in_a_trust=in_a_trust, trust_open=trust_open
    )
    return await _append_case(store, state, events, metadata, expected)


async def change_significant_date(
    store: EventStore,
    *,
    case_id: str,
    significant_date: date,
    reason: str,
    today: date,
    metadata: EventMetadata,
    expected: int | None = None,
) -> Written:
    """Move the approved transfer's date, with the reason."""
    state = await load_case(store, case_id)
    events = decisions.change_significant_date(state, significant_date, reason=reason, today=today)
    return await _append_case(store, state, events, metadata, expected)


async def close_case(
    store: EventStore,
    *,
    case_id: str,
    reason: str,
    today: date,
    metadata: EventMetadata,
    expected: int | None = None,
) -> Written:
    """Close the case; any pending transfer is cancelled by the registry."""
    state = await load_case(store, case_id)
    events = cases.close_case(state, closed_on=today, reason=reason)
    return await _append_case(store, state, events, metadata, expected)


# ------------------------------------------------------------------- interventions


async def load_intervention(store: EventStore, intervention_id: str) -> InterventionState | None:
    """The intervention as its stream tells it, or None."""
    recorded = await store.read_stream(f"intervention-{intervention_id}")
    return interventions.fold(e.decode(store.registry) for e in recorded)


@dataclass(frozen=True, slots=True)
class Issued:
    """A new intervention, and the rebrokerage case it opened if it was a termination notice."""

    intervention_id: str
    case_id: str | None


async def issue_intervention(
    store: EventStore,
    pool: asyncpg.Pool,
    *,
    cmd: interventions.IssueIntervention,
    today: date,
    metadata: EventMetadata,
) -> Issued:
    """Issue a notice; a termination notice against an academy also opens its rebrokerage
    case, in the same transaction, so there is never one without the other."""
    trust = await trust_fact(pool, cmd.trust_uid)
    places = await school_places(pool, [cmd.urn]) if cmd.urn is not None else {}
    school = places.get(cmd.urn) if cmd.urn is not None else None
    earlier = (
        await load_intervention(store, cmd.escalated_from)
        if cmd.escalated_from is not None
        else None
    )
    events = interventions.issue(
        cmd,
        today=today,
        trust_known=trust is not None,
        school_trust_uid=school.trust_uid if school is not None else None,
        escalated_from=earlier,
    )
    appends = [
        StreamAppend(
            f"intervention-{cmd.intervention_id}",
            _events(events, metadata),
            expected_version=NO_STREAM,
        )
    ]
    opened = interventions.rebrokerage_case(
        intervention_id=cmd.intervention_id,
        kind=cmd.kind,
        urn=cmd.urn,
        status=cmd.status,
        on=cmd.issued_on,
        case_id=new_id(),
    )
    if opened is not None:
        appends.append(await _open_rebrokerage(pool, opened, metadata))
    await store.append_streams(appends)
    return Issued(cmd.intervention_id, None if opened is None else opened.case_id)


async def _open_rebrokerage(
    pool: asyncpg.Pool, cmd: cases.OpenCase, metadata: EventMetadata
) -> StreamAppend:
    # Appended with the intervention's events, in one transaction, so there is never a
    # termination notice without its rebrokerage case or the other way round.
    opened = cases.open_case(cmd, await school_places(pool, cmd.urns))
    return StreamAppend(f"case-{cmd.case_id}", _events(opened, metadata), NO_STREAM)


async def change_intervention_status(
    store: EventStore,
    pool: asyncpg.Pool,
    *,
    intervention_id: str,
    status: InterventionStatus,
    effective_on: date,
    today: date,
    metadata: EventMetadata,
    expected: int | None = None,
) -> Written:
    """Move an intervention to a new status."""
    state = await load_intervention(store, intervention_id)
    if state is None:
        raise NotFound(f"There is no intervention {intervention_id}.")
    events = interventions.change_status(state, status, effective_on=effective_on, today=today)
    appends = [
        StreamAppend(
            f"intervention-{intervention_id}",
            _events(events, metadata),
            expected_version=state.version if expected is None else expected,
        )
    ]
    opened = interventions.rebrokerage_case(
        intervention_id=intervention_id,
        kind=state.kind,
        urn=state.urn,
        status=status,
        on=effective_on,
        case_id=new_id(),
    )
    if opened is not None:
        appends.append(await _open_rebrokerage(pool, opened, metadata))
    results = await store.append_streams(appends)
    return Written(intervention_id, results[0].last_version)
