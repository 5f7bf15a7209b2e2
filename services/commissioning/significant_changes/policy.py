"""The ``significant_change_types`` policy, as data: for each type of significant change to
an academy, its tier, the shortest consultation before it is decided, and the grades that
may decide it. A proposal takes its tier from the version in force and records that
version; a decision is checked against the version in force on its day and records it.
"""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from shared.contracts.identifiers import Key
from shared.contracts.values import DecisionMakerGrade
from shared.policy.book import PolicyKind

SIGNIFICANT_CHANGE_TYPES = "significant_change_types"
GRADES: tuple[str, ...] = get_args(DecisionMakerGrade)


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChangeTypeRule(_Doc):
    """One type of significant change and how it is handled."""

    type: Key
    label: str = Field(min_length=1, max_length=300)
    tier: Key
    consultation_days_min: StrictInt = Field(
        ge=0, le=365, description="the shortest consultation, start to end, in calendar days"
    )
    decided_by: list[DecisionMakerGrade] = Field(min_length=1, max_length=len(GRADES))
    note: str | None = Field(default=None, max_length=1000)


class SignificantChangeTypes(_Doc):
    """Every type of significant change a proposal may name."""

    types: list[ChangeTypeRule] = Field(min_length=1, max_length=100)

    def rule(self, change_type: str) -> ChangeTypeRule | None:
        """The rule for ``change_type``; None when the list has no such type."""
        return next((t for t in self.types if t.type == change_type), None)

    def names(self) -> list[str]:
        """The types, in the policy's order."""
        return [t.type for t in self.types]


def _problems(doc: SignificantChangeTypes) -> list[str]:
    names = doc.names()
    found = [f"type {n} is listed twice" for n in sorted({n for n in names if names.count(n) > 1})]
    for t in doc.types:
        if len(set(t.decided_by)) != len(t.decided_by):
            found.append(f"type {t.type} names a grade twice in decided_by")
    return found


SIGNIFICANT_CHANGE_TYPES_KIND = PolicyKind(
    name=SIGNIFICANT_CHANGE_TYPES,
    title="Types of significant change to an academy",
    description=(
        "For each type of significant change to an academy: its tier, the shortest"
        " consultation (calendar days) before it is decided, and the grades that may decide it."
    ),
    document=SignificantChangeTypes,
    check=_problems,
    example={
        "types": [
            {
                "type": "age_range",
                "label": "Change of age range",
                "tier": "tier_1",
                "consultation_days_min": 28,
                "decided_by": ["regional_director", "deputy_director"],
            }
        ]
    },
)
