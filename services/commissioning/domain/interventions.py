"""The intervention aggregate, pure: notices against a trust or one of its academies.

The ladder, mildest first: NTI warning letter, notice to improve (with conditions),
termination warning notice (the trust has 15 working days to respond), termination notice
(the funding agreement ends and the academy must move), which opens a rebrokerage case for
the academy when it is issued. An escalation names the notice it escalates from, which must
be lower on the ladder and against the same trust.

Statuses (DOMAIN.md): a notice to improve goes through the monitoring statuses
(progress_on_track, evidence_of_non_compliance, serious_breaches, submission_to_lift,
lifted); the other kinds are only preparing, issued, closed or cancelled. ``lifted``,
``closed`` and ``cancelled`` no longer count against the trust.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.commissioning.domain.cases import OpenCase
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

LADDER: tuple[InterventionKind, ...] = (
    "nti_warning_letter",
    "notice_to_improve",
    "termination_warning_notice",
    "termination_notice",
)
RESPONSE_WORKING_DAYS = 15

_NOTICE_TO_IMPROVE_MOVES: dict[str, frozenset[str]] = {
    "preparing": frozenset({"issued", "cancelled"}),
    "issued": frozenset(
        {
            "progress_on_track",
            "evidence_of_non_compliance",
            "serious_breaches",
            "submission_to_lift",
            "lifted",
            "closed",
            "cancelled",
        }
    ),
    "progress_on_track": frozenset(
        {"evidence_of_non_compliance", "serious_breaches", "submission_to_lift", "lifted", "closed"}
    ),
    "evidence_of_non_compliance": frozenset(
        {"progress_on_track", "serious_breaches", "submission_to_lift", "closed"}
    ),
    "serious_breaches": frozenset({"progress_on_track", "evidence_of_non_compliance", "closed"}),
    "submission_to_lift": frozenset(
        {"lifted", "progress_on_track", "evidence_of_non_compliance", "closed"}
    ),
    "lifted": frozenset({"closed"}),
}
_OTHER_MOVES: dict[str, frozenset[str]] = {
    "preparing": frozenset({"issued", "cancelled"}),
    "issued": frozenset({"closed", "cancelled"}),
}


def allowed_moves(kind: InterventionKind, status: str) -> frozenset[str]:
    """The statuses an intervention of ``kind`` may move to from ``status``."""
    table = _NOTICE_TO_IMPROVE_MOVES if kind == "notice_to_improve" else _OTHER_MOVES
    return table.get(status, frozenset())


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


def issue(
    cmd: IssueIntervention,
    *,
    today: date,
    trust_known: bool,
    school_trust_uid: int | None,
    escalated_from: InterventionState | None,
) -> list[EventContract]:
    """Check the notice and give a termination warning notice its response date.

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
    if cmd.escalated_from is not None:
        _check_escalation(cmd, escalated_from)
    # The response is due 15 working days after the notice reaches the trust: a notice
    # still being prepared gets its date when it is issued (change_status).
    due = (
        add_working_days(cmd.issued_on, RESPONSE_WORKING_DAYS)
        if cmd.kind == "termination_warning_notice" and cmd.status == "issued"
        else None
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
            response_due_on=due,
            escalated_from=cmd.escalated_from,
            published=cmd.published,
        )
    ]


def _check_escalation(cmd: IssueIntervention, earlier: InterventionState | None) -> None:
    if earlier is None:
        raise UnprocessableContent(f"Intervention {cmd.escalated_from} does not exist.")
    if earlier.trust_uid != cmd.trust_uid:
        raise UnprocessableContent(
            f"Intervention {cmd.escalated_from} is against trust {earlier.trust_uid}, "
            f"not {cmd.trust_uid}."
        )
    if LADDER.index(cmd.kind) <= LADDER.index(earlier.kind):
        raise UnprocessableContent(
            f"A {cmd.kind} is not an escalation of a {earlier.kind}.",
            extra={"ladder": list(LADDER)},
        )
    if not is_active(earlier.status):
        raise Conflict(
            f"Intervention {cmd.escalated_from} is {earlier.status}; there is nothing to escalate."
        )


def change_status(
    state: InterventionState, status: InterventionStatus, *, effective_on: date, today: date
) -> list[EventContract]:
    """Move the intervention to ``status`` if its kind allows that move from where it is."""
    allowed = allowed_moves(state.kind, state.status)
    if status not in allowed:
        raise Conflict(
            f"A {state.kind} that is {state.status} cannot become {status}.",
            extra={"status": state.status, "allowed_statuses": sorted(allowed)},
        )
    if effective_on < state.issued_on:
        raise UnprocessableContent(
            f"The date {effective_on} is before the intervention was issued ({state.issued_on})."
        )
    if effective_on > today:
        raise UnprocessableContent(f"The date {effective_on} is in the future.")
    issued_now = state.status == "preparing" and status == "issued"
    due = (
        add_working_days(effective_on, RESPONSE_WORKING_DAYS)
        if issued_now and state.kind == "termination_warning_notice"
        else None
    )
    return [
        InterventionStatusChanged(
            intervention_id=state.intervention_id,
            trust_uid=state.trust_uid,
            previous_status=state.status,
            status=status,
            effective_on=effective_on,
            response_due_on=due,
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
