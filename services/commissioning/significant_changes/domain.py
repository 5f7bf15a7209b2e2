"""A significant change to an academy, pure: proposed with a consultation period, objections
recorded, then decided once, after the consultation has closed.

An approval needs the public sector equality duty record; an approval with conditions lists
them. Refusals name the field (422) or the rule (409), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from shared.contracts.significant_changes import (
    SignificantChangeDecided,
    SignificantChangeObjectionRecorded,
    SignificantChangeOutcome,
    SignificantChangeProposed,
    SignificantChangeType,
)
from shared.contracts.values import DecisionMakerGrade, EqualityRecord
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract

APPROVALS: frozenset[str] = frozenset({"approved", "approved_with_conditions"})


@dataclass(frozen=True, slots=True)
class ChangeState:
    """A significant change as its stream tells it."""

    significant_change_id: str
    version: int
    urn: int
    trust_uid: int
    change_type: SignificantChangeType
    consultation_start: date
    consultation_end: date
    objections: int = 0
    outcome: SignificantChangeOutcome | None = None


def evolve(state: ChangeState | None, event: EventContract) -> ChangeState:
    """The change after one more of its events."""
    if isinstance(event, SignificantChangeProposed):
        return ChangeState(
            significant_change_id=event.significant_change_id,
            version=1,
            urn=event.urn,
            trust_uid=event.trust_uid,
            change_type=event.change_type,
            consultation_start=event.consultation_start,
            consultation_end=event.consultation_end,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before SignificantChangeProposed")
    s = replace(state, version=state.version + 1)
    if isinstance(event, SignificantChangeObjectionRecorded):
        return replace(s, objections=s.objections + 1)
    if isinstance(event, SignificantChangeDecided):
        return replace(s, outcome=event.outcome)
    return s


def fold(events: Iterable[EventContract]) -> ChangeState | None:
    """The change from its events, oldest first; None when there are none."""
    state: ChangeState | None = None
    for event in events:
        state = evolve(state, event)
    return state


def _refuse(errors: list[dict[str, object]], what: str) -> None:
    if errors:
        raise UnprocessableContent(what, extra={"errors": errors})


def propose(
    change_id: str,
    *,
    urn: int,
    trust_uid: int | None,
    change_type: SignificantChangeType,
    tier: str,
    description: str,
    consultation_start: date,
    consultation_end: date,
    today: date,
) -> list[EventContract]:
    """A proposal for an academy (a school in a trust) with a consultation period."""
    errors: list[dict[str, object]] = []
    if trust_uid is None:
        errors.append({"loc": ["body", "urn"], "msg": f"school {urn} is in no trust"})
    if consultation_end < consultation_start:
        errors.append(
            {"loc": ["body", "consultation_end"], "msg": "before the consultation starts"}
        )
    _refuse(errors, "The significant change cannot be proposed.")
    assert trust_uid is not None
    return [
        SignificantChangeProposed(
            significant_change_id=change_id,
            urn=urn,
            trust_uid=trust_uid,
            change_type=change_type,
            tier=tier,
            description=description,
            consultation_start=consultation_start,
            consultation_end=consultation_end,
            proposed_on=today,
        )
    ]


def _undecided(state: ChangeState, action: str) -> None:
    if state.outcome is not None:
        raise Conflict(
            f"The change is decided ({state.outcome}): it cannot {action}.",
            extra={"outcome": state.outcome},
        )


def object_to(
    state: ChangeState, *, objector: str, summary: str, received_on: date, today: date
) -> list[EventContract]:
    """An objection, received on a day not after today, while the change is undecided."""
    _undecided(state, "take objections")
    _refuse(
        [{"loc": ["body", "received_on"], "msg": "after today"}] if received_on > today else [],
        "The objection cannot be recorded.",
    )
    return [
        SignificantChangeObjectionRecorded(
            significant_change_id=state.significant_change_id,
            objector=objector,
            summary=summary,
            received_on=received_on,
        )
    ]


def decide(
    state: ChangeState,
    *,
    outcome: SignificantChangeOutcome,
    reasons: str,
    conditions: Sequence[str],
    decision_maker_name: str,
    decision_maker_grade: DecisionMakerGrade,
    equality: EqualityRecord | None,
    today: date,
) -> list[EventContract]:
    """Decide once, after the consultation has closed (409 naming ``consultation_end``); an
    approval needs ``equality``, an approval with conditions its ``conditions`` (422)."""
    _undecided(state, "be decided again")
    if today <= state.consultation_end and outcome != "withdrawn":
        raise Conflict(
            f"The consultation runs until {state.consultation_end}: decide after it closes.",
            extra={"consultation_end": state.consultation_end.isoformat()},
        )
    errors: list[dict[str, object]] = []
    if outcome in APPROVALS and equality is None:
        errors.append({"loc": ["body", "equality"], "msg": "an approval records the equality duty"})
    if outcome == "approved_with_conditions" and not conditions:
        errors.append(
            {"loc": ["body", "conditions"], "msg": "an approval with conditions lists them"}
        )
    if outcome != "approved_with_conditions" and conditions:
        errors.append(
            {"loc": ["body", "conditions"], "msg": "only an approval with conditions has them"}
        )
    _refuse(errors, "The decision is incomplete.")
    return [
        SignificantChangeDecided(
            significant_change_id=state.significant_change_id,
            outcome=outcome,
            reasons=reasons,
            conditions=list(conditions),
            decision_maker_name=decision_maker_name,
            decision_maker_grade=decision_maker_grade,
            equality=equality,
            objections_considered=state.objections,
            decided_on=today,
        )
    ]
