"""A decision's conditions and its escalation or challenge: load the case, decide, append."""

from __future__ import annotations

from datetime import date

from services.commissioning.domain import records
from services.commissioning.handlers import Written, append_case, load_case
from shared.eventlog.unit import UnitOfWork


async def condition_met(
    uow: UnitOfWork,
    *,
    case_id: str,
    condition: int,
    evidence: str,
    document_reference: str | None,
    today: date,
) -> Written:
    """Record a condition of the approval met, with its evidence."""
    state = await load_case(uow, case_id)
    events = records.condition_met(
        state, condition, evidence=evidence, document_reference=document_reference, on=today
    )
    return await append_case(uow, state, events)


async def condition_waived(
    uow: UnitOfWork, *, case_id: str, condition: int, reason: str, today: date
) -> Written:
    """Record a condition of the approval waived, for a reason."""
    state = await load_case(uow, case_id)
    events = records.condition_waived(state, condition, reason=reason, on=today)
    return await append_case(uow, state, events)


async def challenge(uow: UnitOfWork, *, case_id: str, cmd: records.ChallengeDecision) -> Written:
    """Reopen the case's decision for the named person to decide again."""
    state = await load_case(uow, case_id)
    events = records.challenge(state, cmd)
    return await append_case(uow, state, events)
