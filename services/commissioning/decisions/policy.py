"""The decision policies, as data: coded reasons per outcome, and which grade may decide what.

Two kinds in commissioning's ``PolicyBook``: ``decision_reasons`` (per outcome, the codes a
decision gives, each with its label) and ``decision_makers`` (per outcome, the grades that
may decide it: a DAO revocation needs a minister). A decision records the version of each
it followed.
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.commissioning import DecisionOutcome
from shared.contracts.identifiers import Key
from shared.contracts.values import DecisionMakerGrade
from shared.policy.book import PolicyKind

DECISION_REASONS = "decision_reasons"
DECISION_MAKERS = "decision_makers"

OUTCOMES: tuple[str, ...] = get_args(DecisionOutcome)
GRADES: tuple[str, ...] = get_args(DecisionMakerGrade)


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReasonCode(_Doc):
    """One coded reason: its stable code and what it means."""

    code: Key
    label: str = Field(min_length=1, max_length=300)


ReasonList = Annotated[list[ReasonCode], Field(min_length=1, max_length=50)]


class DecisionReasons(_Doc):
    """For every outcome, the coded reasons a decision may give."""

    outcomes: dict[DecisionOutcome, ReasonList] = Field(max_length=len(OUTCOMES))

    def codes(self, outcome: str) -> list[str]:
        """The codes an ``outcome`` may give, in the policy's order."""
        return [r.code for r in self.outcomes.get(outcome, [])]  # type: ignore[call-overload]


class DecisionMakerRule(_Doc):
    """The grades that may decide one outcome."""

    outcome: DecisionOutcome
    grades: list[DecisionMakerGrade] = Field(min_length=1, max_length=len(GRADES))
    note: str | None = Field(default=None, max_length=1000)


class DecisionMakers(_Doc):
    """Who may decide what: one rule per outcome."""

    rules: list[DecisionMakerRule] = Field(max_length=20)

    def grades(self, outcome: str) -> list[str]:
        """The grades that may decide ``outcome`` (none when the policy names it nowhere)."""
        return [g for r in self.rules if r.outcome == outcome for g in r.grades]


def _reasons_problems(doc: DecisionReasons) -> list[str]:
    found = [f"outcome {o} has no coded reasons" for o in OUTCOMES if not doc.outcomes.get(o)]  # type: ignore[call-overload]
    for outcome, reasons in doc.outcomes.items():
        codes = [r.code for r in reasons]
        found += [
            f"outcome {outcome} lists code {c} twice"
            for c in sorted({c for c in codes if codes.count(c) > 1})
        ]
    return found


def _makers_problems(doc: DecisionMakers) -> list[str]:
    seen = [r.outcome for r in doc.rules]
    found = [f"outcome {o} has no rule" for o in OUTCOMES if o not in seen]
    found += [
        f"outcome {o} has more than one rule"
        for o in sorted({o for o in seen if seen.count(o) > 1})
    ]
    return found


DECISION_REASONS_KIND = PolicyKind(
    name=DECISION_REASONS,
    title="Coded reasons for a decision",
    description=(
        "For each outcome of a decision (approved, approved with conditions, declined,"
        " deferred, withdrawn, DAO revoked), the coded reasons a decision gives besides its"
        " text. A decision records the version it followed."
    ),
    document=DecisionReasons,
    check=_reasons_problems,
    example={
        "outcomes": {
            o: [{"code": "other", "label": "Other (explained in the rationale)"}] for o in OUTCOMES
        }
    },
)

DECISION_MAKERS_KIND = PolicyKind(
    name=DECISION_MAKERS,
    title="Who may decide what",
    description=(
        "For each outcome of a decision, the decision maker's grades that may decide it"
        " (a DAO revocation needs a minister). A decision records the version it followed."
    ),
    document=DecisionMakers,
    check=_makers_problems,
    example={"rules": [{"outcome": o, "grades": ["minister"]} for o in OUTCOMES]},
)
