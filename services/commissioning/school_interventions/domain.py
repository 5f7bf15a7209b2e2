"""A school intervention, pure: opened on a pathway, then step by step as the policy allows.

The intervention follows the policy version in force the day it was opened, to its end: a
newer version changes new work only. A step the pathway does not allow next, or a decider
of a grade the step does not name, is a 409 naming the version and what it allows.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
    Pathway,
)
from services.commissioning.working_days import add_working_days
from shared.contracts.interventions import (
    CategoryOfConcern,
    SchoolInterventionOpened,
    SchoolInterventionStepTaken,
    SchoolKind,
)
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract


class StepNotAllowed(Conflict):
    """The policy version the intervention follows does not allow this step, or this decider."""

    type_uri = Conflict.type_uri.replace("conflict", "step-not-allowed")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day if it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class SchoolInterventionState:
    """An intervention as its stream tells it."""

    intervention_id: str
    version: int
    urn: int
    trust_uid: int | None
    school_kind: SchoolKind
    category: CategoryOfConcern
    policy_version: int
    opened_on: date
    steps: tuple[str, ...] = ()
    rise_window_end: date | None = None
    case_ids: tuple[str, ...] = ()

    @property
    def last_step(self) -> str | None:
        """The step taken last, if any."""
        return self.steps[-1] if self.steps else None


def evolve(state: SchoolInterventionState | None, event: EventContract) -> SchoolInterventionState:
    """The intervention after one more of its events."""
    if isinstance(event, SchoolInterventionOpened):
        return SchoolInterventionState(
            intervention_id=event.intervention_id,
            version=1,
            urn=event.urn,
            trust_uid=event.trust_uid,
            school_kind=event.school_kind,
            category=event.category_of_concern,
            policy_version=event.policy_version,
            opened_on=event.opened_on,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before SchoolInterventionOpened")
    if isinstance(event, SchoolInterventionStepTaken):
        return replace(
            state,
            version=state.version + 1,
            steps=(*state.steps, event.step),
            rise_window_end=event.rise_window_end or state.rise_window_end,
            case_ids=(*state.case_ids, event.case_id) if event.case_id else state.case_ids,
        )
    return replace(state, version=state.version + 1)


def fold(events: Iterable[EventContract]) -> SchoolInterventionState | None:
    """The intervention from its events, oldest first; None when there are none."""
    state: SchoolInterventionState | None = None
    for event in events:
        state = evolve(state, event)
    return state


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenIntervention:
    """Begin intervention in a school in a category of concern."""

    intervention_id: str
    urn: int
    trust_uid: int | None
    school_kind: SchoolKind
    category: CategoryOfConcern
    inspection_start: date | None
    opened_on: date
    reason: str
    evidence_ids: Sequence[str] = ()


def pathway_of(policy: InterventionPolicy, version: int, category: str, kind: str) -> Pathway:
    """The pathway the version gives; 409 if it gives none (a version that passed its
    checks always does)."""
    found = policy.pathway(category, kind)
    if found is None:
        raise StepNotAllowed(
            f"{INTERVENTION_POLICY} v{version} has no pathway for a {kind} school in {category}.",
            extra={"policy": INTERVENTION_POLICY, "policy_version": version},
        )
    return found


def open_intervention(
    cmd: OpenIntervention, *, policy: InterventionPolicy, version: int, today: date
) -> list[EventContract]:
    """Open on the pathway of the policy version in force."""
    if cmd.opened_on > today:
        raise UnprocessableContent(f"The date {cmd.opened_on} is in the future.")
    pathway_of(policy, version, cmd.category, cmd.school_kind)
    return [
        SchoolInterventionOpened(
            intervention_id=cmd.intervention_id,
            urn=cmd.urn,
            trust_uid=cmd.trust_uid,
            school_kind=cmd.school_kind,
            category_of_concern=cmd.category,
            inspection_start=cmd.inspection_start,
            opened_on=cmd.opened_on,
            policy_version=version,
            reason=cmd.reason,
            evidence_ids=list(cmd.evidence_ids),
        )
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeStep:
    """Record a step decided on the intervention's pathway."""

    step: str
    decided_on: date
    decided_by: str
    decider_grade: str
    reason: str
    evidence_ids: Sequence[str] = ()
    reason_code: str | None = None
    reason_text: str | None = None
    outcome: str | None = None
    rise_adviser: str | None = None
    rise_supporting_organisation: str | None = None


