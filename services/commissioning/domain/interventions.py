"""The intervention aggregate, pure: notices against a trust or one of its academies.

The ladder, its periods, its statuses and its deciders are the ``notices`` section of the
``intervention`` policy (``interventions.policy``): a notice follows the version in force
on the day it was issued, to its end, and records that version on its events (a newer
version changes new notices only). Version 2 ships the ladder as it stood in 2023: NTI
warning letter, notice to improve (with conditions, reviewed periodically), termination
warning notice (the trust has 15 working days to respond), termination notice (the funding
agreement ends and the academy must move), which opens a rebrokerage case for the academy
when it is issued. An escalation names the notice it escalates from, which must be lower on
the ladder and against the same trust. A move the version does not allow is a 409 naming
the version and the statuses it allows. Every step, issue or move, names who decided it
and their grade, which the version's rule for the kind must list among its deciders (409
naming the version and the allowed deciders otherwise), and the evidence it rested on; a
move carries its reason (an issue's is its grounds).

``lifted``, ``closed`` and ``cancelled`` no longer count against the trust.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.commissioning.domain.cases import OpenCase
from services.commissioning.interventions.policy import NoticeRule, NoticeRules
from services.commissioning.school_interventions.domain import StepNotAllowed, add_months
from services.commissioning.school_interventions.policy import INTERVENTION_POLICY
from services.commissioning.working_days import add_working_days
from shared.contracts.interventions import (
    INACTIVE_INTERVENTION_STATUSES,
    InterventionIssued,
    InterventionKind,
    InterventionStatus,
    InterventionStatusChanged,
)
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract


def version_label(version: int | None) -> str:
    """How a problem names the rules a notice follows."""
    if version is None:
        return f"the notice rules fixed before the {INTERVENTION_POLICY} policy"
    return f"{INTERVENTION_POLICY} v{version}"


def _where(version: int | None) -> dict[str, object]:
    return {"policy": INTERVENTION_POLICY, "policy_version": version}


def rule_of(rules: NoticeRules, version: int | None, kind: str) -> NoticeRule:
    """The version's rule for ``kind``; 409 if it gives none (a checked version always does)."""
    rule = rules.rule(kind)
    if rule is None:
        raise StepNotAllowed(
            f"{version_label(version)} gives no rule for a {kind}.",
            extra={**_where(version), "allowed_kinds": rules.ladder()},
        )
    return rule


def is_active(status: str) -> bool:
    """Whether an intervention in ``status`` counts against its trust: issued and not over.

    One still being prepared has not reached the trust and is not published: it excludes
    the trust from nothing yet, and nothing can escalate from it.
    """
    return status != "preparing" and status not in INACTIVE_INTERVENTION_STATUSES


@dataclass(frozen=True, slots=True)
class InterventionState:
    """An intervention as its stream tells it."""

    intervention_id: str
    version: int
    kind: InterventionKind
    trust_uid: int
    urn: int | None
    status: InterventionStatus
    issued_on: date
    # The policy version it follows; None: recorded before notices followed versions.
    policy_version: int | None = None


