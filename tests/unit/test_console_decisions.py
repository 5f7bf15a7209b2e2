"""The console's decision form, without a browser: the project type an approval opens, sent
only when chosen, and the API's objection to it shown against the field."""

from __future__ import annotations

from typing import Any

from commissioning_client.models import DecisionRecording

from services.console.clients import ApiProblem, FieldError
from services.console.views.common import stale_or
from services.console.views.decisions import DECISION_FIELDS, DECISION_MEMBERS, DecisionForm

ANSWERS: dict[str, Any] = {
    "outcome": "approved",
    "trust_uid": "2044",
    "significant_date": "2027-09-01",
    "decided_on": "2027-01-14",
    "decision_maker_name": "Dina Director",
    "decision_maker_capacity": "regional_director_for_region",
    "rationale": "Strongest nearby",
    "reason_codes": "track_record",
    "likely_impact": "None expected",
    "mitigation": "None needed",
    "version": "3",
}


def test_the_default_sends_no_project_type() -> None:
    form = DecisionForm.parse(ANSWERS)
    assert not form.errors
    assert "project_type" not in form.body()
    choices = form.project_types()
    assert (choices[0].value, choices[0].text, choices[0].selected) == (
        "",
        "Default for these schools",
        True,
    )
    assert [c.value for c in choices[1:]] == [
        "academy_transfer",
        "conversion",
        "form_a_new_trust",
        "trust_merger",
    ]
    row = next(r for r in form.check_rows("/cases/c", {}) if r["key"] == "Project type")
    assert row["value"] == "Default for these schools"
    assert row["href"] == "/cases/c/decision?change=1#project_type"


def test_a_chosen_project_type_is_sent_and_kept() -> None:
    form = DecisionForm.parse(ANSWERS | {"project_type": "form_a_new_trust"})
    assert not form.errors
    body = form.body()
    assert body["project_type"] == "form_a_new_trust"
    # The SDK's model takes it, so the route sends it as the API names it.
    assert DecisionRecording.from_dict(body).to_dict()["project_type"] == "form_a_new_trust"
    assert DecisionForm.parse(form.answers()).project_type == "form_a_new_trust"
    assert [c.value for c in form.project_types() if c.selected] == ["form_a_new_trust"]
    row = next(r for r in form.check_rows("/cases/c", {}) if r["key"] == "Project type")
    assert row["value"] == "Form a new trust"


def test_an_unknown_project_type_is_caught_before_sending() -> None:
    form = DecisionForm.parse(ANSWERS | {"project_type": "federation"})
    assert form.errors.on("project_type") == {"text": "Select the type of project, or the default"}


def test_the_apis_objection_to_the_project_type_shows_against_the_field() -> None:
    problem = ApiProblem(
        "commissioning",
        422,
        title="Unprocessable Content",
        detail="A conversion project cannot carry out an approval for schools in a trust.",
        errors=[FieldError(("body", "project_type"), "conversion is not allowed here")],
    )
    errors = stale_or(problem, DECISION_FIELDS, DECISION_MEMBERS)
    assert errors.on("project_type") == {"text": "Project type: conversion is not allowed here."}
    assert errors.summary("outcome")[0]["href"] == "#project_type"
