"""Interventions: the ladder, the statuses each kind allows, the 15 working days, as the
shipped intervention policy (version 2) gives them."""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files

import pytest

from services.commissioning.domain import interventions as d
from services.commissioning.interventions.policy import FIXED_NOTICES, NOTICE_KINDS, NoticeRules
from services.commissioning.school_interventions.domain import StepNotAllowed
from services.commissioning.school_interventions.policy import InterventionPolicy
from services.commissioning.working_days import add_working_days, bank_holidays
from shared.contracts import all_contracts
from shared.contracts.interventions import InterventionIssued, InterventionStatusChanged
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract

ID = "1" * 32
TODAY = date(2026, 11, 20)
_SHIPPED = files("services.commissioning").joinpath("policies/intervention/v2.json")
_NOTICES = InterventionPolicy.model_validate(json.loads(_SHIPPED.read_text())["document"]).notices
assert _NOTICES is not None
RULES = _NOTICES


def cmd(**changes: object) -> d.IssueIntervention:
    fields: dict[str, object] = {
        "intervention_id": ID,
        "kind": "notice_to_improve",
        "trust_uid": 2044,
        "issued_on": date(2026, 11, 2),
        "grounds": "Financial concerns.",
        "conditions": ["Appoint a new accounting officer"],
        "decided_by": "Rhian Director",
        "decider_grade": "regional_director",
    }
    fields.update(changes)
    return d.IssueIntervention(**fields)  # type: ignore[arg-type]


def move(
    state: d.InterventionState,
    status: str,
    *,
    rules: NoticeRules = RULES,
    on: date = TODAY,
    grade: str = "regional_director",
    evidence_ids: tuple[str, ...] = (),
) -> list[EventContract]:
    change = d.ChangeStatus(
        status=status,  # type: ignore[arg-type]
        effective_on=on,
        decided_by="Rhian Director",
        decider_grade=grade,
        reason="Reviewed at the monitoring meeting.",
        evidence_ids=evidence_ids,
    )
    return d.change_status(state, change, rules=rules, today=TODAY)


def issue(
    c: d.IssueIntervention,
    *,
    school_trust: int | None = None,
    earlier: d.InterventionState | None = None,
) -> InterventionIssued:
    [event] = d.issue(
        c,
        rules=RULES,
        version=2,
        today=TODAY,
        trust_known=True,
        school_trust_uid=school_trust,
        escalated_from=earlier,
    )
    assert isinstance(event, InterventionIssued)
    return event


def state_of(event: InterventionIssued) -> d.InterventionState:
    s = d.fold([event])
    assert s is not None
    return s


def test_english_bank_holidays_follow_the_rules() -> None:
    assert bank_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    }
    # Christmas on a Saturday: Monday and Tuesday; New Year on a Saturday: Monday.
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= bank_holidays(2027)
    assert date(2028, 1, 3) in bank_holidays(2028)
    assert date(2022, 6, 3) in bank_holidays(2022) and date(2022, 5, 30) not in bank_holidays(2022)
    # Proclaimed one-offs: VE Day 75 moved the early May bank holiday; the coronation.
    assert date(2020, 5, 8) in bank_holidays(2020) and date(2020, 5, 4) not in bank_holidays(2020)
    assert date(2023, 5, 8) in bank_holidays(2023)


def test_bank_holidays_come_for_any_year_not_only_those_once_listed_by_hand() -> None:
    assert bank_holidays(2019) == {
        date(2019, 1, 1),
        date(2019, 4, 19),
        date(2019, 4, 22),
        date(2019, 5, 6),
        date(2019, 5, 27),
        date(2019, 8, 26),
        date(2019, 12, 25),
        date(2019, 12, 26),
    }
    # Easter in March, and New Year's Day on a Sunday (Monday 2 January off).
    assert {date(2035, 3, 23), date(2035, 3, 26)} <= bank_holidays(2035)
    assert date(2040, 1, 2) in bank_holidays(2040) and date(2040, 1, 1) not in bank_holidays(2040)
    # A notice issued before Easter 2035 is due back after the four-day weekend.
    assert add_working_days(date(2035, 3, 22), 1) == date(2035, 3, 27)


