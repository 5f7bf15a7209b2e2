"""Whole-trust intervention, pure: the v6 pathways, the failing rule, and the policy checks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from importlib.resources import files
from typing import Any

import pytest

from services.commissioning.school_interventions.domain import StepNotAllowed
from services.commissioning.school_interventions.policy import InterventionPolicy, check
from services.commissioning.trust_interventions import domain
from shared.contracts.interventions import TrustInterventionStepTaken
from shared.errors import UnprocessableContent

FOLDER = files("services.commissioning").joinpath("policies/intervention")
IID = "c" * 32
TODAY = date(2027, 3, 1)


def document(number: int) -> dict[str, Any]:
    loaded: dict[str, dict[str, Any]] = json.loads(FOLDER.joinpath(f"v{number}.json").read_text())
    return loaded["document"]


V6 = InterventionPolicy.model_validate(document(6))


def opening(trigger: str, inspection: str | None = None) -> domain.OpenTrustIntervention:
    return domain.OpenTrustIntervention(
        intervention_id=IID,
        trust_uid=5001,
        trigger=trigger,  # type: ignore[arg-type]
        trust_inspection_id=inspection,
        opened_on=TODAY,
        reason="The regional board's decision.",
        evidence_ids=["note-1"],
    )


def step(name: str, grade: str = "regional_director") -> domain.TakeTrustStep:
    return domain.TakeTrustStep(
        step=name, decided_on=TODAY, decided_by="Rhian", decider_grade=grade, reason="Why."
    )


def test_a_failing_inspection_opens_and_the_notice_runs_its_working_days() -> None:
    events = domain.open_intervention(
        opening("trust_inspection_failing", "TI-1"),
        policy=V6,
        version=6,
        today=TODAY,
        inspection_outcomes={"leadership_and_governance": "Urgent improvement"},
    )
    state = domain.fold(events)
    assert state is not None and state.policy_version == 6
    twn = domain.take_step(
        state, step("termination_warning_notice"), policy=V6, today=TODAY, case_id=None
    )
    # 15 working days from Monday 1 March 2027: Monday 22 March.
    assert twn.response_due_on == date(2027, 3, 22)
    state = domain.evolve(state, twn)
    notice = domain.take_step(
        state,
        step("termination_notice", "minister"),
        policy=V6,
        today=TODAY,
        case_id="d" * 32,
        urns=[300002, 300001],
    )
    assert isinstance(notice, TrustInterventionStepTaken)
    assert (notice.case_id, notice.urns) == ("d" * 32, [300001, 300002])
    state = domain.evolve(state, notice)
    assert state.case_ids == ("d" * 32,)


def test_an_inspection_not_failing_is_refused_naming_the_rule_and_its_outcomes() -> None:
    with pytest.raises(StepNotAllowed) as refused:
        domain.open_intervention(
            opening("trust_inspection_failing", "TI-2"),
            policy=V6,
            version=6,
            today=TODAY,
            inspection_outcomes={"leadership_and_governance": "Needs attention"},
        )
    assert "'Urgent improvement'" in str(refused.value.detail)
    assert "leadership_and_governance: 'Needs attention'" in str(refused.value.detail)
    assert refused.value.extra["failing_when"] == [
        {"area": "leadership_and_governance", "outcomes": ["Urgent improvement"]}
    ]


def test_an_unknown_or_missing_inspection_is_refused() -> None:
    for inspection in (None, "TI-unknown"):
        with pytest.raises(UnprocessableContent):
            domain.open_intervention(
                opening("trust_inspection_failing", inspection),
                policy=V6,
                version=6,
                today=TODAY,
                inspection_outcomes=None,
            )
    # A breach names no inspection.
    with pytest.raises(UnprocessableContent):
        domain.open_intervention(
            opening("breach_of_academy_arrangements", "TI-1"),
            policy=V6,
            version=6,
            today=TODAY,
            inspection_outcomes=None,
        )


def test_a_step_out_of_order_or_by_the_wrong_grade_names_the_version_and_what_it_allows() -> None:
    state = domain.fold(
        domain.open_intervention(
            opening("breach_of_academy_arrangements"),
            policy=V6,
            version=6,
            today=TODAY,
            inspection_outcomes=None,
        )
    )
    assert state is not None
    with pytest.raises(StepNotAllowed) as early:
        domain.take_step(
            state, step("termination_notice", "minister"), policy=V6, today=TODAY, case_id=None
        )
    assert early.value.extra["allowed_steps"] == ["direction_to_trust"]
    assert early.value.extra["policy_version"] == 6
    with pytest.raises(StepNotAllowed) as grade:
        domain.take_step(
            state, step("direction_to_trust", "grade_6"), policy=V6, today=TODAY, case_id=None
        )
    assert grade.value.extra["allowed_deciders"] == ["minister", "regional_director"]


def test_a_version_without_trust_pathways_allows_no_trust_intervention() -> None:
    v5 = InterventionPolicy.model_validate(document(5))
    assert check(v5) == []
    with pytest.raises(StepNotAllowed) as refused:
        domain.open_intervention(
            opening("breach_of_academy_arrangements"),
            policy=v5,
            version=5,
            today=TODAY,
            inspection_outcomes=None,
        )
    assert "v5 has no whole-trust pathway" in str(refused.value.detail)


def test_check_lists_every_problem_of_the_trust_pathways() -> None:
    doc = document(6)
    trusts = doc["trust_pathways"]
    trusts["pathways"] = [
        p for p in trusts["pathways"] if p["trigger"] != "breach_of_academy_arrangements"
    ]
    failing = trusts["pathways"][0]
    failing["failing_when"] = [
        {"area": "vibes", "outcomes": ["Bad"]},
        {"area": "leadership_and_governance", "outcomes": ["Dreadful"]},
    ]
    failing["steps"][0]["after"] = ["closed"]
    failing["steps"][1]["deciders"] = []
    assert check(InterventionPolicy.model_validate(doc)) == [
        "trust trigger breach_of_academy_arrangements has no pathway",
        "trust pathway trust_inspection_failing has no first step",
        "trust pathway trust_inspection_failing: step termination_notice has no decider",
        "trust pathway trust_inspection_failing: failing_when names unknown area vibes",
        "trust pathway trust_inspection_failing: failing_when names outcome 'Dreadful', not"
        " one of leadership_and_governance's",
    ]


def test_a_step_dated_before_the_step_it_follows_is_refused_naming_the_date() -> None:
    events = domain.open_intervention(
        opening("trust_inspection_failing", "TI-1"),
        policy=V6,
        version=6,
        today=date(2027, 3, 10),
        inspection_outcomes={"leadership_and_governance": "Urgent improvement"},
    )
    state = domain.fold(events)
    assert state is not None
    later = replace(step("termination_warning_notice"), decided_on=date(2027, 3, 8))
    state = domain.evolve(
        state, domain.take_step(state, later, policy=V6, today=date(2027, 3, 10), case_id=None)
    )
    earlier = replace(step("termination_notice", "minister"), decided_on=date(2027, 3, 5))
    with pytest.raises(UnprocessableContent) as refused:
        domain.take_step(
            state, earlier, policy=V6, today=date(2027, 3, 10), case_id="d" * 32, urns=[300001]
        )
    assert refused.value.extra["errors"][0]["loc"] == ["body", "decided_on"]
    assert "termination_warning_notice" in refused.value.detail
