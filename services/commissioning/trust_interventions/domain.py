"""A whole-trust intervention, pure: opened on the pathway of its trigger, then step by step.

The intervention follows the policy version in force the day it was opened, to its end. A
version with no ``trust_pathways`` section allows none (409 naming it). After a trust
inspection the inspection must be one commissioning knows for the trust and its outcomes
must be the trust's latest by the day it opens, and its outcomes must meet the version's
failing rule (422 for an inspection not known or not the latest, 409 naming the rule and the
outcomes for one that does not find the trust failing). A
step the pathway does not allow next, or a decider it does not name, is a 409 naming the
version and what it allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.commissioning.school_interventions.domain import StepNotAllowed
from services.commissioning.school_interventions.policy import (
    INTERVENTION_POLICY,
    InterventionPolicy,
)
from services.commissioning.trust_interventions.policy import TrustPathway
from services.commissioning.working_days import add_working_days
from shared.contracts.interventions import (
    TrustInterventionOpened,
    TrustInterventionStepTaken,
    TrustInterventionTrigger,
)
from shared.errors import UnprocessableContent
from shared.eventlog.contracts import EventContract

INSPECTION_TRIGGER = "trust_inspection_failing"


@dataclass(frozen=True, slots=True)
class TrustInterventionState:
    """A whole-trust intervention as its stream tells it."""

    intervention_id: str
    version: int
    trust_uid: int
    trigger: TrustInterventionTrigger
    trust_inspection_id: str | None
    policy_version: int
    opened_on: date
    steps: tuple[str, ...] = ()
    case_ids: tuple[str, ...] = ()
    last_decided_on: date | None = None

    @property
    def last_step(self) -> str | None:
        """The step taken last, if any."""
        return self.steps[-1] if self.steps else None


def evolve(state: TrustInterventionState | None, event: EventContract) -> TrustInterventionState:
    """The intervention after one more of its events."""
    if isinstance(event, TrustInterventionOpened):
        return TrustInterventionState(
            intervention_id=event.intervention_id,
            version=1,
            trust_uid=event.trust_uid,
            trigger=event.trigger,
            trust_inspection_id=event.trust_inspection_id,
            policy_version=event.policy_version,
            opened_on=event.opened_on,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before TrustInterventionOpened")
    if isinstance(event, TrustInterventionStepTaken):
        return replace(
            state,
            version=state.version + 1,
            steps=(*state.steps, event.step),
            case_ids=(*state.case_ids, event.case_id) if event.case_id else state.case_ids,
            last_decided_on=event.decided_on,
        )
    return replace(state, version=state.version + 1)


def fold(events: Iterable[EventContract]) -> TrustInterventionState | None:
    """The intervention from its events, oldest first; None when there are none."""
    state: TrustInterventionState | None = None
    for event in events:
        state = evolve(state, event)
    return state


def pathway_of(policy: InterventionPolicy, version: int, trigger: str) -> TrustPathway:
    """The whole-trust pathway the version gives ``trigger``; 409 if it gives none."""
    found = policy.trust_pathways.pathway(trigger) if policy.trust_pathways else None
    if found is None:
        raise StepNotAllowed(
            f"{INTERVENTION_POLICY} v{version} has no whole-trust pathway for {trigger}.",
            extra={"policy": INTERVENTION_POLICY, "policy_version": version},
        )
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenTrustIntervention:
    """Begin intervention in a whole trust."""

    intervention_id: str
    trust_uid: int
    trigger: TrustInterventionTrigger
    trust_inspection_id: str | None
    opened_on: date
    reason: str
    evidence_ids: Sequence[str] = ()


def open_intervention(
    cmd: OpenTrustIntervention,
    *,
    policy: InterventionPolicy,
    version: int,
    today: date,
    inspection_outcomes: Mapping[str, str] | None,
) -> list[EventContract]:
    """Open on the pathway of the version in force; ``inspection_outcomes`` (area -> words)
    are those of the named inspection as commissioning knows it (None: not known)."""
    if cmd.opened_on > today:
        raise UnprocessableContent(
            f"The date {cmd.opened_on} is in the future.",
            extra={"errors": [{"loc": ["body", "opened_on"], "msg": "in the future"}]},
        )
    pathway = pathway_of(policy, version, cmd.trigger)
    outcomes: dict[str, str] = {}
    if cmd.trigger == INSPECTION_TRIGGER:
        outcomes = _failing_outcomes(cmd, pathway, version, inspection_outcomes)
    elif cmd.trust_inspection_id is not None:
        raise UnprocessableContent(
            f"A {cmd.trigger} intervention names no trust inspection.",
            extra={"trigger": cmd.trigger},
        )
    return [
        TrustInterventionOpened(
            intervention_id=cmd.intervention_id,
            trust_uid=cmd.trust_uid,
            trigger=cmd.trigger,
            trust_inspection_id=cmd.trust_inspection_id,
            inspection_outcomes=outcomes,
            opened_on=cmd.opened_on,
            policy_version=version,
            reason=cmd.reason,
            evidence_ids=list(cmd.evidence_ids),
        )
    ]


def _failing_outcomes(
    cmd: OpenTrustIntervention,
    pathway: TrustPathway,
    version: int,
    found: Mapping[str, str] | None,
) -> dict[str, str]:
    rules = [r.model_dump() for r in pathway.failing_when]
    where = {"policy": INTERVENTION_POLICY, "policy_version": version, "failing_when": rules}
    if cmd.trust_inspection_id is None:
        raise UnprocessableContent(
            "An intervention after a trust inspection names the inspection (trust_inspection_id).",
            extra={
                **where,
                "missing": ["trust_inspection_id"],
                "errors": [{"loc": ["body", "trust_inspection_id"], "msg": "missing"}],
            },
        )
    if found is None:
        raise UnprocessableContent(
            f"Inspection {cmd.trust_inspection_id} is not trust {cmd.trust_uid}'s latest"
            f" inspection by {cmd.opened_on} that commissioning knows of: only the latest"
            " stands.",
            extra={
                **where,
                "trust_inspection_id": cmd.trust_inspection_id,
                "errors": [
                    {"loc": ["body", "trust_inspection_id"], "msg": "not the latest inspection"}
                ],
            },
        )
    if not pathway.failing_rules_met(dict(found)):
        said = "; ".join(
            f"{r.area} one of " + ", ".join(repr(o) for o in r.outcomes)
            for r in pathway.failing_when
        )
        given = "; ".join(f"{area}: {words!r}" for area, words in sorted(found.items()))
        raise StepNotAllowed(
            f"Inspection {cmd.trust_inspection_id} does not find trust {cmd.trust_uid} failing"
            f" under {INTERVENTION_POLICY} v{version} (failing when {said}); its outcomes: "
            + given,
            extra={**where, "inspection_outcomes": dict(found)},
        )
    return dict(found)


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeTrustStep:
    """Record a step decided on the whole-trust pathway."""

    step: str
    decided_on: date
    decided_by: str
    decider_grade: str
    reason: str
    evidence_ids: Sequence[str] = ()


def take_step(
    state: TrustInterventionState,
    cmd: TakeTrustStep,
    *,
    policy: InterventionPolicy,
    today: date,
    case_id: str | None,
    urns: Sequence[int] = (),
) -> TrustInterventionStepTaken:
    """Check the step against the pathway of the intervention's policy version; ``case_id``
    is the case it opens for the trust's open academies ``urns``, if the step opens one."""
    version = state.policy_version
    pathway = pathway_of(policy, version, state.trigger)
    allowed = pathway.allowed_after(state.last_step)
    where = {"policy": INTERVENTION_POLICY, "policy_version": version}
    rule = pathway.step(cmd.step)
    if rule is None or cmd.step not in allowed:
        after = f"after {state.last_step}" if state.last_step else "first"
        raise StepNotAllowed(
            f"{INTERVENTION_POLICY} v{version} does not allow {cmd.step} {after} for a trust"
            f" intervention on {state.trigger}; allowed: " + (", ".join(allowed) or "nothing more"),
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
        raise UnprocessableContent(
            f"The date {cmd.decided_on} is in the future.",
            extra={"errors": [{"loc": ["body", "decided_on"], "msg": "in the future"}]},
        )
    # Steps follow one another in time as in order: a notice cannot predate the step it
    # follows, nor open a case dated before the warning it ends.
    earliest = state.last_decided_on or state.opened_on
    if cmd.decided_on < earliest:
        since = f"the last step ({state.last_step})" if state.last_decided_on else "it opened"
        raise UnprocessableContent(
            f"The date {cmd.decided_on} is before {since}, on {earliest}.",
            extra={"errors": [{"loc": ["body", "decided_on"], "msg": f"before {earliest}"}]},
        )
    if rule.opens_case and not urns:
        raise UnprocessableContent(
            f"{cmd.step} opens a case for the trust's open academies, and trust"
            f" {state.trust_uid} has none.",
            extra={"trust_uid": state.trust_uid},
        )
    due = (
        add_working_days(cmd.decided_on, rule.notice_response_working_days)
        if rule.notice_response_working_days
        else None
    )
    return TrustInterventionStepTaken(
        intervention_id=state.intervention_id,
        trust_uid=state.trust_uid,
        step=cmd.step,
        policy_version=version,
        decided_on=cmd.decided_on,
        decided_by=cmd.decided_by,
        decider_grade=cmd.decider_grade,
        reason=cmd.reason,
        evidence_ids=list(cmd.evidence_ids),
        response_due_on=due,
        case_id=case_id if rule.opens_case else None,
        urns=sorted(urns) if rule.opens_case else [],
    )
