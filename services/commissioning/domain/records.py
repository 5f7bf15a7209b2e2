"""After a decision, pure: its conditions met or waived, and an escalation or challenge.

A condition of an approval (numbered from 1 in the decision's order) is met, with its
evidence, or waived, with the reason, once; only while the approval stands (the case is
decided and not completed or closed). A decided case can be escalated or challenged to
another region's director or a minister, named: the case returns to decision, by that
person alone (as a referral), and the next decision supersedes the one challenged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.commissioning.domain.cases import CaseState, refuse_status
from shared.contracts.commissioning import (
    ChallengeKind,
    DecisionChallenged,
    DecisionConditionMet,
    DecisionConditionWaived,
    ReferralCapacity,
)
from shared.errors import Conflict, NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract

# Decided statuses whose decision can be escalated or challenged.
CHALLENGEABLE: frozenset[str] = frozenset(
    {"decided", "declined", "deferred", "withdrawn", "dao_revoked"}
)


def _open_condition(state: CaseState, condition: int) -> None:
    refuse_status(state, "have its decision's conditions settled", {"decided"})
    if not 1 <= condition <= len(state.conditions):
        raise NotFound(
            f"The decision has {len(state.conditions)} condition(s); there is no condition"
            f" {condition}.",
            extra={"conditions": len(state.conditions)},
        )
    status = state.condition_status[condition - 1]
    if status != "open":
        raise Conflict(
            f"Condition {condition} is {status} already.",
            extra={"condition": condition, "condition_status": status},
        )


def condition_met(
    state: CaseState,
    condition: int,
    *,
    evidence: str,
    document_reference: str | None,
    on: date,
) -> list[EventContract]:
    """An open condition of the approval is met, with its evidence."""
    _open_condition(state, condition)
    if not evidence.strip():
        raise UnprocessableContent("A condition met gives its evidence.")
    assert state.decision_id is not None
    return [
        DecisionConditionMet(
            case_id=state.case_id,
            decision_id=state.decision_id,
            condition=condition,
            evidence=evidence,
            document_reference=document_reference,
            met_on=on,
        )
    ]


def condition_waived(
    state: CaseState, condition: int, *, reason: str, on: date
) -> list[EventContract]:
    """An open condition of the approval is waived, for a reason."""
    _open_condition(state, condition)
    if not reason.strip():
        raise UnprocessableContent("A condition waived gives its reason.")
    assert state.decision_id is not None
    return [
        DecisionConditionWaived(
            case_id=state.case_id,
            decision_id=state.decision_id,
            condition=condition,
            reason=reason,
            waived_on=on,
        )
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChallengeDecision:
    """Escalate or challenge the case's decision to a named person."""

    kind: ChallengeKind
    capacity: ReferralCapacity
    referred_to: str
    to_region_code: str | None
    reason: str
    on: date


def challenge(state: CaseState, cmd: ChallengeDecision) -> list[EventContract]:
    """Reopen the decision for the named person to decide again."""
    refuse_status(state, "have its decision escalated or challenged", CHALLENGEABLE)
    assert state.decision_id is not None
    if not cmd.reason.strip():
        raise UnprocessableContent("An escalation or challenge gives its reason.")
    if cmd.capacity == "another_regional_director":
        if cmd.to_region_code is None:
            raise UnprocessableContent(
                "An escalation to another regional director names the region.",
                extra={"errors": [{"loc": ["body", "to_region_code"], "msg": "required"}]},
            )
        if cmd.to_region_code == state.region_code:
            raise UnprocessableContent(
                f"The case is in region {state.region_code}: an escalation to another"
                " regional director names another region.",
                extra={"errors": [{"loc": ["body", "to_region_code"], "msg": "same region"}]},
            )
    elif cmd.to_region_code is not None:
        raise UnprocessableContent("An escalation to a minister names no region.")
    return [
        DecisionChallenged(
            case_id=state.case_id,
            decision_id=state.decision_id,
            kind=cmd.kind,
            capacity=cmd.capacity,
            referred_to=cmd.referred_to,
            to_region_code=cmd.to_region_code,
            reason=cmd.reason,
            challenged_on=cmd.on,
        )
    ]
