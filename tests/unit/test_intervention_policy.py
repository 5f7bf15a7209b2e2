"""The intervention policy as shipped, its checks, and the pure steps of a school intervention."""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from typing import Any

import pytest

from services.commissioning.school_interventions import domain
from services.commissioning.school_interventions.policy import InterventionPolicy, check
from shared.contracts.interventions import SchoolInterventionOpened
from shared.errors import UnprocessableContent


def shipped_raw() -> dict[str, Any]:
    text = files("services.commissioning").joinpath("policies/intervention/v1.json").read_text()
    raw: dict[str, Any] = json.loads(text)["document"]
    return raw


POLICY = InterventionPolicy.model_validate(shipped_raw())


def test_the_shipped_version_has_a_pathway_for_every_category_and_kind() -> None:
    assert check(POLICY) == []
    assert POLICY.rise_window_months == 18
    for p in POLICY.pathways:
        assert all(s.deciders for s in p.steps)


def test_every_problem_of_a_broken_version_is_listed() -> None:
    raw = shipped_raw()
    raw["pathways"] = [p for p in raw["pathways"] if p["school_kind"] != "academy"]
    maintained = raw["pathways"][0]
    maintained["steps"][0]["deciders"] = []
    maintained["steps"][1]["deciders"] = ["headteacher"]
    maintained["steps"][2]["after"] = ["dao_maybe"]
    assert check(InterventionPolicy.model_validate(raw)) == [
        "category special_measures has no pathway for a academy school",
        "category requires_significant_improvement has no pathway for a academy school",
        "pathway special_measures/maintained: step dao_issued has no decider",
        "pathway special_measures/maintained: step dao_not_issued names unknown decider"
        " headteacher",
        "pathway special_measures/maintained: step rise_started follows unknown step dao_maybe",
    ]


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 11), 18, date(2028, 7, 11)),
        (date(2027, 8, 31), 18, date(2029, 2, 28)),
        (date(2027, 12, 1), 1, date(2028, 1, 1)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert domain.add_months(day, months) == expected


def opened(category: str, kind: str) -> domain.SchoolInterventionState:
    event = SchoolInterventionOpened(
        intervention_id="a" * 32,
        urn=100001,
        school_kind=kind,
        category_of_concern=category,
        opened_on=date(2027, 1, 11),
        policy_version=1,
        reason="In a category.",
    )
    return domain.evolve(None, event)


def step(name: str, on: date, **more: Any) -> domain.TakeStep:
    return domain.TakeStep(
        step=name,
        decided_on=on,
        decided_by="R Director",
        decider_grade="regional_director",
        reason="Decided.",
        **more,
    )


def test_special_measures_may_go_straight_to_the_structural_route_after_no_dao() -> None:
    state = opened("special_measures", "maintained")
    on = date(2027, 2, 1)
    first = domain.take_step(
        state,
        step("dao_not_issued", on, reason_code="already_converting"),
        policy=POLICY,
        today=on,
        case_id=None,
    )
    state = domain.evolve(state, first)
    route = domain.take_step(
        state, step("structural_route", on), policy=POLICY, today=on, case_id="c" * 32
    )
    assert route.case_id == "c" * 32 and route.policy_version == 1


def test_requires_significant_improvement_waits_for_the_rise_window() -> None:
    state = opened("requires_significant_improvement", "maintained")
    on = date(2027, 2, 1)
    for taken in (
        step("dao_not_issued", on, reason_code="no_suitable_trust"),
        step("rise_started", on, rise_adviser="A", rise_supporting_organisation="B"),
        step("rise_ended", date(2027, 9, 1), outcome="ended_early"),
    ):
        state = domain.evolve(
            state,
            domain.take_step(state, taken, policy=POLICY, today=date(2027, 9, 1), case_id=None),
        )
    assert state.rise_window_end == date(2028, 8, 1)
    with pytest.raises(domain.StepNotAllowed, match="waits for the RISE window"):
        domain.take_step(
            state,
            step("structural_route", date(2027, 9, 1)),
            policy=POLICY,
            today=date(2027, 9, 1),
            case_id="c" * 32,
        )


def test_a_rise_start_names_its_adviser_and_a_notice_gets_its_response_date() -> None:
    state = opened("special_measures", "academy")
    on = date(2027, 11, 1)  # a Monday, with no bank holiday in the next three weeks
    notice = domain.take_step(
        state, step("termination_warning_notice", on), policy=POLICY, today=on, case_id=None
    )
    assert notice.response_due_on == date(2027, 11, 22)  # 15 working days
    rsi = opened("requires_significant_improvement", "academy")
    with pytest.raises(UnprocessableContent, match="adviser and supporting organisation"):
        domain.take_step(rsi, step("rise_started", on), policy=POLICY, today=on, case_id=None)


def shipped_v2() -> dict[str, Any]:
    text = files("services.commissioning").joinpath("policies/intervention/v2.json").read_text()
    raw: dict[str, Any] = json.loads(text)["document"]
    return raw


def test_version_2_adds_a_valid_notice_ladder_and_keeps_version_1s_pathways() -> None:
    v2 = InterventionPolicy.model_validate(shipped_v2())
    assert check(v2) == [] and v2.notices is not None
    assert v2.pathways == POLICY.pathways and POLICY.notices is None


def test_every_problem_of_a_broken_notice_ladder_is_listed() -> None:
    raw = shipped_v2()
    kinds = raw["notices"]["kinds"]
    raw["notices"]["kinds"] = [k for k in kinds if k["kind"] != "termination_notice"]
    warning = next(k for k in kinds if k["kind"] == "termination_warning_notice")
    del warning["response_working_days"]
    warning["deciders"] = []
    nti = next(k for k in kinds if k["kind"] == "notice_to_improve")
    del nti["review_interval_months"]
    nti["deciders"] = ["headteacher"]
    nti["moves"]["preparing"] = ["cancelled"]
    letter = next(k for k in kinds if k["kind"] == "nti_warning_letter")
    letter["rung"] = 2
    assert check(InterventionPolicy.model_validate(raw)) == [
        "notice termination_notice is missing",
        "notice notice_to_improve shares rung 2 with nti_warning_letter",
        "notice notice_to_improve has no review interval",
        "notice notice_to_improve names unknown decider headteacher",
        "notice notice_to_improve: a notice being prepared cannot be issued",
        "notice termination_warning_notice has no response period",
        "notice termination_warning_notice has no decider",
    ]
