"""The case aggregate, pure: its state folded from its events, and each command's rules.

Statuses (``CaseStatus``), the main path first::

    open -> shortlisting -> advisory_board_scheduled -> decided -> [transfer_scheduled] -> completed

``shortlisting`` means a shortlist has been put forward (it may be remade until the board
decides). The board's outcome sets the status: approvals -> ``decided``; ``deferred``
returns to the board (reschedule it, or shortlist again); ``declined`` may be shortlisted
again; ``withdrawn`` and ``dao_revoked`` end the work on the case. Any case not completed or
closed can be closed. ``transfer_scheduled`` and ``transfer_rejected`` are read-model
statuses set from the registry's events; the aggregate, which sees only its own stream,
stays ``decided`` until ``CaseCompleted``. The decision's own rules are in
``decisions``. A case may be referred, before it is decided, to another region's director
or to a minister (``refer``): the authority table then lets that person alone decide it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from services.commissioning.candidates.constraints import DEFAULT_CONSTRAINTS, Constraints
from services.commissioning.criteria import check_pillars, default_criteria
from shared.authority.rules import Referral
from shared.authority.scope import Place
from shared.contracts.commissioning import (
    AdvisoryBoardScheduled,
    CaseClosed,
    CaseCompleted,
    CaseConstraintsSet,
    CaseCriteriaSet,
    CaseOpened,
    CaseReferred,
    CaseShortlisted,
    CaseTrigger,
    DecisionChallenged,
    DecisionConditionMet,
    DecisionConditionWaived,
    DecisionOutcome,
    DecisionRecorded,
    FactorWeights,
    PillarWeight,
    ReferralCapacity,
    ReferralReason,
    SignificantDateChanged,
    TransferApproved,
)
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract

CaseStatus = Literal[
    "open",
    "shortlisting",
    "advisory_board_scheduled",
    "decided",
    "deferred",
    "declined",
    "withdrawn",
    "dao_revoked",
    "transfer_scheduled",
    "transfer_rejected",
    "completed",
    "closed",
]
CASE_STATUSES: tuple[str, ...] = CaseStatus.__args__  # type: ignore[attr-defined]

APPROVALS: frozenset[str] = frozenset({"approved", "approved_with_conditions"})
# Statuses in which the shortlist and the criteria may still change.
_BEFORE_BOARD: frozenset[str] = frozenset({"open", "shortlisting", "deferred", "declined"})
_CAN_SCHEDULE_BOARD: frozenset[str] = frozenset(
    {"shortlisting", "advisory_board_scheduled", "deferred"}
)
_ENDED: frozenset[str] = frozenset({"completed", "closed"})
# Statuses in which a case may still be referred for its decision.
_UNDECIDED: frozenset[str] = _BEFORE_BOARD | {"advisory_board_scheduled"}


@dataclass(frozen=True, slots=True)
class SchoolPlace:
    """What a case needs to know about a school, from what the service holds."""

    urn: int
    closed: bool
    trust_uid: int | None
    la_code: str | None
    region_code: str | None
    area: str | None


@dataclass(frozen=True, slots=True)
class CaseState:
    """A case as its own stream tells it."""

    case_id: str
    version: int
    urns: tuple[int, ...]
    trigger: CaseTrigger
    status: CaseStatus
    opened_on: date
    pillars: tuple[PillarWeight, ...]
    factors: FactorWeights
    criteria_set: bool = False
    shortlist: tuple[int, ...] = ()
    board_date: date | None = None
    decision_id: str | None = None
    outcome: DecisionOutcome | None = None
    decided_on: date | None = None
    trust_uid: int | None = None
    significant_date: date | None = None
    region_code: str | None = None
    la_codes: tuple[str, ...] = ()
    referral: Referral | None = None
    # The decision's conditions and each one's status: open, met or waived.
    conditions: tuple[str, ...] = ()
    condition_status: tuple[str, ...] = ()
    # The decision an escalation or challenge reopened: the next decision supersedes it.
    reopened_decision_id: str | None = None
    # The standing approval is carried out by a transfer project (authority to proceed).
    has_project: bool = False
    # What every candidate must satisfy: the defaults until the case sets its own.
    constraints: Constraints = DEFAULT_CONSTRAINTS

    @property
    def place(self) -> Place:
        """Where the case is, for who may act on it: its region and its schools' LAs."""
        return Place(region=self.region_code, las=frozenset(self.la_codes))


