"""Commissioning's events of delegation (stream ``delegation-{id}``): a regional director's
step delegated to a named deputy for a period, each use of it, and its revocation.

They are commissioning's events (its ``contracts`` take these in, and it alone appends to
``delegation``); authority reads them to say who may act where (shared/authority).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from shared.contracts.identifiers import CaseId, RegionCode, StepName, Subject
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

DelegationId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]


# --------------------------------------------------------------------------- delegations


@contracts.register
class DelegationGranted(EventContract):
    """A step (a kind of decision) delegated in a region to a named person for a period.

    The grantor's roles and scopes are kept with it: the delegation stands only while the
    authority table in force would let them take the step there themselves.
    """

    type_name = "commissioning.DelegationGranted"
    delegation_id: DelegationId
    step: StepName
    region_code: RegionCode
    delegate: Subject
    grantor: Subject
    grantor_roles: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(max_length=20)
    grantor_scopes: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(max_length=300)
    starts_on: date
    ends_on: date
    reason: str = Field(min_length=1, max_length=4000)

    @model_validator(mode="after")
    def _period(self) -> DelegationGranted:
        if self.ends_on < self.starts_on:
            raise ValueError("a delegation ends on or after the day it starts")
        return self


@contracts.register
class DelegationUsed(EventContract):
    """A delegate took a delegated step on a case under this delegation, appended with the
    step itself, so a revocation and a use cannot cross unseen."""

    type_name = "commissioning.DelegationUsed"
    delegation_id: DelegationId
    step: StepName
    case_id: CaseId
    used_on: date


@contracts.register
class DelegationRevoked(EventContract):
    """A delegation ended before its time; it is not in force from the day it is revoked."""

    type_name = "commissioning.DelegationRevoked"
    delegation_id: DelegationId
    revoked_on: date
    reason: str = Field(min_length=1, max_length=4000)


# Which events each of these stream categories holds (see shared/contracts/commissioning.py).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "delegation": (DelegationGranted, DelegationUsed, DelegationRevoked),
}
