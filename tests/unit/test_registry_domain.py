"""The registry's pure domain: given the log's state and a snapshot row, which facts follow."""

from __future__ import annotations

from datetime import date

import pytest

from services.registry.domain import (
    SNAPSHOT_NEUTRAL_EVENTS,
    Membership,
    SchoolState,
    fold_school,
    fold_trust,
    school_snapshot_events,
    trust_snapshot_events,
)
from shared.contracts.registry import (
    OfstedInspectionRecorded,
    SchoolDetails,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolRegistered,
    SchoolTransferred,
    TrustClosed,
    TrustDetails,
    TrustIncorporated,
)
from shared.contracts.trust_inspections import TrustInspectionOutcome, TrustInspectionRecorded

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


# What the GIAS importer's fingerprints rely on: a row, once its events are applied, decides
# nothing more; and the events it takes as neutral change nothing a row is compared with.

_ROWS = [
    DETAILS,
    DETAILS.model_copy(update={"pupils": 433, "fsm_percent": 12.0}),
    DETAILS.model_copy(update={"status": "Closed", "close_date": date(2026, 8, 31)}),
]
_MEMBERSHIPS = [None, Membership(5001, date(2019, 4, 1)), Membership(5002, None)]
_PREDECESSORS: list[list[tuple[int, str, date | None]]] = [
    [],
    [(100003, "Predecessor", date(2015, 9, 1)), (100004, "Predecessor - amalgamated", None)],
]


@pytest.mark.parametrize("before", [None, 5001, 5002, "closed"])
@pytest.mark.parametrize("details", _ROWS)
@pytest.mark.parametrize("membership", _MEMBERSHIPS)
@pytest.mark.parametrize("predecessors", _PREDECESSORS)
def test_a_row_once_applied_decides_nothing_more(
    before: int | str | None,
    details: SchoolDetails,
    membership: Membership | None,
    predecessors: list[tuple[int, str, date | None]],
) -> None:
    if before is None:
        state = None
    elif before == "closed":
        state = fold_school(
            school_snapshot_events(None, 100001, _ROWS[2], None, [], SNAPSHOT), None
        )
    else:
        state = known(int(before))
    first = school_snapshot_events(
        state, 100001, details, membership, predecessors, SNAPSHOT, frozenset({5002})
    )
    after = fold_school(first, state)
    again = school_snapshot_events(
        after, 100001, details, membership, predecessors, SNAPSHOT, frozenset({5002})
    )
    assert again == []


@pytest.mark.parametrize("status", ["Open", "Closed"])
def test_a_trust_row_once_applied_decides_nothing_more(status: str) -> None:
    old = TrustDetails(name="Dales Academy Trust", trust_type="multi_academy_trust", status="Open")
    new = old.model_copy(update={"status": status, "name": "Dales Trust"})
    for state in (None, fold_trust(trust_snapshot_events(None, 5002, old, SNAPSHOT))):
        after = fold_trust(trust_snapshot_events(state, 5002, new, SNAPSHOT), state)
        assert trust_snapshot_events(after, 5002, new, SNAPSHOT) == []


def test_neutral_events_change_nothing_a_row_is_compared_with() -> None:
    assert OfstedInspectionRecorded.type_name in SNAPSHOT_NEUTRAL_EVENTS
    state = known(5001)
    inspected = OfstedInspectionRecorded.model_validate(
        {
            "urn": 100001,
            "framework": "single_grade",
            "inspection_start": "2026-10-01",
            "publication_date": "2026-10-20",
            "overall_effectiveness": "good",
        }
    )
    after = fold_school([inspected], state)
    assert after is not None
    compared = ("details", "trust_uid", "joined_on", "predecessors", "closed")
    assert [getattr(after, f) for f in compared] == [getattr(state, f) for f in compared]


def test_a_trust_inspection_is_remembered_and_changes_nothing_a_row_is_compared_with() -> None:
    assert TrustInspectionRecorded.type_name in SNAPSHOT_NEUTRAL_EVENTS
    details = TrustDetails(
        name="Dales Academy Trust", trust_type="multi_academy_trust", status="Open"
    )
    state = fold_trust(trust_snapshot_events(None, 5002, details, SNAPSHOT))
    inspected = TrustInspectionRecorded(
        uid=5002,
        inspection_id="TI-1",
        inspection_start=date(2027, 3, 2),
        outcomes=[
            TrustInspectionOutcome(
                area="leadership_and_governance",
                heading="Leadership and governance",
                outcome="Needs attention",
            )
        ],
        source_file="trust_inspections.csv",
        format_version=1,
    )
    after = fold_trust([inspected], state)
    assert after is not None and state is not None
    assert (after.inspections, after.version) == (frozenset({"TI-1"}), state.version + 1)
    assert trust_snapshot_events(after, 5002, details, SNAPSHOT) == []
