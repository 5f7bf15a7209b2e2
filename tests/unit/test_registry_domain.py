"""The registry's pure domain: given the log's state and a snapshot row, which facts follow."""

from __future__ import annotations

from datetime import date

from services.registry.domain import (
    Membership,
    SchoolState,
    fold_school,
    school_snapshot_events,
    trust_snapshot_events,
)
from shared.contracts.registry import (
    SchoolDetails,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolRegistered,
    SchoolTransferred,
    TrustClosed,
    TrustDetails,
    TrustIncorporated,
)

SNAPSHOT = date(2026, 11, 1)
DETAILS = SchoolDetails(
    name="Brontë Primary", la_code="383", la_name="Leeds", status="Open", type_code="34"
)


def known(trust_uid: int | None = None) -> SchoolState:
    events = school_snapshot_events(
        None,
        100001,
        DETAILS,
        Membership(trust_uid, date(2019, 4, 1)) if trust_uid else None,
        [],
        SNAPSHOT,
    )
    state = fold_school(events)
    assert state is not None and state.version == len(events)
    return state


def test_a_new_school_in_a_trust_registers_then_joins_by_conversion() -> None:
    events = school_snapshot_events(
        None, 100001, DETAILS, Membership(5001, date(2019, 4, 1)), [], SNAPSHOT
    )
    assert [type(e) for e in events] == [SchoolRegistered, SchoolJoinedTrust]
    joined = events[1]
    assert isinstance(joined, SchoolJoinedTrust)
    assert (joined.reason, joined.joined_on) == ("conversion", date(2019, 4, 1))


def test_nothing_changed_means_no_events() -> None:
    assert (
        school_snapshot_events(
            known(5001), 100001, DETAILS, Membership(5001, date(2019, 4, 1)), [], SNAPSHOT
        )
        == []
    )


def test_a_new_trust_is_a_transfer_dated_by_its_joined_date() -> None:
    (event,) = school_snapshot_events(
        known(5001), 100001, DETAILS, Membership(5002, date(2026, 10, 1)), [], SNAPSHOT
    )
    assert isinstance(event, SchoolTransferred)
    assert (event.from_trust_uid, event.to_trust_uid, event.effective_on) == (
        5001,
        5002,
        date(2026, 10, 1),
    )


def test_a_vanished_link_is_leaving_dated_by_the_snapshot_and_explained() -> None:
    (event,) = school_snapshot_events(known(5001), 100001, DETAILS, None, [], SNAPSHOT)
    assert isinstance(event, SchoolLeftTrust)
    assert (event.left_on, event.reason) == (SNAPSHOT, "reported_by_gias")
    (closure,) = school_snapshot_events(
        known(5001), 100001, DETAILS, None, [], SNAPSHOT, frozenset({5001})
    )
    assert isinstance(closure, SchoolLeftTrust) and closure.reason == "trust_closure"


def test_a_trust_seen_closed_first_time_is_incorporated_then_closed() -> None:
    details = TrustDetails(
        name="Gone Trust",
        trust_type="multi_academy_trust",
        status="Closed",
        closed_on=date(2020, 1, 1),
    )
    events = trust_snapshot_events(None, 5009, details, SNAPSHOT)
    assert [type(e) for e in events] == [TrustIncorporated, TrustClosed]
