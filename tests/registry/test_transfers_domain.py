"""What one school's approved transfer becomes on the day: the pure decision, no database."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.transfers.domain import (
    PendingTransfer,
    SchoolOnTheDay,
    TrustOnTheDay,
    applied_event_id,
    decide,
    rejected_event_id,
    scheduled_event_id,
)
from shared.contracts.registry import SchoolJoinedTrust, SchoolTransferred, TransferRejected

DECISION = "d" * 32
CASE = "c" * 32
ON = date(2027, 1, 1)
OPEN_TRUST = TrustOnTheDay("Northern Lights Trust", "Open", None)


def transfer(kind: str = "transfer") -> PendingTransfer:
    return PendingTransfer(DECISION, CASE, 123456, 2002, ON, kind)  # type: ignore[arg-type]


def school(trust_uid: int | None = 1001, status: str = "Open") -> SchoolOnTheDay:
    return SchoolOnTheDay(status, None, trust_uid)


def test_a_school_in_another_trust_is_transferred_on_the_significant_date() -> None:
    event = decide(transfer(), school(1001), OPEN_TRUST)
    assert event == SchoolTransferred(
        urn=123456,
        from_trust_uid=1001,
        to_trust_uid=2002,
        effective_on=ON,
        decision_reference=DECISION,
        reason="commissioning_decision",
    )


@pytest.mark.parametrize(
    ("kind", "reason"), [("conversion", "conversion"), ("transfer", "transfer")]
)
def test_a_school_in_no_trust_joins_the_chosen_trust(kind: str, reason: str) -> None:
    event = decide(transfer(kind), school(None), OPEN_TRUST)
    assert event == SchoolJoinedTrust(
        urn=123456,
        trust_uid=2002,
        joined_on=ON,
        reason=reason,
        decision_reference=DECISION,
    )


@pytest.mark.parametrize(
    ("the_school", "trust", "code"),
    [
        (None, OPEN_TRUST, "school_unknown"),
        (school(status="Closed"), OPEN_TRUST, "school_closed"),
        (
            SchoolOnTheDay("Open, but proposed to close", date(2026, 12, 31), 1001),
            OPEN_TRUST,
            "school_closed",
        ),
        (school(), None, "trust_unknown"),
        (school(), TrustOnTheDay("Gone Trust", "Closed", date(2026, 8, 31)), "trust_closed"),
        (school(), TrustOnTheDay("Closing Trust", "Open", date(2026, 8, 31)), "trust_closed"),
        (school(2002), OPEN_TRUST, "already_in_trust"),
        # The school is looked at before the trust.
        (None, None, "school_unknown"),
    ],
)
def test_a_transfer_that_cannot_happen_is_rejected_with_its_reason(
    the_school: SchoolOnTheDay | None, trust: TrustOnTheDay | None, code: str
) -> None:
    event = decide(transfer(), the_school, trust)
    assert isinstance(event, TransferRejected)
    assert (event.reason_code, event.urn, event.decision_id, event.case_id) == (
        code,
        123456,
        DECISION,
        CASE,
    )
    assert event.significant_date == ON and event.to_trust_uid == 2002
    assert event.reason


def test_a_school_closing_after_the_significant_date_still_moves() -> None:
    closing = SchoolOnTheDay("Open, but proposed to close", date(2027, 8, 31), 1001)
    assert isinstance(decide(transfer(), closing, OPEN_TRUST), SchoolTransferred)


def test_event_ids_are_derived_so_a_second_attempt_writes_the_same_id() -> None:
    assert applied_event_id(DECISION, 1) == applied_event_id(DECISION, 1)
    ids = {
        applied_event_id(DECISION, 1),
        applied_event_id(DECISION, 2),
        rejected_event_id(DECISION, 1),
        applied_event_id("e" * 32, 1),
    }
    assert len(ids) == 4
    cause = applied_event_id(DECISION, 9)
    assert scheduled_event_id(cause) == scheduled_event_id(cause) != cause
