"""Commissioning's events of significant changes to academies (stream
``significant_change-{id}``): proposed by a trust, objected to during consultation, decided
once, recorded and auditable like transfers.

They are commissioning's events (its ``contracts`` take these in, and it alone appends to
``significant_change``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from shared.contracts.identifiers import GroupUid, Key, Urn
from shared.contracts.values import DecisionMakerGrade, EqualityRecord
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

# --------------------------------------------------------------------------- significant change

SignificantChangeId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
# The types of significant change and their tiers are the ``significant_change_types``
# policy's (a version of it is recorded with each proposal), not a list in code.
SignificantChangeOutcome = Literal[
    "approved", "approved_with_conditions", "declined", "deferred", "withdrawn"
]


@contracts.register
class SignificantChangeProposed(EventContract):
    """A trust proposes a significant change to one of its academies (stream
    ``significant_change-{id}``): its type and tier, from the ``significant_change_types``
    policy version recorded, and its consultation period.

    Version 2 records ``types_policy_version``; a version 1 proposal's tier was as the
    caseworker gave it, with no policy (``types_policy_version`` None).
    """

    type_name = "commissioning.SignificantChangeProposed"
    version = 2
    significant_change_id: SignificantChangeId
    urn: Urn
    trust_uid: GroupUid
    change_type: Key
    tier: Key
    description: str = Field(min_length=1, max_length=4000)
    consultation_start: date
    consultation_end: date
    proposed_on: date
    types_policy_version: int | None = Field(ge=1)


@contracts.upcaster(SignificantChangeProposed.type_name, 1)
def _proposed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1's type was one of a list in code and its tier as given: no policy."""
    return {**data, "types_policy_version": None}


@contracts.register
class SignificantChangeObjectionRecorded(EventContract):
    """An objection to the change, from whom (as they gave it), and when it was received."""

    type_name = "commissioning.SignificantChangeObjectionRecorded"
    significant_change_id: SignificantChangeId
    objector: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=4000)
    received_on: date


@contracts.register
class SignificantChangeDecided(EventContract):
    """The decision on the change, with reasons and, for an approval, the equality duty."""

    type_name = "commissioning.SignificantChangeDecided"
    significant_change_id: SignificantChangeId
    outcome: SignificantChangeOutcome
    reasons: str = Field(min_length=1, max_length=8000)
    conditions: list[str] = Field(default_factory=list)
    decision_maker_name: str = Field(min_length=1, max_length=200)
    decision_maker_grade: DecisionMakerGrade
    equality: EqualityRecord | None = None
    objections_considered: int = Field(ge=0)
    decided_on: date
    # The ``significant_change_types`` version whose rule on who decides was applied (None:
    # decided before that policy).
    types_policy_version: int | None = Field(default=None, ge=1)


# Which events each of these stream categories holds (see shared/contracts/commissioning.py).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "significant_change": (
        SignificantChangeProposed,
        SignificantChangeObjectionRecorded,
        SignificantChangeDecided,
    ),
}
