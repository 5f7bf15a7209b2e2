"""The feeds' pure rules: schedules, the drift guard, a feed's state and what may be released."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry.feeds.domain import (
    CannotApply,
    DriftLimits,
    FeedState,
    NothingHeld,
    NotTheHeldSnapshot,
    Schedule,
    decide_discard,
    decide_release,
    drift_reasons,
    fold_feed,
    probe_dates,
    summarise_gias,
)
from shared.contracts.feeds import (
    FeedChecked,
    FeedSnapshotAccepted,
    FeedSnapshotApplied,
    FeedSnapshotFailed,
    FeedSnapshotHeld,
    FeedSnapshotReleased,
    FetchedFile,
    SnapshotSummary,
)
from shared.contracts.registry import (
    SchoolClosed,
    SchoolDetails,
    SchoolLeftTrust,
    SchoolRegistered,
    SchoolTransferred,
)
from shared.eventlog.contracts import EventContract

AT = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
RUN_A, RUN_B = "a" * 32, "b" * 32


def _file(role: str, digest: str = "0") -> FetchedFile:
    return FetchedFile(
        role=role, name=f"{role}.csv", url=f"http://x/{role}.csv", size=1, sha256=digest * 64
    )


def _held(run_id: str, day: date, roles: tuple[str, ...]) -> FeedSnapshotHeld:
    return FeedSnapshotHeld(
        feed="gias",
        run_id=run_id,
        snapshot_date=day,
        files=[_file(r) for r in roles],
        missing=[],
        reasons=["too much"],
    )


def _fold(*events: EventContract) -> FeedState:
    return fold_feed("gias", ((e, AT + timedelta(minutes=i)) for i, e in enumerate(events)))


# ------------------------------------------------------------------------ schedule


def test_a_daily_schedule_runs_at_the_time_in_england_across_the_clock_change() -> None:
    daily = Schedule.parse("daily 06:30")
    # Summer time: 06:30 in England is 05:30 UTC.
    summer = datetime(2026, 7, 1, 5, 30, tzinfo=UTC)
    assert daily.next_run(summer, summer) == datetime(2026, 7, 2, 5, 30, tzinfo=UTC)
    # The clocks go back on 25 October 2026: the next 06:30 is 06:30 UTC.
    before = datetime(2026, 10, 24, 5, 30, tzinfo=UTC)
    assert daily.next_run(before, before) == datetime(2026, 10, 25, 6, 30, tzinfo=UTC)


def test_a_feed_never_pulled_is_due_now_and_missed_slots_give_one_pull() -> None:
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    daily = Schedule.parse("daily 06:00")
    assert daily.next_run(None, now) == now
    # Down for a week: due at the first slot after the last attempt, which has passed.
    assert daily.next_run(now - timedelta(days=7), now) < now
    assert Schedule.parse("every 6h").next_run(now, now) == now + timedelta(hours=6)
    assert Schedule.parse("every 30m").next_run(now, now) == now + timedelta(minutes=30)


@pytest.mark.parametrize("text", ["hourly", "daily 25:00", "daily 6", "every 0h", "every 5s"])
def test_a_schedule_that_cannot_be_read_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="schedule"):
        Schedule.parse(text)


# ---------------------------------------------------------------------- drift guard


def _summary(**counts: int) -> SnapshotSummary:
    return SnapshotSummary(
        counts=counts, samples={}, open_schools_before=1000, open_trusts_before=100
    )


def test_the_drift_guard_holds_a_share_of_closures_or_removals_above_its_limit() -> None:
    limits = DriftLimits(max_closed_share=0.02, max_moved_schools=100)
    assert drift_reasons(_summary(schools_closed=10, schools_removed=10), limits) == []
    [reason] = drift_reasons(_summary(schools_closed=11, schools_removed=10), limits)
    assert reason.startswith("would close or remove 21 of 1000 open schools (2.1%)")
    [reason] = drift_reasons(_summary(trusts_removed=3), limits)
    assert "3 of 100 open trusts" in reason


def test_the_drift_guard_holds_more_moves_than_allowed() -> None:
    limits = DriftLimits(max_closed_share=1.0, max_moved_schools=100)
    assert drift_reasons(_summary(schools_transferred=60, schools_left_trust=40), limits) == []
    [reason] = drift_reasons(_summary(schools_transferred=60, schools_left_trust=41), limits)
    assert "would move 101 schools out of their trust (60 to another trust, 41 to none)" in reason
    # Joining a trust from none is growth, not a move.
    assert drift_reasons(_summary(schools_joined_trust=5000), limits) == []


def test_a_summary_counts_each_kind_of_change_with_examples() -> None:
    day = date(2026, 11, 2)
    changes: list[tuple[str, list[EventContract], int]] = [
        ("school-100001", [SchoolClosed(urn=100001, closed_on=day)], 3),
        # Registered closed: new to the register, so not a closure of an open school.
        ("school-100002", [_registered(100002), SchoolClosed(urn=100002, closed_on=day)], 0),
        (
            "school-100003",
            [
                SchoolTransferred(
                    urn=100003,
                    from_trust_uid=1,
                    to_trust_uid=2,
                    effective_on=day,
                    reason="reported_by_gias",
                )
            ],
            2,
        ),
        (
            "school-100004",
            [SchoolLeftTrust(urn=100004, trust_uid=1, left_on=day, reason="reported_by_gias")],
            2,
        ),
    ]
    summary = summarise_gias(
        changes,
        open_schools=[100001, 100003, 100004, 100005],
        open_trusts=[1, 2, 3],
        present_urns=[100001, 100002, 100003, 100004],
        present_uids=[1, 2],
    )
    assert summary.counts == {
        "schools_closed": 1,
        "schools_left_trust": 1,
        "schools_registered": 1,
        "schools_removed": 1,
        "schools_transferred": 1,
        "trusts_removed": 1,
    }
    assert summary.samples["schools_removed"] == [100005]
    assert summary.samples["trusts_removed"] == [3]
    assert (summary.open_schools_before, summary.open_trusts_before) == (4, 3)


def _registered(urn: int) -> SchoolRegistered:
    details = SchoolDetails(name="Closed Primary", la_code="383", la_name="Leeds", status="Closed")
    return SchoolRegistered(urn=urn, details=details, effective_on=date(2026, 11, 2))


# ---------------------------------------------------------------------- feed state


def test_a_feed_pulls_back_to_the_set_it_last_saw() -> None:
    today = date(2026, 11, 10)
    assert probe_dates(FeedState("gias"), today, 2) == [today, date(2026, 11, 9), date(2026, 11, 8)]
    seen = _fold(_held(RUN_A, date(2026, 11, 9), ("establishments",)))
    assert probe_dates(seen, today, 7) == [today, date(2026, 11, 9)]


def test_a_release_applies_the_held_snapshot_and_a_newer_one_supersedes_it() -> None:
    day = date(2026, 11, 2)
    held = _held(RUN_A, day, ("establishments", "groups", "links"))
    state = _fold(held)
    assert state.held is not None and state.last_attempt_at == AT
    with pytest.raises(NotTheHeldSnapshot):
        decide_release(state, RUN_B, "no", ["establishments"])
    released = decide_release(state, RUN_A, "checked", ["establishments", "links"])
    state = _fold(held, released)
    assert state.held is None and state.pending is not None and state.pending.run_id == RUN_A
    state = _fold(
        held,
        released,
        FeedSnapshotApplied(
            feed="gias",
            run_id=RUN_A,
            snapshot_date=day,
            import_ids=[RUN_A],
            events_written=3,
            rows_rejected=0,
        ),
    )
    assert state.pending is None and state.applied is not None and state.applied.run_id == RUN_A
    # A newer snapshot that passes the guard supersedes one still held.
    accepted = FeedSnapshotAccepted(
        feed="gias", run_id=RUN_B, snapshot_date=day + timedelta(days=1), files=[]
    )
    state = _fold(held, accepted)
    assert state.held is None and state.pending is not None and state.pending.run_id == RUN_B


def test_a_held_snapshot_lacking_a_required_file_cannot_be_released_but_can_be_discarded() -> None:
    state = _fold(_held(RUN_A, date(2026, 11, 2), ("establishments", "groups")))
    with pytest.raises(CannotApply, match="links"):
        decide_release(state, RUN_A, "go", ["establishments", "groups", "links"])
    discarded = decide_discard(state, RUN_A, "incomplete")
    assert _fold(_held(RUN_A, date(2026, 11, 2), ("establishments",)), discarded).held is None
    with pytest.raises(NothingHeld):
        decide_discard(FeedState("gias"), RUN_A, "nothing")


def test_a_failed_apply_forgets_the_set_so_the_next_pull_fetches_it_again() -> None:
    day = date(2026, 11, 2)
    accepted = FeedSnapshotAccepted(
        feed="gias", run_id=RUN_A, snapshot_date=day, files=[_file("establishments")]
    )
    state = _fold(accepted, FeedSnapshotFailed(feed="gias", run_id=RUN_A, reason="boom"))
    assert state.pending is None and state.seen is None
    checked = FeedChecked(
        feed="gias", run_id=RUN_B, outcome="unchanged", snapshot_date=day, detail=""
    )
    assert _fold(checked).last_attempt_at == AT


def test_a_release_event_for_a_snapshot_not_held_changes_nothing() -> None:
    state = _fold(FeedSnapshotReleased(feed="gias", run_id=RUN_A, reason="late"))
    assert state.pending is None and state.version == 1
