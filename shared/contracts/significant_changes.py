"""Commissioning's events of significant changes to academies (stream
``significant_change-{id}``): proposed by a trust, objected to during consultation, decided
once, recorded and auditable like transfers.

They are commissioning's events (its ``contracts`` take these in, and it alone appends to
``significant_change``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from shared.contracts.identifiers import GroupUid, Key, Urn
from shared.contracts.values import DecisionMakerGrade, EqualityRecord
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

# --------------------------------------------------------------------------- significant change

SignificantChangeId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
# Kinds of significant change to an academy (DOMAIN.md's summary of DfE's April 2024 guidance:
# *unverified*; ``other`` names it in the description).
SignificantChangeType = Literal[
    "age_range",
    "capacity",
    "closure_by_agreement",
    "sixth_form",
    "resourced_provision",
    "amalgamation",
    "other",
]
SignificantChangeOutcome = Literal[
    "approved", "approved_with_conditions", "declined", "deferred", "withdrawn"
]


@contracts.register
class SignificantChangeProposed(EventContract):
    """A trust proposes a significant change to one of its academies (stream
    ``significant_change-{id}``): its type, tier (as the guidance names it, kept as given) and
    consultation period."""

    type_name = "commissioning.SignificantChangeProposed"
    significant_change_id: SignificantChangeId
    urn: Urn
    trust_uid: GroupUid
    change_type: SignificantChangeType
    tier: Key
    description: str = Field(min_length=1, max_length=4000)
    consultation_start: date
    consultation_end: date
    proposed_on: date


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


# Which events each of these stream categories holds (see shared/contracts/commissioning.py).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "significant_change": (
        SignificantChangeProposed,
        SignificantChangeObjectionRecorded,
        SignificantChangeDecided,
    ),
}