def test_a_termination_warning_notice_is_due_back_in_15_working_days() -> None:
    event = issue(cmd(kind="termination_warning_notice", conditions=[]))
    # Monday 2 November: three weeks of weekdays later, weekends skipped.
    assert event.response_due_on == date(2026, 11, 23)
    # Over Christmas: 25 and 28 December and 1 January 2027 are bank holidays.
    assert add_working_days(date(2026, 12, 14), 15) == date(2027, 1, 7)
    assert issue(cmd()).response_due_on is None


def test_a_warning_prepared_first_is_due_15_working_days_after_it_is_issued() -> None:
    prepared = issue(cmd(kind="termination_warning_notice", conditions=[], status="preparing"))
    assert prepared.response_due_on is None  # nothing has reached the trust yet
    [issued] = move(state_of(prepared), "issued", on=date(2026, 11, 9))
    assert isinstance(issued, InterventionStatusChanged)
    assert issued.response_due_on == date(2026, 11, 30)


def test_a_notice_to_improve_lists_its_conditions() -> None:
    with pytest.raises(UnprocessableContent, match="conditions"):
        issue(cmd(conditions=[]))


def test_a_notice_must_be_against_a_known_trust_and_one_of_its_academies() -> None:
    with pytest.raises(UnprocessableContent, match="not on the register"):
        d.issue(
            cmd(),
            rules=RULES,
            version=2,
            today=TODAY,
            trust_known=False,
            school_trust_uid=None,
            escalated_from=None,
        )
    with pytest.raises(UnprocessableContent, match="not an academy of trust 2044"):
        issue(cmd(urn=100001), school_trust=3000)
    with pytest.raises(UnprocessableContent, match="future"):
        issue(cmd(issued_on=date(2026, 12, 1)))
    assert issue(cmd(urn=100001), school_trust=2044).urn == 100001


def test_an_escalation_climbs_the_ladder_for_the_same_trust() -> None:
    earlier = state_of(issue(cmd()))
    escalated = issue(
        cmd(intervention_id="2" * 32, kind="termination_warning_notice", escalated_from=ID),
        earlier=earlier,
    )
    assert escalated.escalated_from == ID
    with pytest.raises(UnprocessableContent, match="not an escalation"):
        issue(
            cmd(intervention_id="2" * 32, kind="nti_warning_letter", escalated_from=ID),
            earlier=earlier,
        )
    with pytest.raises(UnprocessableContent, match="against trust 2044"):
        issue(
            cmd(
                intervention_id="2" * 32,
                trust_uid=3000,
                kind="termination_notice",
                escalated_from=ID,
            ),
            earlier=earlier,
        )
    with pytest.raises(UnprocessableContent, match="does not exist"):
        issue(cmd(intervention_id="2" * 32, kind="termination_notice", escalated_from="9" * 32))
    lifted = d.InterventionState(
        ID, 3, "notice_to_improve", 2044, None, "lifted", date(2026, 11, 2)
    )
    with pytest.raises(Conflict, match="nothing to escalate"):
        issue(
            cmd(intervention_id="2" * 32, kind="termination_notice", escalated_from=ID),
            earlier=lifted,
        )


def test_a_notice_to_improve_moves_through_its_monitoring_statuses() -> None:
    state = state_of(issue(cmd()))
    for status in ("progress_on_track", "submission_to_lift", "lifted", "closed"):
        [event] = move(state, status)
        assert (
            isinstance(event, InterventionStatusChanged) and event.previous_status == state.status
        )
        state = d.evolve(state, event)
    assert state.status == "closed" and not d.is_active(state.status)
    with pytest.raises(
        Conflict, match="v2 does not allow a notice_to_improve that is closed to become issued"
    ):
        move(state, "issued")


def test_other_kinds_are_only_issued_closed_or_cancelled() -> None:
    state = state_of(issue(cmd(kind="termination_warning_notice", conditions=[])))
    with pytest.raises(Conflict, match="to become lifted"):
        move(state, "lifted")
    [event] = move(state, "closed")
    assert d.evolve(state, event).status == "closed"


def test_a_status_date_is_between_the_issue_and_today() -> None:
    state = state_of(issue(cmd()))
    with pytest.raises(UnprocessableContent, match="before the intervention was issued"):
        move(state, "closed", on=date(2026, 10, 1))
    with pytest.raises(UnprocessableContent, match="future"):
        move(state, "closed", on=date(2026, 12, 1))


