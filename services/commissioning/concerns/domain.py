"""A concern about a trust, pure: opened with a RAG rating, re-rated, acted on, de-escalated
and closed. A closed concern changes no more (409); dates are never in the future, nor
before the concern opened; a review date is never before the day it is set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from services.commissioning.concerns.vocabulary import FINISHED_ACTIONS, RAG_ORDER
from shared.contracts.concerns import (
    ConcernActionAdded,
    ConcernActionStatus,
    ConcernActionStatusChanged,
    ConcernActionType,
    ConcernClosed,
    ConcernDeEscalated,
    ConcernOpened,
    ConcernRag,
    ConcernRated,
    ConcernReferral,
    ConcernStatus,
    ConcernType,
)
from shared.errors import Conflict, NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract


class ConcernClosedAlready(Conflict):
    """The concern is closed: nothing more is recorded on it."""

    type_uri = Conflict.type_uri.replace("conflict", "concern-closed")


@dataclass(frozen=True, slots=True)
class ConcernState:
    """A concern as its stream tells it."""

    concern_id: str
    version: int
    trust_uid: int
    concern_type: ConcernType
    rag: ConcernRag
    status: ConcernStatus
    opened_on: date
    review_on: date | None
    actions: tuple[tuple[str, ConcernActionType, ConcernActionStatus], ...] = ()

    def action_status(self, action_id: str) -> ConcernActionStatus | None:
        """The status of one of its actions; None if it has no such action."""
        return next((s for a, _, s in self.actions if a == action_id), None)


def evolve(state: ConcernState | None, event: EventContract) -> ConcernState:
    """The concern after one more of its events."""
    if isinstance(event, ConcernOpened):
        return ConcernState(
            concern_id=event.concern_id,
            version=1,
            trust_uid=event.trust_uid,
            concern_type=event.concern_type,
            rag=event.rag,
            status="open",
            opened_on=event.opened_on,
            review_on=event.review_on,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before ConcernOpened")
    state = replace(state, version=state.version + 1)
    if isinstance(event, ConcernRated):
        return replace(state, rag=event.rag, review_on=event.review_on)
    if isinstance(event, ConcernDeEscalated):
        return replace(state, rag=event.rag, review_on=event.review_on, status="de_escalated")
    if isinstance(event, ConcernActionAdded):
        return replace(
            state, actions=(*state.actions, (event.action_id, event.action_type, event.status))
        )
    if isinstance(event, ConcernActionStatusChanged):
        return replace(
            state,
            actions=tuple(
                (a, t, event.status if a == event.action_id else s) for a, t, s in state.actions
            ),
        )
    if isinstance(event, ConcernClosed):
        return replace(state, status="closed", review_on=None)
    return state


def fold(events: Iterable[EventContract]) -> ConcernState | None:
    """The concern from its events, oldest first; None when there are none."""
    state: ConcernState | None = None
    for event in events:
        state = evolve(state, event)
    return state


def _field(field: str, msg: str) -> dict[str, object]:
    return {"errors": [{"loc": ["body", field], "msg": msg, "type": "value_error"}]}


def _on(day: date, today: date, field: str, opened_on: date | None = None) -> None:
    if day > today:
        raise UnprocessableContent(
            f"The date {day} is in the future.", extra=_field(field, "in the future")
        )
    if opened_on is not None and day < opened_on:
        raise UnprocessableContent(
            f"The date {day} is before the concern opened ({opened_on}).",
            extra=_field(field, "before the concern opened"),
        )


def _review(review_on: date, day: date) -> None:
    if review_on < day:
        raise UnprocessableContent(
            f"The review date {review_on} is before {day}.",
            extra=_field("review_on", "before the day it is set"),
        )


def _open(state: ConcernState) -> None:
    if state.status == "closed":
        raise ConcernClosedAlready(f"Concern {state.concern_id} is closed.")


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenConcern:
    """Record a concern about a trust."""

    concern_id: str
    trust_uid: int
    concern_type: ConcernType
    referral: ConcernReferral
    referred_by: str | None
    rag: ConcernRag
    review_on: date
    opened_on: date
    summary: str


def open_concern(cmd: OpenConcern, *, today: date) -> list[EventContract]:
    """The concern, opened."""
    _on(cmd.opened_on, today, "opened_on")
    _review(cmd.review_on, cmd.opened_on)
    return [
        ConcernOpened(
            concern_id=cmd.concern_id,
            trust_uid=cmd.trust_uid,
            concern_type=cmd.concern_type,
            referral=cmd.referral,
            referred_by=cmd.referred_by,
            rag=cmd.rag,
            review_on=cmd.review_on,
            opened_on=cmd.opened_on,
            summary=cmd.summary,
        )
    ]


def rate(
    state: ConcernState,
    *,
    rag: ConcernRag,
    rated_on: date,
    review_on: date,
    reason: str,
    today: date,
) -> ConcernRated:
    """A new RAG rating and the next review."""
    _open(state)
    _on(rated_on, today, "rated_on", state.opened_on)
    _review(review_on, rated_on)
    return ConcernRated(
        concern_id=state.concern_id,
        trust_uid=state.trust_uid,
        previous_rag=state.rag,
        rag=rag,
        rated_on=rated_on,
        review_on=review_on,
        reason=reason,
    )


def de_escalate(
    state: ConcernState,
    *,
    rag: ConcernRag,
    de_escalated_on: date,
    review_on: date,
    reason: str,
    today: date,
) -> ConcernDeEscalated:
    """Down to a less serious rating than now (422 otherwise), and monitored."""
    _open(state)
    _on(de_escalated_on, today, "de_escalated_on", state.opened_on)
    _review(review_on, de_escalated_on)
    if RAG_ORDER.index(rag) <= RAG_ORDER.index(state.rag):
        raise UnprocessableContent(
            f"A de-escalation goes below the concern's rating ({state.rag}), not to {rag}.",
            extra={**_field("rag", "not below the current rating"), "rag": state.rag},
        )
    return ConcernDeEscalated(
        concern_id=state.concern_id,
        trust_uid=state.trust_uid,
        previous_rag=state.rag,
        rag=rag,
        de_escalated_on=de_escalated_on,
        review_on=review_on,
        reason=reason,
    )


def add_action(
    state: ConcernState,
    *,
    action_id: str,
    action_type: ConcernActionType,
    status: ConcernActionStatus,
    added_on: date,
    note: str,
    today: date,
) -> ConcernActionAdded:
    """An action taken up on the concern."""
    _open(state)
    _on(added_on, today, "added_on", state.opened_on)
    return ConcernActionAdded(
        concern_id=state.concern_id,
        trust_uid=state.trust_uid,
        action_id=action_id,
        action_type=action_type,
        status=status,
        added_on=added_on,
        note=note,
    )


def change_action(
    state: ConcernState,
    *,
    action_id: str,
    status: ConcernActionStatus,
    changed_on: date,
    reason: str,
    today: date,
) -> ConcernActionStatusChanged:
    """One action to a new status; a finished action (completed, cancelled) stays so."""
    _open(state)
    previous = state.action_status(action_id)
    if previous is None:
        raise NotFound(f"Concern {state.concern_id} has no action {action_id}.")
    if previous in FINISHED_ACTIONS or previous == status:
        raise Conflict(
            f"Action {action_id} is {previous}: it cannot move to {status}.",
            extra={"status": previous},
        )
    _on(changed_on, today, "changed_on", state.opened_on)
    return ConcernActionStatusChanged(
        concern_id=state.concern_id,
        trust_uid=state.trust_uid,
        action_id=action_id,
        previous_status=previous,
        status=status,
        changed_on=changed_on,
        reason=reason,
    )


def close(state: ConcernState, *, closed_on: date, reason: str, today: date) -> ConcernClosed:
    """The concern, closed."""
    _open(state)
    _on(closed_on, today, "closed_on", state.opened_on)
    return ConcernClosed(
        concern_id=state.concern_id, trust_uid=state.trust_uid, closed_on=closed_on, reason=reason
    )
