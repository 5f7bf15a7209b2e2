"""Delegations, as commands: a regional director grants a step to a named deputy for a
period, or revokes it; a grant that would outlive the grantor's own authority is refused."""

from __future__ import annotations

from datetime import date

from services.commissioning.authority import load_delegation
from services.commissioning.domain import delegations
from services.commissioning.handlers import Written
from shared.authority.acting import acting_of, authorize
from shared.authority.scope import Place
from shared.eventlog.model import NO_STREAM
from shared.eventlog.unit import UnitOfWork


async def grant_delegation(
    uow: UnitOfWork, *, cmd: delegations.GrantDelegation, today: date
) -> Written:
    """Delegate a step in a region, if the caller holds it there long enough themselves."""
    authorize(uow, Place(region=cmd.region_code))
    acting = acting_of(uow)
    if acting is None or acting.tables is None:
        raise RuntimeError("a delegation is granted by a person, under an authority table")
    events = delegations.grant(
        cmd, grantor=acting.principal, versions=await acting.tables.versions(), today=today
    )
    result = await uow.append(f"delegation-{cmd.delegation_id}", events, expected_version=NO_STREAM)
    return Written(cmd.delegation_id, result.last_version)


async def revoke_delegation(
    uow: UnitOfWork, *, delegation_id: str, reason: str, today: date
) -> Written:
    """End a delegation from today."""
    state = await load_delegation(uow, delegation_id)
    authorize(uow, Place(region=state.delegation.region))
    events = delegations.revoke(state, today=today, reason=reason)
    result = await uow.append(
        f"delegation-{delegation_id}", events, expected_version=uow.expect(state.version)
    )
    return Written(delegation_id, result.last_version)