def evolve(state: CaseState | None, event: EventContract) -> CaseState:
    """The case after one more of its events."""
    if isinstance(event, CaseOpened):
        pillars, factors = default_criteria(event.trigger)
        return CaseState(
            case_id=event.case_id,
            version=1,
            urns=tuple(event.urns),
            trigger=event.trigger,
            status="open",
            opened_on=event.opened_on,
            pillars=pillars,
            factors=factors,
            region_code=event.region_code,
            la_codes=tuple(event.la_codes),
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before CaseOpened")
    s = replace(state, version=state.version + 1)
    if isinstance(event, CaseCriteriaSet):
        return replace(s, pillars=tuple(event.pillars), factors=event.factors, criteria_set=True)
    if isinstance(event, CaseShortlisted):
        return replace(s, shortlist=tuple(event.trust_uids), status="shortlisting")
    if isinstance(event, CaseConstraintsSet):
        constraints = Constraints(
            same_religious_character=event.same_religious_character,
            diocese_agreed_otherwise=event.diocese_agreed_otherwise,
            max_distance_km=event.max_distance_km,
            same_region=event.same_region,
        )
        return replace(s, constraints=constraints)
    if isinstance(event, AdvisoryBoardScheduled):
        return replace(s, board_date=event.board_date, status="advisory_board_scheduled")
    if isinstance(event, DecisionRecorded):
        status: CaseStatus = "decided" if event.outcome in APPROVALS else event.outcome  # type: ignore[assignment]
        return replace(
            s,
            status=status,
            decision_id=event.decision_id,
            outcome=event.outcome,
            decided_on=event.decided_on,
            trust_uid=event.trust_uid,
            significant_date=event.significant_date,
            conditions=tuple(event.conditions),
            condition_status=tuple("open" for _ in event.conditions),
            reopened_decision_id=None,
            has_project=False,
        )
    if isinstance(event, TransferApproved):
        return replace(s, has_project=event.needs_authority_to_proceed)
    if isinstance(event, DecisionConditionMet | DecisionConditionWaived):
        statuses = list(s.condition_status)
        statuses[event.condition - 1] = (
            "met" if isinstance(event, DecisionConditionMet) else "waived"
        )
        return replace(s, condition_status=tuple(statuses))
    if isinstance(event, DecisionChallenged):
        referral = Referral(
            to_subject=event.referred_to,
            capacity=event.capacity,
            region=event.to_region_code,
            reason_category="other",
            referred_on=event.challenged_on,
        )
        return replace(
            s,
            status="advisory_board_scheduled",
            referral=referral,
            reopened_decision_id=event.decision_id,
        )
    if isinstance(event, SignificantDateChanged):
        return replace(s, significant_date=event.significant_date)
    if isinstance(event, CaseReferred):
        referral = Referral(
            to_subject=event.referred_to,
            capacity=event.capacity,
            region=event.to_region_code,
            reason_category=event.reason_category,
            referred_on=event.referred_on,
        )
        return replace(s, referral=referral)
    if isinstance(event, CaseCompleted):
        return replace(s, status="completed")
    if isinstance(event, CaseClosed):
        return replace(s, status="closed")
    # Anything newer changes nothing the rules look at.
    return s


def fold(events: Iterable[EventContract], state: CaseState | None = None) -> CaseState | None:
    """The case from its events, oldest first (after ``state``, if given); None when
    there are none."""
    for event in events:
        state = evolve(state, event)
    return state


def refuse_status(state: CaseState, action: str, allowed: Iterable[str]) -> None:
    """409 unless the case is in one of the ``allowed`` statuses."""
    if state.status not in allowed:
        raise Conflict(
            f"A case that is {state.status} cannot {action}.",
            extra={"status": state.status, "allowed_statuses": sorted(allowed)},
        )


# ------------------------------------------------------------------ commands


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenCase:
    """Open a case for one school or a group of schools."""

    case_id: str
    urns: Sequence[int]
    trigger: CaseTrigger
    title: str
    opened_on: date
    intervention_id: str | None = None


def open_case(cmd: OpenCase, schools: Mapping[int, SchoolPlace]) -> list[EventContract]:
    """The schools must be known and open; region, area and LAs come from them."""
    if len(set(cmd.urns)) != len(cmd.urns):
        raise UnprocessableContent("A school is listed twice.", extra={"urns": list(cmd.urns)})
    unknown = [u for u in cmd.urns if u not in schools]
    if unknown:
        raise UnprocessableContent(
            "These schools are not on the register: " + ", ".join(map(str, unknown)) + ".",
            extra={"unknown_urns": unknown},
        )
    closed = [u for u in cmd.urns if schools[u].closed]
    if closed:
        raise UnprocessableContent(
            "These schools are closed: " + ", ".join(map(str, closed)) + ".",
            extra={"closed_urns": closed},
        )
    places = [schools[u] for u in cmd.urns]
    return [
        CaseOpened(
            case_id=cmd.case_id,
            urns=list(cmd.urns),
            trigger=cmd.trigger,
            title=cmd.title,
            region_code=_most_common(p.region_code for p in places),
            area=_most_common(p.area for p in places),
            la_codes=sorted({p.la_code for p in places if p.la_code}),
            opened_on=cmd.opened_on,
            intervention_id=cmd.intervention_id,
        )
    ]


def _most_common(values: Iterable[str | None]) -> str | None:
    # A group of schools is filed under the region (or area) most of them are in; ties go
    # to the first school's, so the answer does not depend on anything but the URN order.
    counts: dict[str, int] = {}
    for v in values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def set_criteria(
    state: CaseState, pillars: Sequence[PillarWeight], factors: FactorWeights
) -> list[EventContract]:
    """Choose the pillars and factors that matter, before the board sits."""
    refuse_status(state, "have its criteria changed", _BEFORE_BOARD)
    if not pillars:
        raise UnprocessableContent("Name at least one pillar.")
    check_pillars(pillars)
    return [CaseCriteriaSet(case_id=state.case_id, pillars=list(pillars), factors=factors)]


def set_constraints(state: CaseState, cmd: CaseConstraintsSet) -> list[EventContract]:
    """Change what every candidate must satisfy, before the board sits; the diocese's
    agreement to another religious character is recorded with where it is found."""
    refuse_status(state, "have its constraints changed", _BEFORE_BOARD)
    if cmd.diocese_agreed_otherwise and not cmd.diocese_agreement_reference:
        raise UnprocessableContent(
            "The diocese's agreement to a trust of another religious character is recorded"
            " with where it is found (diocese_agreement_reference).",
            extra={"errors": [{"loc": ["body", "diocese_agreement_reference"], "msg": "required"}]},
        )
    return [cmd]


def shortlist(
    state: CaseState,
    trust_uids: Sequence[int],
    *,
    ranked: Sequence[int],
    snapshot: list[dict[str, object]],
) -> list[EventContract]:
    """Put trusts forward to the board; each must be a ranked (not excluded) candidate."""
    refuse_status(state, "be shortlisted", _BEFORE_BOARD)
    if not trust_uids:
        raise UnprocessableContent("Shortlist at least one trust.")
    if len(set(trust_uids)) != len(trust_uids):
        raise UnprocessableContent(
            "A trust is listed twice.", extra={"trust_uids": list(trust_uids)}
        )
    eligible = set(ranked)
    not_candidates = [u for u in trust_uids if u not in eligible]
    if not_candidates:
        raise UnprocessableContent(
            "These trusts are not ranked candidates for this case (unknown, closed or "
            "excluded): " + ", ".join(map(str, not_candidates)) + ".",
            extra={"not_candidates": not_candidates},
        )
    return [
        CaseShortlisted(
            case_id=state.case_id, trust_uids=list(trust_uids), ranking_snapshot=snapshot
        )
    ]


def schedule_board(state: CaseState, board_date: date) -> list[EventContract]:
    """Send a shortlisted (or deferred) case to an advisory board on a date."""
    refuse_status(state, "go to an advisory board", _CAN_SCHEDULE_BOARD)
    if not state.shortlist:
        raise Conflict("Shortlist trusts before scheduling the board.")
    if board_date < state.opened_on:
        raise UnprocessableContent(
            f"The board date {board_date} is before the case opened ({state.opened_on})."
        )
    return [AdvisoryBoardScheduled(case_id=state.case_id, board_date=board_date)]


def close_case(state: CaseState, *, closed_on: date, reason: str) -> list[EventContract]:
    """Close any case that is not already completed or closed."""
    refuse_status(state, "be closed", set(CASE_STATUSES) - _ENDED)
    if not reason.strip():
        raise UnprocessableContent("Closing a case gives its reason.")
    if closed_on < state.opened_on:
        raise UnprocessableContent(
            f"The close date {closed_on} is before the case opened ({state.opened_on})."
        )
    return [CaseClosed(case_id=state.case_id, closed_on=closed_on, reason=reason)]


def complete_case(state: CaseState, *, decision_id: str, completed_on: date) -> list[EventContract]:
    """Every school of the approved decision has moved: complete the case, once.

    Nothing (not an error) when the case has moved on, because this runs in reaction to the
    registry and a case closed meanwhile, or a replay, must not stop the reaction.
    """
    if state.status != "decided" or state.decision_id != decision_id:
        return []
    return [
        CaseCompleted(case_id=state.case_id, decision_id=decision_id, completed_on=completed_on)
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferCase:
    """Refer the decision on a case to another region's director or to a minister."""

    capacity: ReferralCapacity
    referred_to: str
    to_region_code: str | None
    reason_category: ReferralReason
    reason: str
    referred_on: date


def refer(state: CaseState, cmd: ReferCase) -> list[EventContract]:
    """Before it is decided, a case may go to a named person outside its region's usual
    decision makers, for a stated reason; from then on that person alone decides it."""
    refuse_status(state, "be referred", _UNDECIDED)
    if not cmd.reason.strip():
        raise UnprocessableContent("A referral gives its reason.")
    if cmd.capacity == "another_regional_director":
        if cmd.to_region_code is None:
            raise UnprocessableContent("A referral to another regional director names the region.")
        if cmd.to_region_code == state.region_code:
            raise UnprocessableContent(
                f"The case is in region {state.region_code} already: a referral to another"
                " regional director names another region."
            )
    elif cmd.to_region_code is not None:
        raise UnprocessableContent("A referral to a minister names no region.")
    if state.referral is not None and state.referral.to_subject == cmd.referred_to:
        raise Conflict(f"The case is referred to {cmd.referred_to} already.")
    return [
        CaseReferred(
            case_id=state.case_id,
            capacity=cmd.capacity,
            referred_to=cmd.referred_to,
            to_region_code=cmd.to_region_code,
            reason_category=cmd.reason_category,
            reason=cmd.reason,
            referred_on=cmd.referred_on,
        )
    ]