def test_only_preparing_or_issued_to_start_with() -> None:
    with pytest.raises(UnprocessableContent):
        issue(cmd(status="lifted"))
    preparing = state_of(issue(cmd(status="preparing")))
    # Not yet issued: it counts against the trust only once it reaches it.
    assert not d.is_active(preparing.status)
    assert d.is_active("issued") and not d.is_active("lifted")
    assert RULES.allowed_moves("notice_to_improve", "preparing") == ["issued", "cancelled"]


@pytest.mark.parametrize(
    ("kind", "urn", "status", "opens"),
    [
        ("termination_notice", 100001, "issued", True),
        # Prepared first: the case opens when it is issued, not before.
        ("termination_notice", 100001, "preparing", False),
        # Against the trust as a whole, no academy to rebroker.
        ("termination_notice", None, "issued", False),
        ("termination_warning_notice", 100001, "issued", False),
        ("termination_notice", 100001, "closed", False),
    ],
)
def test_a_termination_notice_against_an_academy_opens_its_rebrokerage_case_when_issued(
    kind: str, urn: int | None, status: str, opens: bool
) -> None:
    opened = d.rebrokerage_case(
        intervention_id=ID,
        kind=kind,  # type: ignore[arg-type]
        urn=urn,
        status=status,  # type: ignore[arg-type]
        on=TODAY,
        case_id="2" * 32,
    )
    if not opens:
        assert opened is None
        return
    assert opened is not None
    assert (opened.urns, opened.trigger, opened.opened_on) == ([100001], "rebrokerage", TODAY)
    assert opened.intervention_id == ID and opened.case_id == "2" * 32


def test_a_notice_to_improve_is_reviewed_at_its_versions_interval() -> None:
    issued = issue(cmd())
    assert (issued.policy_version, issued.review_due_on) == (2, date(2027, 2, 2))
    state = state_of(issued)
    # Each change while it is active is a review: the next counts from it.
    [on_track] = move(state, "progress_on_track")
    assert isinstance(on_track, InterventionStatusChanged)
    assert (on_track.policy_version, on_track.review_due_on) == (2, date(2027, 2, 20))
    [lifted] = move(d.evolve(state, on_track), "lifted")
    assert isinstance(lifted, InterventionStatusChanged) and lifted.review_due_on is None
    # Other kinds have no review.
    assert issue(cmd(kind="termination_warning_notice", conditions=[])).review_due_on is None


def test_a_move_the_version_does_not_allow_names_the_version_and_the_allowed_moves() -> None:
    state = state_of(issue(cmd(kind="termination_warning_notice", conditions=[])))
    with pytest.raises(StepNotAllowed) as refused:
        move(state, "lifted")
    assert refused.value.extra == {
        "policy": "intervention",
        "policy_version": 2,
        "status": "issued",
        "allowed_statuses": ["cancelled", "closed"],
        "allowed_steps": ["closed", "cancelled"],
    }
    assert "allowed: closed, cancelled" in str(refused.value)


def test_notices_recorded_before_versions_replay_and_follow_the_fixed_rules() -> None:
    stored = {
        "intervention_id": ID,
        "kind": "notice_to_improve",
        "trust_uid": 2044,
        "status": "issued",
        "issued_on": "2024-03-04",
        "grounds": "Financial concerns.",
        "conditions": ["A plan"],
    }
    registry = all_contracts()
    upcast = registry.upcast("commissioning.InterventionIssued", 1, stored)
    event = registry.validate("commissioning.InterventionIssued", upcast)
    assert isinstance(event, InterventionIssued) and event.policy_version is None
    state = state_of(event)
    assert state.policy_version is None
    with pytest.raises(StepNotAllowed, match="the notice rules fixed before"):
        move(state, "preparing", rules=FIXED_NOTICES)
    [moved] = move(state, "lifted", rules=FIXED_NOTICES)
    assert isinstance(moved, InterventionStatusChanged) and moved.policy_version is None
    changed = registry.upcast(
        "commissioning.InterventionStatusChanged",
        1,
        {
            "intervention_id": ID,
            "trust_uid": 2044,
            "previous_status": "issued",
            "status": "closed",
            "effective_on": "2024-05-01",
        },
    )
    assert changed["policy_version"] is None and changed["review_due_on"] is None


