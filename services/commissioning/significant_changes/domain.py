"""A significant change to an academy, pure: proposed with a consultation period, objections
recorded, then decided once, after the consultation has closed.

The ``significant_change_types`` policy says which types there are, each one's tier, its
shortest consultation and who may decide it: a proposal takes its tier from the version in
force and records it; a decision is checked against the version in force on its day. An
approval needs the public sector equality duty record; an approval with conditions lists
them. Refusals name the field (422) or the rule (409), and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.commissioning.significant_changes.policy import SignificantChangeTypes
from shared.contracts.significant_changes import (
    SignificantChangeDecided,
    SignificantChangeObjectionRecorded,
    SignificantChangeOutcome,
    SignificantChangeProposed,
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
    change_type: str
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


@dataclass(frozen=True, slots=True)
class ChangeTypes:
    """The ``significant_change_types`` version in force, and its number."""

    document: SignificantChangeTypes
    version: int


def _unknown_type(change_type: str, types: ChangeTypes) -> dict[str, object]:
    return {
        "loc": ["body", "change_type"],
        "msg": f"{change_type!r} is not a type in version {types.version} of the"
        " significant_change_types policy",
        "allowed": types.document.names(),
    }


def propose(
    change_id: str,
    *,
    urn: int,
    trust_uid: int | None,
    change_type: str,
    description: str,
    consultation_start: date,
    consultation_end: date,
    types: ChangeTypes,
    today: date,
) -> list[EventContract]:
    """A proposal for an academy (a school in a trust) of a type the policy lists, with a
    consultation at least as long as the type's shortest; its tier is the policy's."""
    errors: list[dict[str, object]] = []
    if trust_uid is None:
        errors.append({"loc": ["body", "urn"], "msg": f"school {urn} is in no trust"})
    rule = types.document.rule(change_type)
    if rule is None:
        errors.append(_unknown_type(change_type, types))
    if consultation_end < consultation_start:
        errors.append(
            {"loc": ["body", "consultation_end"], "msg": "before the consultation starts"}
        )
    elif rule is not None and (consultation_end - consultation_start).days < (
        rule.consultation_days_min
    ):
        errors.append(
            {
                "loc": ["body", "consultation_end"],
                "msg": f"a {change_type} change is consulted on for at least"
                f" {rule.consultation_days_min} days (version {types.version} of the"
                " significant_change_types policy)",
                "consultation_days_min": rule.consultation_days_min,
            }
        )
    _refuse(errors, "The significant change cannot be proposed.")
    assert trust_uid is not None and rule is not None
    return [
        SignificantChangeProposed(
            significant_change_id=change_id,
            urn=urn,
            trust_uid=trust_uid,
            change_type=change_type,
            tier=rule.tier,
            description=description,
            consultation_start=consultation_start,
            consultation_end=consultation_end,
            proposed_on=today,
            types_policy_version=types.version,
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
    types: ChangeTypes,
    today: date,
) -> list[EventContract]:
    """Decide once, after the consultation has closed (409 naming ``consultation_end``), by a
    grade the policy allows for the type (a withdrawal by anyone); an approval needs
    ``equality``, an approval with conditions its ``conditions`` (422)."""
    _undecided(state, "be decided again")
    if today <= state.consultation_end and outcome != "withdrawn":
        raise Conflict(
            f"The consultation runs until {state.consultation_end}: decide after it closes.",
            extra={"consultation_end": state.consultation_end.isoformat()},
        )
    errors: list[dict[str, object]] = []
    rule = types.document.rule(state.change_type)
    if rule is None:
        errors.append({**_unknown_type(state.change_type, types), "loc": ["change_type"]})
    elif outcome != "withdrawn" and decision_maker_grade not in rule.decided_by:
        errors.append(
            {
                "loc": ["body", "decision_maker_grade"],
                "msg": f"a {decision_maker_grade.replace('_', ' ')} may not decide a"
                f" {state.change_type} change (version {types.version} of the"
                f" significant_change_types policy allows: {', '.join(rule.decided_by)})",
                "allowed": list(rule.decided_by),
            }
        )
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
            types_policy_version=types.version,
        )
    ]