def take_step(
    state: SchoolInterventionState,
    cmd: TakeStep,
    *,
    policy: InterventionPolicy,
    today: date,
    case_id: str | None,
) -> SchoolInterventionStepTaken:
    """Check the step against the pathway of the intervention's policy version; ``case_id``
    is the case it opens, if the step opens one."""
    version = state.policy_version
    pathway = pathway_of(policy, version, state.category, state.school_kind)
    allowed = pathway.allowed_after(state.last_step)
    where = {"policy": INTERVENTION_POLICY, "policy_version": version}
    rule = pathway.step(cmd.step)
    if rule is None or cmd.step not in allowed:
        after = f"after {state.last_step}" if state.last_step else "first"
        raise StepNotAllowed(
            f"{INTERVENTION_POLICY} v{version} does not allow {cmd.step} {after} for a"
            f" {state.school_kind} school in {state.category}; allowed: "
            + (", ".join(allowed) or "nothing more"),
            extra={**where, "allowed_steps": allowed},
        )
    if cmd.decider_grade not in rule.deciders:
        raise StepNotAllowed(
            f"{INTERVENTION_POLICY} v{version}: {cmd.step} is decided by "
            + ", ".join(rule.deciders)
            + f", not {cmd.decider_grade}.",
            extra={**where, "allowed_deciders": rule.deciders},
        )
    if cmd.decided_on > today:
        raise UnprocessableContent(f"The date {cmd.decided_on} is in the future.")
    if cmd.decided_on < state.opened_on:
        raise UnprocessableContent(
            f"The date {cmd.decided_on} is before the intervention opened ({state.opened_on})."
        )
    _check_details(rule.reason_codes, rule.outcomes, cmd)
    window_start = window_end = None
    if rule.starts_rise_window:
        if not (cmd.rise_adviser and cmd.rise_supporting_organisation):
            raise UnprocessableContent(
                "RISE intervention names its adviser and supporting organisation.",
                extra={"missing": ["rise_adviser", "rise_supporting_organisation"]},
            )
        window_start = cmd.decided_on
        window_end = add_months(window_start, policy.rise_window_months)
    if rule.needs_rise_window_ended and (
        state.rise_window_end is None or cmd.decided_on < state.rise_window_end
    ):
        raise StepNotAllowed(
            f"{INTERVENTION_POLICY} v{version}: {cmd.step} waits for the RISE window to end"
            f" ({state.rise_window_end}).",
            extra={**where, "rise_window_end": str(state.rise_window_end)},
        )
    due = (
        add_working_days(cmd.decided_on, rule.notice_response_working_days)
        if rule.notice_response_working_days
        else None
    )
    return SchoolInterventionStepTaken(
        intervention_id=state.intervention_id,
        urn=state.urn,
        step=cmd.step,
        policy_version=version,
        decided_on=cmd.decided_on,
        decided_by=cmd.decided_by,
        decider_grade=cmd.decider_grade,
        reason=cmd.reason,
        evidence_ids=list(cmd.evidence_ids),
        reason_code=cmd.reason_code,
        reason_text=cmd.reason_text,
        outcome=cmd.outcome,
        rise_adviser=cmd.rise_adviser if rule.starts_rise_window else None,
        rise_supporting_organisation=(
            cmd.rise_supporting_organisation if rule.starts_rise_window else None
        ),
        rise_window_start=window_start,
        rise_window_end=window_end,
        response_due_on=due,
        case_id=case_id if rule.opens_case else None,
    )


def _check_details(reason_codes: list[str], outcomes: list[str], cmd: TakeStep) -> None:
    if reason_codes:
        if cmd.reason_code not in reason_codes:
            raise UnprocessableContent(
                f"{cmd.step} needs a reason code: one of " + ", ".join(reason_codes) + ".",
                extra={"reason_codes": reason_codes},
            )
        if cmd.reason_code == "other" and not cmd.reason_text:
            raise UnprocessableContent("Reason code 'other' needs the reason in reason_text.")
    elif cmd.reason_code is not None:
        raise UnprocessableContent(f"{cmd.step} takes no reason code.")
    if outcomes and cmd.outcome not in outcomes:
        raise UnprocessableContent(
            f"{cmd.step} needs an outcome: one of " + ", ".join(outcomes) + ".",
            extra={"outcomes": outcomes},
        )
    if not outcomes and cmd.outcome is not None:
        raise UnprocessableContent(f"{cmd.step} takes no outcome.")