def test_version_2_ships_the_fixed_rules_as_data_plus_the_nti_review() -> None:
    def shape(rules: NoticeRules) -> list[tuple[object, ...]]:
        return [(r.kind, r.rung, r.response_working_days, r.moves, r.deciders) for r in rules.kinds]

    assert shape(RULES) == shape(FIXED_NOTICES)
    assert [
        (r.kind, r.review_interval_months) for r in RULES.kinds if r.review_interval_months
    ] == [("notice_to_improve", 3)]
    assert RULES.ladder() == list(NOTICE_KINDS)


def test_a_later_version_changes_the_ladder_and_periods_of_new_notices() -> None:
    shorter = RULES.model_copy(
        update={
            "kinds": [
                r.model_copy(update={"response_working_days": 10})
                if r.kind == "termination_warning_notice"
                else r
                for r in RULES.kinds
            ]
        }
    )
    [event] = d.issue(
        cmd(kind="termination_warning_notice", conditions=[]),
        rules=shorter,
        version=3,
        today=TODAY,
        trust_known=True,
        school_trust_uid=None,
        escalated_from=None,
    )
    assert isinstance(event, InterventionIssued)
    assert (event.policy_version, event.response_due_on) == (3, date(2026, 11, 16))


def test_a_notice_is_issued_by_a_grade_the_version_names_for_the_kind() -> None:
    decided = issue(
        cmd(decided_by="Dee Deputy", decider_grade="deputy_director", evidence_ids=["note-1"])
    )
    assert (decided.decided_by, decided.decider_grade) == ("Dee Deputy", "deputy_director")
    assert decided.evidence_ids == ["note-1"]
    with pytest.raises(StepNotAllowed, match="v2: a termination_warning_notice is decided by"):
        issue(
            cmd(
                kind="termination_warning_notice",
                conditions=[],
                decided_by="Dee Deputy",
                decider_grade="deputy_director",
            )
        )
    with pytest.raises(StepNotAllowed, match="decided by regional_director, not deputy") as e:
        issue(cmd(kind="termination_notice", conditions=[], decider_grade="deputy_director"))
    assert e.value.extra == {
        "policy": "intervention",
        "policy_version": 2,
        "allowed_deciders": ["regional_director"],
    }


def test_each_move_records_who_decided_it_their_grade_why_and_on_what_evidence() -> None:
    state = state_of(issue(cmd()))
    [moved] = move(state, "progress_on_track", grade="deputy_director", evidence_ids=("r-1",))
    assert isinstance(moved, InterventionStatusChanged)
    assert (moved.decided_by, moved.decider_grade, moved.reason, moved.evidence_ids) == (
        "Rhian Director",
        "deputy_director",
        "Reviewed at the monitoring meeting.",
        ["r-1"],
    )
    warning = state_of(issue(cmd(kind="termination_warning_notice", conditions=[])))
    # A warning notice is the regional director's, to issue and to move on.
    with pytest.raises(StepNotAllowed, match="a move of a termination_warning_notice") as e:
        move(warning, "closed", grade="deputy_director")
    assert e.value.extra["allowed_deciders"] == ["regional_director"]
    with pytest.raises(StepNotAllowed, match="not caseworker"):
        move(state, "lifted", grade="caseworker")


def test_version_2_events_read_with_no_decider_reason_or_evidence() -> None:
    registry = all_contracts()
    issued = registry.upcast(
        "commissioning.InterventionIssued",
        2,
        {
            "intervention_id": ID,
            "kind": "nti_warning_letter",
            "trust_uid": 2044,
            "status": "issued",
            "issued_on": "2026-03-04",
            "grounds": "Financial concerns.",
            "policy_version": 2,
            "decided_by": "Rhian Director",
            "decider_grade": "regional_director",
        },
    )
    event = registry.validate("commissioning.InterventionIssued", issued)
    assert isinstance(event, InterventionIssued)
    # A decider given under version 2 is kept; evidence was never asked for.
    assert (event.decided_by, event.evidence_ids) == ("Rhian Director", [])
    changed = registry.upcast(
        "commissioning.InterventionStatusChanged",
        2,
        {
            "intervention_id": ID,
            "trust_uid": 2044,
            "previous_status": "issued",
            "status": "closed",
            "effective_on": "2026-05-01",
            "policy_version": 2,
        },
    )
    moved = registry.validate("commissioning.InterventionStatusChanged", changed)
    assert isinstance(moved, InterventionStatusChanged)
    assert (moved.decided_by, moved.decider_grade, moved.reason, moved.evidence_ids) == (
        None,
        None,
        None,
        [],
    )
