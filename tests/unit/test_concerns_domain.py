"""A concern about a trust, without a database: given events, when a command, then events."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.commissioning.concerns import domain
from shared.contracts.concerns import (
    ConcernActionStatusChanged,
    ConcernClosed,
    ConcernDeEscalated,
)
from shared.errors import Conflict, NotFound, UnprocessableContent

TODAY = date(2026, 11, 20)
OPENED = date(2026, 10, 1)


def opened(rag: str = "red") -> domain.ConcernState:
    events = domain.open_concern(
        domain.OpenConcern(
            concern_id="c" * 32,
            trust_uid=5001,
            concern_type="governance",
            referral="external",
            referred_by="Whistleblower",
            rag=rag,  # type: ignore[arg-type]
            review_on=date(2026, 12, 1),
            opened_on=OPENED,
            summary="Trustees have not met this year.",
        ),
        today=TODAY,
    )
    state = domain.fold(events)
    assert state is not None
    return state


def test_opening_refuses_a_future_day_and_a_review_before_it() -> None:
    cmd = domain.OpenConcern(
        concern_id="c" * 32,
        trust_uid=5001,
        concern_type="viability",
        referral="internal",
        referred_by=None,
        rag="red",
        review_on=date(2026, 12, 1),
        opened_on=date(2026, 11, 21),
        summary="x",
    )
    with pytest.raises(UnprocessableContent, match="in the future"):
        domain.open_concern(cmd, today=TODAY)
    early = replace(cmd, opened_on=TODAY, review_on=OPENED)
    with pytest.raises(UnprocessableContent) as refused:
        domain.open_concern(early, today=TODAY)
    assert refused.value.extra["errors"][0]["loc"] == ["body", "review_on"]


def test_a_de_escalation_lowers_the_rating_and_keeps_the_concern_open() -> None:
    state = opened("red")
    for higher in ("red", "red_plus"):
        with pytest.raises(UnprocessableContent, match="below"):
            domain.de_escalate(
                state, rag=higher, de_escalated_on=TODAY, review_on=TODAY, reason="x", today=TODAY
            )
    event = domain.de_escalate(
        state, rag="red_amber", de_escalated_on=TODAY, review_on=TODAY, reason="x", today=TODAY
    )
    assert isinstance(event, ConcernDeEscalated) and event.previous_rag == "red"
    after = domain.evolve(state, event)
    assert (after.status, after.rag, after.version) == ("de_escalated", "red_amber", 2)


def test_a_finished_action_and_a_closed_concern_change_no_more() -> None:
    state = opened()
    added = domain.add_action(
        state,
        action_id="a" * 32,
        action_type="financial_plan",
        status="open",
        added_on=TODAY,
        note="x",
        today=TODAY,
    )
    state = domain.evolve(state, added)
    with pytest.raises(NotFound):
        domain.change_action(
            state, action_id="b" * 32, status="completed", changed_on=TODAY, reason="x", today=TODAY
        )
    done = domain.change_action(
        state, action_id="a" * 32, status="cancelled", changed_on=TODAY, reason="x", today=TODAY
    )
    assert isinstance(done, ConcernActionStatusChanged) and done.previous_status == "open"
    state = domain.evolve(state, done)
    with pytest.raises(Conflict):
        domain.change_action(
            state, action_id="a" * 32, status="open", changed_on=TODAY, reason="x", today=TODAY
        )
    closed = domain.close(state, closed_on=TODAY, reason="Resolved", today=TODAY)
    assert isinstance(closed, ConcernClosed)
    state = domain.evolve(state, closed)
    assert (state.status, state.review_on) == ("closed", None)
    with pytest.raises(domain.ConcernClosedAlready):
        domain.rate(state, rag="red", rated_on=TODAY, review_on=TODAY, reason="x", today=TODAY)
    with pytest.raises(UnprocessableContent, match="before the concern opened"):
        domain.close(opened(), closed_on=date(2026, 9, 1), reason="x", today=TODAY)
