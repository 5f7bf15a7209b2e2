"""The decision on a case, pure: who may decide what, and the significant date's rules.

An approval (with or without conditions) names a shortlisted, open trust and a significant
date that is the 1st of a month and not before the decision; it is written with the
``TransferApproved`` the registry acts on. A declined, deferred or withdrawn decision gives
its reason category (DOMAIN.md). Only a case at the advisory board can be decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.commissioning.domain.cases import APPROVALS, CaseState, refuse_status
from shared.contracts.commissioning import (
    DecisionMakerCapacity,
    DecisionOutcome,
    DecisionRecorded,
    SignificantDateChanged,
    TransferApproved,
)
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract

# DOMAIN.md: why a board declined, deferred or withdrew.
DECLINE_REASONS: tuple[str, ...] = (
    "finance",
    "performance",
    "governance",
    "choice_of_trust",
    "other",
)
DEFER_OR_WITHDRAW_REASONS: tuple[str, ...] = (
    "additional_information_needed",
    "awaiting_next_ofsted_report",
    "performance_concerns",
    "other",
)
_REASONS_FOR: dict[str, tuple[str, ...]] = {
    "declined": DECLINE_REASONS,
    "deferred": DEFER_OR_WITHDRAW_REASONS,
    "withdrawn": DEFER_OR_WITHDRAW_REASONS,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordDecision:
    """A decision maker's decision on the case."""

    decision_id: str
    outcome: DecisionOutcome
    decided_on: date
    decision_maker_name: str
    decision_maker_capacity: DecisionMakerCapacity
    rationale: str
    conditions: Sequence[str] = ()
    trust_uid: int | None = None
    significant_date: date | None = None
    reason_category: str | None = None


def record_decision(
    state: CaseState,
    cmd: RecordDecision,
    *,
    today: date,
    schools_in_a_trust: bool,
    trust_open: bool,
) -> list[EventContract]:
    """The board's decision; an approval also instructs the registry (TransferApproved)."""
    refuse_status(state, "be decided", {"advisory_board_scheduled"})
    if cmd.decided_on > today:
        raise UnprocessableContent(f"The decision date {cmd.decided_on} is in the future.")
    if cmd.decided_on < state.opened_on:
        raise UnprocessableContent(
            f"The decision date {cmd.decided_on} is before the case opened ({state.opened_on})."
        )
    if state.referral is not None and cmd.decision_maker_capacity != state.referral.capacity:
        raise UnprocessableContent(
            f"The case was referred to a {state.referral.capacity.replace('_', ' ')}: the"
            f" decision is recorded in that capacity.",
            extra={"decision_maker_capacity": state.referral.capacity},
        )
    approved = cmd.outcome in APPROVALS
    if approved:
        _check_approval(state, cmd, trust_open=trust_open)
    elif cmd.significant_date is not None:
        raise UnprocessableContent("Only an approval has a significant date.")
    if cmd.outcome == "approved_with_conditions" and not cmd.conditions:
        raise UnprocessableContent("An approval with conditions lists them.")
    if cmd.outcome == "approved" and cmd.conditions:
        raise UnprocessableContent("Conditions make it approved_with_conditions.")
    allowed = _REASONS_FOR.get(cmd.outcome)
    if allowed is not None and cmd.reason_category not in allowed:
        raise UnprocessableContent(
            f"A {cmd.outcome} decision gives its reason_category, one of: "
            + ", ".join(allowed)
            + ".",
            extra={"allowed_reason_categories": list(allowed)},
        )
    decision = DecisionRecorded(
        case_id=state.case_id,
        decision_id=cmd.decision_id,
        outcome=cmd.outcome,
        conditions=list(cmd.conditions),
        decided_on=cmd.decided_on,
        decision_maker_name=cmd.decision_maker_name,
        decision_maker_capacity=cmd.decision_maker_capacity,
        trust_uid=cmd.trust_uid,
        rationale=cmd.rationale,
        significant_date=cmd.significant_date,
        reason_category=cmd.reason_category,
    )
    if not approved:
        return [decision]
    assert cmd.trust_uid is not None and cmd.significant_date is not None
    return [
        decision,
        TransferApproved(
            case_id=state.case_id,
            decision_id=cmd.decision_id,
            urns=list(state.urns),
            to_trust_uid=cmd.trust_uid,
            significant_date=cmd.significant_date,
            kind="transfer" if schools_in_a_trust else "conversion",
        ),
    ]


def _check_approval(state: CaseState, cmd: RecordDecision, *, trust_open: bool) -> None:
    if cmd.trust_uid is None:
        raise UnprocessableContent("An approval names the trust (trust_uid).")
    if cmd.trust_uid not in state.shortlist:
        raise UnprocessableContent(
            f"Trust {cmd.trust_uid} is not on the case's shortlist.",
            extra={"shortlist": list(state.shortlist)},
        )
    if not trust_open:
        raise UnprocessableContent(f"Trust {cmd.trust_uid} is closed.")
    if cmd.significant_date is None:
        raise UnprocessableContent("An approval names the significant date.")
    check_significant_date(cmd.significant_date, decided_on=cmd.decided_on)


def check_significant_date(significant_date: date, *, decided_on: date) -> None:
    """A significant date is the 1st of a month and not before the decision."""
    if significant_date.day != 1:
        raise UnprocessableContent(
            f"A significant date is the 1st of a month, not {significant_date}."
        )
    if significant_date < decided_on:
        raise UnprocessableContent(
            f"The significant date {significant_date} is before the decision ({decided_on})."
        )


def change_significant_date(
    state: CaseState, significant_date: date, *, reason: str, today: date
) -> list[EventContract]:
    """Move an approved transfer's date, with the reason, while it has not happened."""
    refuse_status(state, "have its significant date changed", {"decided"})
    assert state.decision_id and state.decided_on and state.significant_date
    if not reason.strip():
        raise UnprocessableContent("A change of significant date gives its reason.")
    if state.significant_date <= today:
        # The registry applies a transfer on its date: by now the school may have moved (or
        # been refused), and a new date would be a record of something that did not happen.
        raise Conflict(
            f"The significant date {state.significant_date} has come; the transfer is the"
            " registry's to apply or refuse now, and its date can no longer change."
        )
    check_significant_date(significant_date, decided_on=state.decided_on)
    if significant_date < today:
        raise UnprocessableContent(f"The significant date {significant_date} has passed.")
    if significant_date == state.significant_date:
        raise UnprocessableContent(f"The significant date is already {significant_date}.")
    return [
        SignificantDateChanged(
            case_id=state.case_id,
            decision_id=state.decision_id,
            previous_date=state.significant_date,
            significant_date=significant_date,
            reason=reason,
        )
    ]
