"""Delegations, pure: a step delegated in a region to a named person for a period.

A regional director (whoever may take a delegable step in a region by their own roles and
scope) delegates it to a named deputy for a period; the deputy may then take it there, for
cases in that region, on the days of the period, until it is revoked, and only while the
grantor could still take it themselves under the authority table in force. Who may
delegate what, and for how long, is ``shared.authority.rules.delegation_refusal``; what a
delegation lets its delegate do is ``shared.authority.rules.authorize``. Each use is
recorded on the delegation (``DelegationUsed``), in the same transaction as the step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from shared.authority.principal import Principal
from shared.authority.rules import Delegation, TableVersion, delegation_refusal
from shared.authority.scope import parse_scopes
from shared.contracts.delegations import DelegationGranted, DelegationRevoked, DelegationUsed
from shared.errors import Conflict
from shared.eventlog.contracts import EventContract


@dataclass(frozen=True, slots=True)
class DelegationState:
    """A delegation as its stream tells it, with what was done under it."""

    delegation: Delegation
    reason: str
    uses: tuple[tuple[str, date], ...] = ()
    revocation_reason: str | None = None

    @property
    def version(self) -> int:
        """The stream's version: what If-Match names."""
        return self.delegation.version


def evolve(state: DelegationState | None, event: EventContract) -> DelegationState:
    """The delegation after one more of its events."""
    if isinstance(event, DelegationGranted):
        return DelegationState(
            Delegation(
                delegation_id=event.delegation_id,
                step=event.step,
                region=event.region_code,
                delegate=event.delegate,
                grantor=event.grantor,
                grantor_roles=frozenset(event.grantor_roles),
                grantor_scope=parse_scopes(event.grantor_scopes),
                starts_on=event.starts_on,
                ends_on=event.ends_on,
            ),
            reason=event.reason,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before DelegationGranted")
    d = replace(state.delegation, version=state.delegation.version + 1)
    if isinstance(event, DelegationRevoked):
        return replace(
            state,
            delegation=replace(d, revoked_on=event.revoked_on),
            revocation_reason=event.reason,
        )
    if isinstance(event, DelegationUsed):
        return replace(state, delegation=d, uses=(*state.uses, (event.case_id, event.used_on)))
    return replace(state, delegation=d)


def fold(events: Iterable[EventContract]) -> DelegationState | None:
    """A delegation from its events, oldest first; None when there are none."""
    state: DelegationState | None = None
    for event in events:
        state = evolve(state, event)
    return state


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantDelegation:
    """Delegate a step in a region to a named person for a period."""

    delegation_id: str
    step: str
    region_code: str
    delegate: str
    starts_on: date
    ends_on: date
    reason: str


def grant(
    cmd: GrantDelegation, *, grantor: Principal, versions: Sequence[TableVersion], today: date
) -> list[EventContract]:
    """The delegation, if the grantor may make it (they hold the step there by their own
    roles and scope for the whole period, under every table version then in force)."""
    delegation_refusal(
        grantor,
        versions,
        step=cmd.step,
        region=cmd.region_code,
        delegate=cmd.delegate,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        today=today,
    )
    return [
        DelegationGranted(
            delegation_id=cmd.delegation_id,
            step=cmd.step,
            region_code=cmd.region_code,
            delegate=cmd.delegate,
            grantor=grantor.subject,
            grantor_roles=sorted(r.value for r in grantor.roles),
            grantor_scopes=grantor.scope.labels(),
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
            reason=cmd.reason,
        )
    ]


def revoke(state: DelegationState, *, today: date, reason: str) -> list[EventContract]:
    """End a delegation from today; 409 if it is revoked already or its period is over."""
    d = state.delegation
    if d.revoked_on is not None:
        raise Conflict(f"The delegation was revoked on {d.revoked_on} already.")
    if d.ends_on < today:
        raise Conflict(f"The delegation ended on {d.ends_on}; there is nothing to revoke.")
    return [DelegationRevoked(delegation_id=d.delegation_id, revoked_on=today, reason=reason)]


def used(d: Delegation, *, case_id: str, on: date) -> list[EventContract]:
    """The record that the delegate took the delegated step on a case under it."""
    return [DelegationUsed(delegation_id=d.delegation_id, step=d.step, case_id=case_id, used_on=on)]