def evolve(state: InterventionState | None, event: EventContract) -> InterventionState:
    """The intervention after one more of its events."""
    if isinstance(event, InterventionIssued):
        return InterventionState(
            intervention_id=event.intervention_id,
            version=1,
            kind=event.kind,
            trust_uid=event.trust_uid,
            urn=event.urn,
            status=event.status,
            issued_on=event.issued_on,
            policy_version=event.policy_version,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before InterventionIssued")
    if isinstance(event, InterventionStatusChanged):
        return replace(state, version=state.version + 1, status=event.status)
    return replace(state, version=state.version + 1)


def fold(
    events: Iterable[EventContract], state: InterventionState | None = None
) -> InterventionState | None:
    """The intervention from its events, oldest first (after ``state``, if given); None when
    there are none."""
    for event in events:
        state = evolve(state, event)
    return state


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueIntervention:
    """Issue (or start preparing) a notice against a trust, or one of its academies."""

    intervention_id: str
    kind: InterventionKind
    trust_uid: int
    issued_on: date
    grounds: str
    urn: int | None = None
    status: InterventionStatus = "issued"
    conditions: Sequence[str] = ()
    escalated_from: str | None = None
    published: bool = True
    # Who decided to issue it and their grade (one the version's rule for the kind names).
    decided_by: str
    decider_grade: str
    evidence_ids: Sequence[str] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeStatus:
    """Move a notice to a new status, from a date: who decided it, their grade, why, and
    on what evidence."""

    status: InterventionStatus
    effective_on: date
    decided_by: str
    decider_grade: str
    reason: str
    evidence_ids: Sequence[str] = ()


def _check_decider(rule: NoticeRule, version: int | None, grade: str, what: str) -> None:
    """409 naming the version and its deciders unless ``grade`` may decide ``what``."""
    if grade not in rule.deciders:
        raise StepNotAllowed(
            f"{version_label(version)}: {what} is decided by "
            + ", ".join(rule.deciders)
            + f", not {grade}.",
            extra={**_where(version), "allowed_deciders": rule.deciders},
        )


def issue(
    cmd: IssueIntervention,
    *,
    rules: NoticeRules,
    version: int | None,
    today: date,
    trust_known: bool,
    school_trust_uid: int | None,
    escalated_from: InterventionState | None,
) -> list[EventContract]:
    """Check the notice against the rules of policy ``version`` (in force on its issue date)
    and give it the due dates they set.

    ``school_trust_uid`` is the trust that runs ``cmd.urn`` now (None if none or no urn);
    ``escalated_from`` is the state of the notice named by ``cmd.escalated_from``.
    """
    if cmd.status not in ("preparing", "issued"):
        raise UnprocessableContent("A new intervention is preparing or issued.")
    if cmd.issued_on > today:
        raise UnprocessableContent(f"The issue date {cmd.issued_on} is in the future.")
    if not trust_known:
        raise UnprocessableContent(f"Trust {cmd.trust_uid} is not on the register.")
    if cmd.urn is not None and school_trust_uid != cmd.trust_uid:
        raise UnprocessableContent(
            f"School {cmd.urn} is not an academy of trust {cmd.trust_uid}.",
            extra={"school_trust_uid": school_trust_uid},
        )
    if cmd.kind == "notice_to_improve" and not cmd.conditions:
        raise UnprocessableContent("A notice to improve lists its conditions.")
    rule = rule_of(rules, version, cmd.kind)
    _check_decider(rule, version, cmd.decider_grade, f"a {cmd.kind}")
    if cmd.escalated_from is not None:
        _check_escalation(cmd, escalated_from, rules, version)
    # Periods run from the day the notice reaches the trust: one still being prepared gets
    # its dates when it is issued (change_status).
    response_due, review_due = (
        _due_dates(rule, cmd.issued_on) if cmd.status == "issued" else (None, None)
    )
    return [
        InterventionIssued(
            intervention_id=cmd.intervention_id,
            kind=cmd.kind,
            trust_uid=cmd.trust_uid,
            urn=cmd.urn,
            status=cmd.status,
            issued_on=cmd.issued_on,
            grounds=cmd.grounds,
            conditions=list(cmd.conditions),
            response_due_on=response_due,
            escalated_from=cmd.escalated_from,
            published=cmd.published,
            policy_version=version,
            review_due_on=review_due,
            decided_by=cmd.decided_by,
            decider_grade=cmd.decider_grade,
            evidence_ids=list(cmd.evidence_ids),
        )
    ]


def _due_dates(rule: NoticeRule, on: date) -> tuple[date | None, date | None]:
    """The response date and the next review date of a notice issued on ``on``."""
    response = (
        add_working_days(on, rule.response_working_days) if rule.response_working_days else None
    )
    review = add_months(on, rule.review_interval_months) if rule.review_interval_months else None
    return response, review


def _check_escalation(
    cmd: IssueIntervention,
    earlier: InterventionState | None,
    rules: NoticeRules,
    version: int | None,
) -> None:
    if earlier is None:
        raise UnprocessableContent(f"Intervention {cmd.escalated_from} does not exist.")
    if earlier.trust_uid != cmd.trust_uid:
        raise UnprocessableContent(
            f"Intervention {cmd.escalated_from} is against trust {earlier.trust_uid}, "
            f"not {cmd.trust_uid}."
        )
    # The new notice's version places both on its ladder.
    rung = rule_of(rules, version, cmd.kind).rung
    if rung <= rule_of(rules, version, earlier.kind).rung:
        raise UnprocessableContent(
            f"A {cmd.kind} is not an escalation of a {earlier.kind}.",
            extra={"ladder": rules.ladder(), **_where(version)},
        )
    if not is_active(earlier.status):
        raise Conflict(
            f"Intervention {cmd.escalated_from} is {earlier.status}; there is nothing to escalate."
        )


def change_status(
    state: InterventionState,
    cmd: ChangeStatus,
    *,
    rules: NoticeRules,
    today: date,
) -> list[EventContract]:
    """Move the intervention to ``cmd.status`` if the rules of its own policy version
    (``rules``) allow that move from where it is, decided by a grade they name for its kind."""
    status, effective_on = cmd.status, cmd.effective_on
    version = state.policy_version
    rule = rule_of(rules, version, state.kind)
    allowed = rules.allowed_moves(state.kind, state.status)
    if status not in allowed:
        raise StepNotAllowed(
            f"{version_label(version)} does not allow a {state.kind} that is {state.status}"
            f" to become {status}; allowed: " + (", ".join(allowed) or "nothing more"),
            extra={
                **_where(version),
                "status": state.status,
                "allowed_statuses": sorted(allowed),
                "allowed_steps": allowed,
            },
        )
    if effective_on < state.issued_on:
        raise UnprocessableContent(
            f"The date {effective_on} is before the intervention was issued ({state.issued_on})."
        )
    if effective_on > today:
        raise UnprocessableContent(f"The date {effective_on} is in the future.")
    _check_decider(rule, version, cmd.decider_grade, f"a move of a {state.kind}")
    response_due, review_due = _due_dates(rule, effective_on)
    issued_now = state.status == "preparing" and status == "issued"
    return [
        InterventionStatusChanged(
            intervention_id=state.intervention_id,
            trust_uid=state.trust_uid,
            previous_status=state.status,
            status=status,
            effective_on=effective_on,
            response_due_on=response_due if issued_now else None,
            policy_version=version,
            # Each change of a notice still active is a review: the next counts from it.
            review_due_on=review_due if is_active(status) else None,
            decided_by=cmd.decided_by,
            decider_grade=cmd.decider_grade,
            reason=cmd.reason,
            evidence_ids=list(cmd.evidence_ids),
        )
    ]


def rebrokerage_case(
    *,
    intervention_id: str,
    kind: InterventionKind,
    urn: int | None,
    status: InterventionStatus,
    on: date,
    case_id: str,
) -> OpenCase | None:
    """The case a notice opens as it reaches ``status`` on ``on``, if any: a termination
    notice against an academy opens a rebrokerage case for it the day it is issued, whether
    issued at once or after being prepared."""
    if kind != "termination_notice" or urn is None or status != "issued":
        return None
    return OpenCase(
        case_id=case_id,
        urns=[urn],
        trigger="rebrokerage",
        title=f"Rebrokerage of {urn} after a termination notice",
        opened_on=on,
        intervention_id=intervention_id,
    )
