"""The case and decision rules: given its events, when a command, then events or a refusal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from services.commissioning.criteria import PILLAR_KEYS, default_criteria
from services.commissioning.decisions.policy import DecisionMakers, DecisionReasons
from services.commissioning.domain import cases as d
from services.commissioning.domain import decisions as dd
from shared.contracts.commissioning import (
    AdvisoryBoardScheduled,
    CaseClosed,
    CaseCompleted,
    CaseCriteriaSet,
    CaseOpened,
    CaseShortlisted,
    DecisionRecorded,
    FactorWeights,
    PillarWeight,
    SignificantDateChanged,
    TransferApproved,
)
from shared.contracts.values import EqualityRecord
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract

CASE = "a" * 32
DECISION = "d" * 32
OPENED = date(2026, 10, 5)
TODAY = date(2026, 11, 20)


def place(
    urn: int, *, trust: int | None = None, closed: bool = False, region: str = "D"
) -> d.SchoolPlace:
    return d.SchoolPlace(
        urn=urn, closed=closed, trust_uid=trust, la_code="383", region_code=region, area="Leeds"
    )


def opened(urns: Sequence[int] = (100001,), trigger: str = "inadequate_dao") -> CaseOpened:
    return CaseOpened(
        case_id=CASE,
        urns=list(urns),
        trigger=trigger,
        title="t",
        opened_on=OPENED,
    )


def shortlisted(*uids: int) -> CaseShortlisted:
    return CaseShortlisted(case_id=CASE, trust_uids=list(uids or (2044,)))


def board(on: date = date(2026, 11, 10)) -> AdvisoryBoardScheduled:
    return AdvisoryBoardScheduled(case_id=CASE, board_date=on)


def given(*events: EventContract) -> d.CaseState:
    state = d.fold(events)
    assert state is not None
    return state


def decision(**changes: object) -> dd.RecordDecision:
    fields: dict[str, object] = {
        "decision_id": DECISION,
        "outcome": "approved",
        "decided_on": TODAY,
        "decision_maker_name": "Jane Smith",
        "decision_maker_capacity": "regional_director_for_region",
        "rationale": "Best fit.",
        "trust_uid": 2044,
        "significant_date": date(2027, 1, 1),
        "reason_codes": ("track_record",),
        "equality": EQUALITY,
    }
    fields.update(changes)
    return dd.RecordDecision(**fields)  # type: ignore[arg-type]


EQUALITY = EqualityRecord(likely_impact="None adverse.", mitigation="None needed.")
_POLICIES = Path(__file__).parents[2] / "services/commissioning/policies"
POLICIES = dd.DecisionPolicies(
    reasons=DecisionReasons.model_validate(
        json.loads((_POLICIES / "decision_reasons/v1.json").read_text())["document"]
    ),
    reasons_version=1,
    makers=DecisionMakers.model_validate(
        json.loads((_POLICIES / "decision_makers/v1.json").read_text())["document"]
    ),
    makers_version=1,
)


def decide(
    state: d.CaseState, cmd: dd.RecordDecision, *, in_trust: bool = False, open_: bool = True
) -> list[EventContract]:
    return dd.record_decision(
        state, cmd, today=TODAY, schools_in_a_trust=in_trust, trust_open=open_, policies=POLICIES
    )


# ------------------------------------------------------------------ opening


def test_a_case_opens_with_its_region_area_and_las_from_the_schools() -> None:
    cmd = d.OpenCase(
        case_id=CASE,
        urns=[100001, 100002, 100003],
        trigger="la_request",
        title="t",
        opened_on=OPENED,
    )
    schools = {
        100001: place(100001, region="E"),
        100002: place(100002, region="D"),
        100003: d.SchoolPlace(100003, False, None, "384", "D", None),
    }
    [event] = d.open_case(cmd, schools)
    assert isinstance(event, CaseOpened)
    assert event.region_code == "D" and event.area == "Leeds" and event.la_codes == ["383", "384"]


@pytest.mark.parametrize(
    ("schools", "message"),
    [({}, "not on the register"), ({100001: place(100001, closed=True)}, "closed")],
)
def test_a_case_needs_known_open_schools(schools: dict[int, d.SchoolPlace], message: str) -> None:
    cmd = d.OpenCase(
        case_id=CASE, urns=[100001], trigger="inadequate_dao", title="t", opened_on=OPENED
    )
    with pytest.raises(UnprocessableContent, match=message):
        d.open_case(cmd, schools)


def test_a_school_cannot_be_listed_twice() -> None:
    cmd = d.OpenCase(
        case_id=CASE, urns=[100001, 100001], trigger="inadequate_dao", title="t", opened_on=OPENED
    )
    with pytest.raises(UnprocessableContent, match="twice"):
        d.open_case(cmd, {100001: place(100001)})


# ------------------------------------------------------------------ criteria


def test_defaults_come_from_the_trigger_and_an_inadequate_school_weighs_education_most() -> None:
    state = given(opened())
    assert not state.criteria_set
    weights = {p.pillar: p.weight for p in state.pillars}
    assert set(weights) == set(PILLAR_KEYS)
    top = max(weights.values())
    assert weights["education"] == top and weights["school_improvement"] == top
    assert all(w < top for k, w in weights.items() if k not in ("education", "school_improvement"))
    for trigger in (
        "rebrokerage",
        "trust_closure",
        "voluntary_conversion",
        "trust_growth",
        "la_request",
        "free_school",
    ):
        pillars, _ = default_criteria(trigger)
        assert {p.pillar for p in pillars} <= set(PILLAR_KEYS)


def test_criteria_name_only_the_pillars_that_matter() -> None:
    state = given(opened())
    pillars = [PillarWeight(pillar="education", weight=2, themes=["curriculum"])]
    [event] = d.set_criteria(state, pillars, FactorWeights(distance=0))
    assert isinstance(event, CaseCriteriaSet)
    after = d.evolve(state, event)
    assert after.criteria_set and after.pillars == tuple(pillars) and after.factors.distance == 0


def test_unknown_or_repeated_pillars_are_refused() -> None:
    state = given(opened())
    with pytest.raises(UnprocessableContent, match="Unknown pillars: ofsted"):
        d.set_criteria(state, [PillarWeight(pillar="ofsted", weight=1)], FactorWeights())
    twice = [PillarWeight(pillar="workforce", weight=1), PillarWeight(pillar="workforce", weight=2)]
    with pytest.raises(UnprocessableContent, match="once"):
        d.set_criteria(state, twice, FactorWeights())


def test_criteria_are_fixed_once_the_board_is_scheduled() -> None:
    state = given(opened(), shortlisted(), board())
    with pytest.raises(Conflict):
        d.set_criteria(state, [PillarWeight(pillar="workforce", weight=1)], FactorWeights())


# ------------------------------------------------------------------ shortlist and board


def test_a_shortlist_takes_only_ranked_candidates() -> None:
    state = given(opened())
    [event] = d.shortlist(state, [2044, 2045], ranked=[2045, 2044, 3000], snapshot=[{"rank": 1}])
    assert d.evolve(state, event).status == "shortlisting"
    with pytest.raises(UnprocessableContent, match="not ranked candidates") as refused:
        d.shortlist(state, [2044, 9999], ranked=[2044], snapshot=[])
    assert refused.value.extra["not_candidates"] == [9999]


def test_the_board_needs_a_shortlist_and_a_date_after_opening() -> None:
    with pytest.raises(Conflict):
        d.schedule_board(given(opened()), date(2026, 11, 1))
    with pytest.raises(UnprocessableContent, match="before the case opened"):
        d.schedule_board(given(opened(), shortlisted()), date(2026, 1, 1))
    [event] = d.schedule_board(given(opened(), shortlisted()), date(2026, 11, 10))
    assert isinstance(event, AdvisoryBoardScheduled)


# ------------------------------------------------------------------ decisions


def test_an_approval_records_the_decision_and_instructs_the_registry_in_one_go() -> None:
    state = given(opened(), shortlisted(2044), board())
    decided, transfer = decide(state, decision())
    assert isinstance(decided, DecisionRecorded) and isinstance(transfer, TransferApproved)
    assert (
        transfer.kind == "conversion"
        and transfer.urns == [100001]
        and transfer.to_trust_uid == 2044
    )
    assert transfer.decision_id == decided.decision_id == DECISION
    assert d.fold([opened(), shortlisted(2044), board(), decided, transfer]).status == "decided"  # type: ignore[union-attr]


def test_schools_already_in_a_trust_make_it_a_transfer() -> None:
    state = given(opened(), shortlisted(2044), board())
    _, transfer = decide(state, decision(), in_trust=True)
    assert isinstance(transfer, TransferApproved) and transfer.kind == "transfer"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"significant_date": date(2027, 1, 15)}, "1st of a month"),
        ({"significant_date": date(2026, 11, 1)}, "before the decision"),
        ({"significant_date": None}, "significant date"),
        ({"trust_uid": None}, "names the trust"),
        ({"trust_uid": 7777}, "not on the case's shortlist"),
        ({"decided_on": date(2026, 12, 1)}, "in the future"),
        ({"decided_on": date(2026, 1, 1)}, "before the case opened"),
        ({"outcome": "approved_with_conditions"}, "lists them"),
        ({"conditions": ["x"]}, "approved_with_conditions"),
    ],
)
def test_an_approval_must_be_complete_and_consistent(
    changes: dict[str, object], message: str
) -> None:
    state = given(opened(), shortlisted(2044), board())
    with pytest.raises(UnprocessableContent, match=message):
        decide(state, decision(**changes))


def test_a_closed_trust_cannot_be_chosen() -> None:
    state = given(opened(), shortlisted(2044), board())
    with pytest.raises(UnprocessableContent, match="closed"):
        decide(state, decision(), open_=False)


def test_only_a_case_at_the_board_can_be_decided() -> None:
    with pytest.raises(Conflict, match="shortlisting cannot be decided"):
        decide(given(opened(), shortlisted()), decision())
    state = given(opened(), shortlisted(2044), board())
    decided = decide(state, decision())
    with pytest.raises(Conflict, match="decided cannot be decided"):
        decide(given(opened(), shortlisted(2044), board(), *decided), decision())


@pytest.mark.parametrize(
    ("outcome", "category", "status"),
    [
        ("declined", "choice_of_trust", "declined"),
        ("deferred", "awaiting_next_ofsted_report", "deferred"),
        ("withdrawn", "other", "withdrawn"),
        ("dao_revoked", "school_improved", "dao_revoked"),
    ],
)
def test_other_outcomes_end_or_pause_the_case(outcome: str, category: str, status: str) -> None:
    state = given(opened(), shortlisted(2044), board())
    minister = (
        {"decision_maker_capacity": "minister", "decision_maker_grade": "minister"}
        if outcome == "dao_revoked"
        else {}
    )
    events = decide(
        state,
        decision(outcome=outcome, significant_date=None, reason_codes=(category,), **minister),
    )
    assert [type(e) for e in events] == [DecisionRecorded]
    assert d.evolve(state, events[0]).status == status


def test_declined_deferred_and_withdrawn_give_a_reason_from_their_own_list() -> None:
    state = given(opened(), shortlisted(2044), board())
    with pytest.raises(UnprocessableContent, match="not a reason for a declined") as refused:
        decide(state, decision(outcome="declined", significant_date=None))
    assert refused.value.extra["errors"][0]["loc"] == ["body", "reason_codes", 0]
    with pytest.raises(UnprocessableContent, match="at least one coded reason"):
        decide(state, decision(outcome="declined", significant_date=None, reason_codes=()))
    with pytest.raises(UnprocessableContent, match="Only an approval"):
        decide(state, decision(outcome="deferred", reason_codes=("other",)))


def test_a_deferred_case_returns_to_the_board() -> None:
    state = given(opened(), shortlisted(2044), board())
    [deferred] = decide(
        state, decision(outcome="deferred", significant_date=None, reason_codes=("other",))
    )
    again = given(opened(), shortlisted(2044), board(), deferred)
    [rescheduled] = d.schedule_board(again, date(2026, 12, 10))
    assert d.evolve(again, rescheduled).status == "advisory_board_scheduled"


def test_a_withdrawn_case_cannot_go_back_to_the_board() -> None:
    state = given(opened(), shortlisted(2044), board())
    [withdrawn] = decide(
        state, decision(outcome="withdrawn", significant_date=None, reason_codes=("other",))
    )
    with pytest.raises(Conflict):
        d.schedule_board(given(opened(), shortlisted(2044), board(), withdrawn), date(2026, 12, 10))


# ------------------------------------------------------------------ significant date


def approved_case() -> d.CaseState:
    """An approval from before transfer projects: its date is changed on the case."""
    state = given(opened(), shortlisted(2044), board())
    legacy = [
        e.model_copy(update={"needs_authority_to_proceed": False})
        if isinstance(e, TransferApproved)
        else e
        for e in decide(state, decision())
    ]
    return given(opened(), shortlisted(2044), board(), *legacy)


def test_an_approval_carried_out_by_a_project_changes_its_date_there() -> None:
    state = given(opened(), shortlisted(2044), board())
    project_case = given(opened(), shortlisted(2044), board(), *decide(state, decision()))
    with pytest.raises(Conflict, match="transfer project") as refused:
        dd.change_significant_date(project_case, date(2027, 3, 1), reason="TUPE", today=TODAY)
    assert refused.value.extra["project_id"] == DECISION


def test_a_significant_date_change_keeps_the_previous_date_and_the_reason() -> None:
    [event] = dd.change_significant_date(
        approved_case(), date(2027, 3, 1), reason="TUPE", today=TODAY
    )
    assert isinstance(event, SignificantDateChanged)
    assert (event.previous_date, event.significant_date, event.reason) == (
        date(2027, 1, 1),
        date(2027, 3, 1),
        "TUPE",
    )
    assert event.decision_id == DECISION


@pytest.mark.parametrize(
    ("new", "message"),
    [
        (date(2027, 3, 2), "1st of a month"),
        (date(2026, 11, 1), "before the decision"),
        (date(2027, 1, 1), "already"),
    ],
)
def test_a_significant_date_change_obeys_the_same_rules(new: date, message: str) -> None:
    with pytest.raises(UnprocessableContent, match=message):
        dd.change_significant_date(approved_case(), new, reason="r", today=TODAY)


def test_a_significant_date_cannot_move_into_the_past_or_before_a_decision() -> None:
    with pytest.raises(UnprocessableContent, match="has passed"):
        dd.change_significant_date(
            approved_case(), date(2026, 12, 1), reason="r", today=date(2026, 12, 15)
        )
    with pytest.raises(Conflict):
        dd.change_significant_date(given(opened()), date(2027, 1, 1), reason="r", today=TODAY)


def test_a_significant_date_that_has_come_cannot_change() -> None:
    # On its date the registry applies (or refuses) the transfer: moving the date then would
    # record a date on which nothing happened.
    for today in (date(2027, 1, 1), date(2027, 1, 20)):
        with pytest.raises(Conflict, match="has come"):
            dd.change_significant_date(approved_case(), date(2027, 3, 1), reason="r", today=today)


# ------------------------------------------------------------------ closing and completing


def test_any_case_can_be_closed_once_but_not_a_completed_one() -> None:
    [closed] = d.close_case(approved_case(), closed_on=TODAY, reason="school closed")
    assert isinstance(closed, CaseClosed)
    with pytest.raises(Conflict):
        d.close_case(given(opened(), closed), closed_on=TODAY, reason="again")
    completed = CaseCompleted(case_id=CASE, decision_id=DECISION, completed_on=date(2027, 1, 1))
    with pytest.raises(Conflict):
        d.close_case(d.evolve(approved_case(), completed), closed_on=TODAY, reason="late")


def test_completion_happens_once_and_only_for_the_approved_decision() -> None:
    state = approved_case()
    [completed] = d.complete_case(state, decision_id=DECISION, completed_on=date(2027, 1, 1))
    assert isinstance(completed, CaseCompleted)
    assert (
        d.complete_case(
            d.evolve(state, completed), decision_id=DECISION, completed_on=date(2027, 1, 1)
        )
        == []
    )
    assert d.complete_case(state, decision_id="e" * 32, completed_on=date(2027, 1, 1)) == []
    closed = d.evolve(state, CaseClosed(case_id=CASE, closed_on=TODAY, reason="r"))
    assert d.complete_case(closed, decision_id=DECISION, completed_on=date(2027, 1, 1)) == []


def test_the_pillar_keys_are_the_dfe_framework_seeds() -> None:
    seed = Path(__file__).parents[2] / "services/assessment/seeds/dfe_trust_quality_2023.json"
    pillars = json.loads(seed.read_text(encoding="utf-8"))["pillars"]
    assert tuple(p["key"] for p in pillars) == PILLAR_KEYS
