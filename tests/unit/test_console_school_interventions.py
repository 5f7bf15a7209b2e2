"""The console's page for a school in a category of concern, without a browser: built from
the SDK's ``SchoolInterventionView`` and its ``intervention`` policy version's document."""

from __future__ import annotations

import json
from typing import Any

from commissioning_client.models import SchoolInterventionView
from starlette.datastructures import FormData

from services.console.views.school_interventions import (
    SchoolInterventionPage,
    StepForm,
    pathway,
)
from shared.settings import PROJECT_ROOT

POLICY: dict[str, Any] = json.loads(
    (PROJECT_ROOT / "services/commissioning/policies/intervention/v1.json").read_text()
)["document"]


def _intervention(**over: Any) -> SchoolInterventionView:
    body: dict[str, Any] = {
        "intervention_id": "f" * 32,
        "urn": 100001,
        "trust_uid": None,
        "school_kind": "maintained",
        "category_of_concern": "special_measures",
        "opened_on": "2027-01-04",
        "policy": "intervention",
        "policy_version": 1,
        "steps": [
            {
                "step": "dao_not_issued",
                "policy_version": 1,
                "decided_on": "2027-01-10",
                "decided_by": "Dina Director",
                "decider_grade": "regional_director",
                "reason": "Converting already",
                "evidence_ids": [],
                "reason_code": "already_converting",
            },
            {
                "step": "rise_started",
                "policy_version": 1,
                "decided_on": "2027-01-20",
                "decided_by": "Dina Director",
                "decider_grade": "regional_director",
                "reason": "Targeted support",
                "evidence_ids": [],
                "rise_adviser": "Ada Adviser",
                "rise_supporting_organisation": "North Hub",
                "rise_window_start": "2027-01-20",
                "rise_window_end": "2028-07-20",
            },
        ],
        "allowed_steps": ["rise_ended"],
        "rise_window_end": "2028-07-20",
        "rise_overdue": True,
        "case_ids": [],
        "version": 3,
    }
    return SchoolInterventionView.from_dict({**body, **over})


def test_the_pathway_is_read_from_the_policy_document() -> None:
    rules, grades = pathway(POLICY, "special_measures", "maintained")
    assert rules["dao_not_issued"].reason_codes[0] == "not_viable_as_academy"
    assert rules["rise_started"].starts_rise
    assert "grade_6" in rules["rise_ended"].deciders
    assert grades[0] == "minister"
    assert pathway(POLICY, "special_measures", "nursery") == ({}, grades)


def test_the_page_shows_steps_what_may_follow_and_the_rise_window() -> None:
    view = SchoolInterventionPage.build(
        _intervention(), POLICY, "Oak Primary", roles=["caseworker"]
    )
    summary = {r.key: r.value for r in view.summary}
    assert summary["RISE window ends"] == "20 July 2028 (overdue)"
    assert summary["Category of concern"] == "Special measures"
    assert [s.title for s in view.steps] == [
        "Directive academy order not issued",
        "RISE targeted intervention started",
    ]
    assert view.steps[0].carried == "Already converting"
    assert "adviser Ada Adviser" in view.steps[1].carried
    assert [c.value for c in view.allowed] == ["rise_ended"]
    assert [c.value for c in view.outcomes] == ["ended_early", "improved", "not_improved"]
    assert view.reason_codes == []
    assert "Grade 6" in view.needs[0] and "an outcome" in view.needs[0]
    assert view.may_step and view.rise_overdue and view.version == 3
    assert not view.starts_rise
    reader = SchoolInterventionPage.build(_intervention(), POLICY, None, roles=["reader"])
    assert not reader.may_step and reader.title == "Intervention: URN 100001"
    ended = SchoolInterventionPage.build(
        _intervention(allowed_steps=[]), POLICY, None, roles=["caseworker"]
    )
    assert not ended.may_step and not ended.needs
    first = SchoolInterventionPage.build(
        _intervention(steps=[], allowed_steps=["dao_issued", "dao_not_issued"]),
        POLICY,
        None,
        roles=["caseworker"],
    )
    assert not first.starts_rise
    assert [c.value for c in first.reason_codes][:2] == ["already_converting", "no_suitable_trust"]


def test_the_step_form_needs_a_decider_and_a_reason_and_sends_what_was_typed() -> None:
    empty = StepForm.parse(FormData({"version": "3"}))
    assert set(empty.errors.fields) == {"step", "decided_by", "decider_grade", "reason"}
    form = StepForm.parse(
        FormData(
            {
                "version": "3",
                "step": "rise_ended",
                "decided_by": "Dina Director",
                "decider_grade": "regional_director",
                "reason": "Improved",
                "outcome": "improved",
                "reason_code": "",
            }
        )
    )
    assert not form.errors and form.version == 3
    assert form.body() == {
        "step": "rise_ended",
        "decided_by": "Dina Director",
        "decider_grade": "regional_director",
        "reason": "Improved",
        "outcome": "improved",
    }
