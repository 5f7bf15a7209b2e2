"""The decision on a case, pure: who may decide what, and the significant date's rules.

An approval (with or without conditions) names a shortlisted, open trust, a significant
date that is the 1st of a month and not before the decision, and the public sector equality
duty record; it is written with the ``TransferApproved`` the registry acts on. Every
decision gives coded reasons from the ``decision_reasons`` policy in force and its
decision maker's grade, which the ``decision_makers`` policy must allow for the outcome (a
DAO revocation needs a minister). Only a case at the advisory board (or reopened by an
escalation or challenge) can be decided; a decision after a challenge supersedes the one
challenged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services.commissioning.decisions.policy import DecisionMakers, DecisionReasons
from services.commissioning.domain.cases import APPROVALS, CaseState, refuse_status
from shared.contracts.commissioning import (
    DecisionMakerCapacity,
    DecisionOutcome,
    DecisionRecorded,
    SignificantDateChanged,
    TransferApproved,
)
from shared.contracts.projects import ProjectType
from shared.contracts.values import DecisionMakerGrade, EqualityRecord
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract


@dataclass(frozen=True, slots=True)
class DecisionPolicies:
    """The decision policies in force on the day, with the versions a decision records."""

    reasons: DecisionReasons
    reasons_version: int
    makers: DecisionMakers
    makers_version: int


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
    reason_codes: Sequence[str] = ()
    decision_maker_grade: DecisionMakerGrade = "regional_director"
    decision_maker_grade_other: str | None = None
    equality: EqualityRecord | None = None
    # An approval's project: None takes the default for where the schools are.
    project_type: ProjectType | None = None


# The project types an approval may open, by whether its schools are in a trust now: an
# academy moves to another trust, or its trust merges, or it forms a new trust with others;
# a maintained school converts, joining a trust or forming a new one.
PROJECT_TYPES_IN_A_TRUST: tuple[ProjectType, ...] = (
    "academy_transfer",
    "form_a_new_trust",
    "trust_merger",
)
PROJECT_TYPES_NOT_IN_A_TRUST: tuple[ProjectType, ...] = ("conversion", "form_a_new_trust")


def project_type_of(cmd: RecordDecision, *, schools_in_a_trust: bool) -> ProjectType:
    """The approval's project type: the one named, if the schools allow it, else the
    default (academy transfer for schools in a trust, conversion for those not)."""
    allowed = PROJECT_TYPES_IN_A_TRUST if schools_in_a_trust else PROJECT_TYPES_NOT_IN_A_TRUST
    if cmd.project_type is None:
        return allowed[0]
    if cmd.project_type not in allowed:
        where = "in a trust" if schools_in_a_trust else "not in a trust"
        raise UnprocessableContent(
            f"A {cmd.project_type.replace('_', ' ')} project cannot carry out an approval"
            f" for schools {where}: {', '.join(allowed)}.",
            extra={
                "errors": [
                    {
                        "loc": ["body", "project_type"],
                        "msg": f"not a project for schools {where}",
                        "allowed": list(allowed),
                    }
                ]
            },
        )
    return cmd.project_type


def record_problems(cmd: RecordDecision, policies: DecisionPolicies) -> list[dict[str, object]]:
    """Everything wrong with the decision's record (reasons, grade, equality), each naming
    its field, all at once."""
    found: list[dict[str, object]] = []

    def problem(loc: list[str | int], msg: str, **extra: object) -> None:
        found.append({"loc": ["body", *loc], "msg": msg, **extra})

    allowed = policies.reasons.codes(cmd.outcome)
    if not cmd.reason_codes:
        problem(
            ["reason_codes"],
            f"A {cmd.outcome} decision gives at least one coded reason.",
            allowed=allowed,
        )
    for i, code in enumerate(cmd.reason_codes):
        if code not in allowed:
            problem(
                ["reason_codes", i],
                f"{code!r} is not a reason for a {cmd.outcome} decision in version"
                f" {policies.reasons_version} of the decision_reasons policy.",
                allowed=allowed,
            )
    if len(set(cmd.reason_codes)) != len(cmd.reason_codes):
        problem(["reason_codes"], "A reason code is given twice.")
    grades = policies.makers.grades(cmd.outcome)
    if cmd.decision_maker_grade not in grades:
        problem(
            ["decision_maker_grade"],
            f"A {cmd.decision_maker_grade.replace('_', ' ')} may not decide a"
            f" {cmd.outcome.replace('_', ' ')} outcome (version {policies.makers_version} of"
            f" the decision_makers policy allows: {', '.join(grades) or 'nobody'}).",
            allowed=grades,
        )
    if (cmd.decision_maker_grade == "other") != bool(cmd.decision_maker_grade_other):
        problem(
            ["decision_maker_grade_other"],
            "The grade is named in decision_maker_grade_other when, and only when, it is other.",
        )
    if (cmd.decision_maker_capacity == "minister") != (cmd.decision_maker_grade == "minister"):
        problem(
            ["decision_maker_grade"],
            "A decision in a minister's capacity is a minister's, and only a minister's.",
        )
    if cmd.outcome in APPROVALS and cmd.equality is None:
        problem(
            ["equality"],
            "An approval records the public sector equality duty: its likely impact and"
            " mitigation.",
        )
    return found


def record_decision(
    state: CaseState,
    cmd: RecordDecision,
    *,
    today: date,
    schools_in_a_trust: bool,
    trust_open: bool,
    policies: DecisionPolicies,
) -> list[EventContract]:
    """The board's decision; an approval also instructs the registry (TransferApproved)."""
    refuse_status(state, "be decided", {"advisory_board_scheduled"})
    found = record_problems(cmd, policies)
    if found:
        raise UnprocessableContent(
            "The decision's record is incomplete or not allowed: "
            + " ".join(str(f["msg"]) for f in found),
            extra={"errors": found},
        )
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
    elif cmd.project_type is not None:
        raise UnprocessableContent(
            "Only an approval opens a project (project_type).",
            extra={"errors": [{"loc": ["body", "project_type"], "msg": "only for an approval"}]},
        )
    if cmd.outcome == "approved_with_conditions" and not cmd.conditions:
        raise UnprocessableContent("An approval with conditions lists them.")
    if cmd.outcome == "approved" and cmd.conditions:
        raise UnprocessableContent("Conditions make it approved_with_conditions.")
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
        reason_codes=list(cmd.reason_codes),
        reasons_policy_version=policies.reasons_version,
        decision_maker_grade=cmd.decision_maker_grade,
        decision_maker_grade_other=cmd.decision_maker_grade_other,
        rules_policy_version=policies.makers_version,
        equality=cmd.equality,
        supersedes_decision=state.reopened_decision_id,
        project_type=project_type_of(cmd, schools_in_a_trust=schools_in_a_trust)
        if approved
        else None,
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
            needs_authority_to_proceed=True,
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
    if state.has_project:
        raise Conflict(
            "The approval is carried out by its transfer project: change the date there"
            f" (POST /projects/{state.decision_id}/significant-date), with a coded reason.",
            extra={"project_id": state.decision_id},
        )
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
