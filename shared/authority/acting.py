"""A person acting on one step: checked at the edge for the role, in the unit of work for
the place of what the step touches, and stamped on every event the write appends.

A route names its step (``shared.http.steps``); the edge builds an ``Acting`` from the
token and the table in force, refusing a missing role there. A write's unit of work carries
it: the handler loads the resource, works out its ``Place`` and calls ``authorize(uow,
place, ...)``, which refuses with 403 if the caller may not act there and otherwise records
how they may; every event the unit appends then carries the caller's scopes and that
authority in its metadata. The unit refuses to append before that (a national step, or
one needing no scope, is settled at the edge already).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from shared.authority.principal import Principal
from shared.authority.rules import Delegation, Grant, Referral, TableVersion
from shared.authority.rules import authorize as decide
from shared.authority.scope import Place
from shared.authority.table import StepRule
from shared.authority.tables import AuthorityTables
from shared.eventlog.contracts import ActedUnder, EventMetadata
from shared.eventlog.unit import UnitOfWork


class AuthorityNotSettled(RuntimeError):
    """A write tried to append before the place of what it touches was checked: a bug in
    its handler (it must call ``authorize``), never the caller's fault."""


@dataclass
class Acting:
    """One principal taking one step, under one version of the authority table, on a day."""

    principal: Principal
    step: str
    rule: StepRule
    table: TableVersion
    on: date
    # Settled at the edge (a national step, or one needing no scope), or by ``authorize``.
    grant: Grant | None = None
    # Every version of the table, for rules that look ahead (a delegation's whole period).
    tables: AuthorityTables | None = None
    # Each metadata object stamped, kept with it (so its id is never reused meanwhile).
    _stamped: dict[int, tuple[EventMetadata, EventMetadata]] = field(
        default_factory=dict, repr=False
    )

    def check(
        self,
        place: Place,
        *,
        facts: Mapping[str, str] | None = None,
        referral: Referral | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> Grant:
        """May the principal take this step at ``place``? The Grant, or a 403 naming why."""
        return decide(
            self.principal,
            self.table.table,
            self.table.number,
            self.step,
            place,
            on=self.on,
            facts=facts,
            referral=referral,
            delegations=delegations,
        )

    def settle(self, grant: Grant) -> None:
        """Record how the step is held; what the write appends from now carries it."""
        self.grant = grant
        self._stamped.clear()

    def stamp(self, metadata: EventMetadata) -> EventMetadata:
        """``metadata`` with the caller's scopes and the authority the write was taken under."""
        if self.grant is None:
            raise AuthorityNotSettled(
                f"step {self.step} appended before the place of what it touches was checked"
            )
        # One object per metadata, so the store encodes a batch's shared metadata once.
        held = self._stamped.get(id(metadata))
        if held is not None and held[0] is metadata:
            return held[1]
        grant = self.grant
        acted = ActedUnder(
            step=grant.step,
            table_version=grant.table_version,
            place=grant.place,
            via=grant.via,
            delegation_id=None if grant.delegation is None else grant.delegation.delegation_id,
        )
        stamped = metadata.model_copy(
            update={"scope": tuple(self.principal.scope.labels()), "authority": acted}
        )
        self._stamped[id(metadata)] = (metadata, stamped)
        return stamped


def authorize(
    uow: UnitOfWork,
    place: Place,
    *,
    facts: Mapping[str, str] | None = None,
    referral: Referral | None = None,
    delegations: Iterable[Delegation] = (),
) -> Grant | None:
    """Check, in a write's unit of work, that its caller may act at ``place`` (403 if not),
    and settle the write's authority; None for a platform writer acting for no person."""
    acting = uow.authority
    if acting is None:
        return None
    if not isinstance(acting, Acting):
        raise TypeError(f"the unit of work acts under {type(acting).__name__}, not Acting")
    grant = acting.check(place, facts=facts, referral=referral, delegations=delegations)
    acting.settle(grant)
    return grant


def acting_of(uow: UnitOfWork) -> Acting | None:
    """The person acting in this unit of work, or None for a platform writer."""
    acting = uow.authority
    return acting if isinstance(acting, Acting) else None
