"""The console's transfer project page and a case's constraints and candidates, without a browser: built from the SDK's models as the
commissioning API answers them, and its forms as a browser posts them."""

from __future__ import annotations

from typing import Any

from commissioning_client.models import CandidateList, CaseView, ProjectView
from starlette.datastructures import FormData

from services.console.views.candidates import (
    CandidatesPage,
    ConstraintsForm,
    constraints_href,
    constraints_summary,
)
from services.console.views.projects import (
    ProjectForm,
    ProjectPage,
    date_change_reasons,
    missing_summary,
    project_href,
)

DECISION_ID = "d" * 32
REASONS = [("land", "Land"), ("tupe", "TUPE consultation")]


def _decision(outcome: str = "approved_with_conditions") -> dict[str, Any]:
    return {
        "decision_id": DECISION_ID,
        "outcome": outcome,
        "conditions": ["Appoint a new head", "Repair the roof"],
        "decided_on": "2027-03-01",
        "decision_maker_name": "Dina Director",
        "decision_maker_capacity": "regional_director_for_region",
        "trust_uid": 2044,
        "rationale": "Strongest",
        "significant_date": "2027-09-01",
        "reason_category": None,
        "date_changes": [],
        "recorded_by": "dina.director",
        "recorded_at": "2027-03-01T10:00:00+00:00",
        "record": {
            "reason_codes": ["track_record"],
            "reasons_policy_version": 1,
            "decision_maker_grade": None,
            "decision_maker_grade_other": None,
            "rules_policy_version": 1,
            "equality": None,
            "supersedes_decision": None,
        },
        "condition_status": [
            {
                "number": 1,
                "text": "Appoint a new head",
                "status": "met",
                "evidence": "Head appointed",
                "document_reference": "HR-1",
                "on": "2027-03-05",
                "actor": "cara.caseworker",
            },
            {"number": 2, "text": "Repair the roof", "status": "open"},
        ],
        "challenges": [],
        "superseded_by": None,
    }


def _case(decision: dict[str, Any] | None = None) -> CaseView:
    decided = decision if decision is not None else _decision()
    return CaseView.from_dict(
        {
            "case_id": "c" * 32,
            "urns": [100001],
            "trigger": "rebrokerage",
            "title": "Rebrokerage after inadequate",
            "status": "decided",
            "region_code": "E",
            "area": None,
            "la_codes": [],
            "opened_on": "2027-01-10",
            "board_date": "2027-02-20",
            "significant_date": "2027-09-01",
            "opened_by": "cara.caseworker",
            "intervention_id": None,
            "criteria": {"pillars": [], "factors": {}, "defaults": True},
            "constraints": None,
            "shortlist": [2044],
            "decision": decided or None,
            "decisions": [decided] if decided else [],
            "transfer": None,
            "completed_on": None,
            "closed_on": None,
            "close_reason": None,
            "version": 7,
        }
    )


def _project(**over: Any) -> ProjectView:
    body: dict[str, Any] = {
        "project_id": DECISION_ID,
        "case_id": "c" * 32,
        "decision_id": DECISION_ID,
        "project_type": "academy_transfer",
        "urns": [100001],
        "to_trust_uid": 2044,
        "significant_date": "2027-09-01",
        "date_confirmed": False,
        "date_changes": [
            {
                "previous_date": "2027-08-01",
                "significant_date": "2027-09-01",
                "reason_code": "tupe",
                "reasons_policy_version": 1,
                "reason": "Consultation runs late",
                "actor": "cara.caseworker",
                "changed_on": "2027-03-04",
            }
        ],
        "template_version": 1,
        "tasks": [
            {
                "key": "funding_agreement",
                "title": "Funding agreement signed",
                "mandatory": True,
                "done": True,
                "completed_by": "cara.caseworker",
                "completed_on": "2027-03-06",
                "document_reference": "FA-77",
                "note": None,
            },
            {
                "key": "land_questionnaire",
                "title": "Land questionnaire",
                "mandatory": True,
                "done": False,
                "completed_by": None,
                "completed_on": None,
                "document_reference": None,
                "note": None,
            },
        ],
        "authority_to_proceed_on": None,
        "authority_to_proceed_by": None,
        "handed_over_to": None,
        "handed_over_on": None,
        "actual_date": None,
        "overdue": True,
        "missing_for_authority": {
            "conditions": ["2. Repair the roof"],
            "tasks": ["land_questionnaire"],
            "significant_date": ["2027-09-01 is provisional"],
        },
        "opened_on": "2027-03-01",
        "version": 4,
    }
    return ProjectView.from_dict({**body, **over})


def test_a_case_links_its_project_only_once_it_has_an_approval() -> None:
    assert project_href(_case()) == f"/projects/{DECISION_ID}"
    assert project_href(_case(_decision("declined"))) is None
    assert project_href(_case({})) is None


def test_the_project_page_shows_tasks_conditions_dates_and_what_is_missing() -> None:
    view = ProjectPage.build(_project(), _case(), REASONS, "Strong Trust", roles=["caseworker"])
    summary = {r.key: r.value for r in view.summary}
    assert summary["Significant date"] == "1 September 2027 (provisional)"
    assert summary["Trust"] == "Strong Trust"
    assert summary["Authority to proceed"] == "Not yet"
    done, todo = view.tasks
    assert (done.completed_by, done.completed_on, done.document_reference) == (
        "cara.caseworker",
        "6 March 2027",
        "FA-77",
    )
    assert todo.status == "Not started"
    assert [c.value for c in view.open_tasks] == ["land_questionnaire"]
    met, still_open = view.conditions
    assert met.status == "Met"
    assert "Head appointed" in met.detail and "HR-1" in met.detail
    assert [c.value for c in view.open_conditions] == ["2"]
    assert still_open.open
    assert view.overdue
    assert view.case_version == 7 and view.version == 4
    assert [c.value for c in view.reasons] == ["land", "tupe"]
    assert "TUPE consultation (Consultation runs late)" in view.date_changes[0].value
    assert view.missing[1] == "Mandatory tasks not done: Land questionnaire"
    assert view.can_manage and view.can_authorise


def test_a_reader_gets_no_forms_and_an_authorised_project_no_authority_button() -> None:
    reader = ProjectPage.build(_project(), _case(), REASONS, None, roles=["reader"])
    assert not reader.can_manage and not reader.can_authorise
    assert dict((r.key, r.value) for r in reader.summary)["Trust"] == "UID 2044"
    done = ProjectPage.build(
        _project(
            authority_to_proceed_on="2027-08-01",
            authority_to_proceed_by="cara.caseworker",
            date_confirmed=True,
            missing_for_authority={},
            overdue=False,
        ),
        _case(),
        REASONS,
        None,
        roles=["caseworker", "decision_maker"],
    )
    assert done.authorised and not done.can_authorise and not done.missing
    assert "1 August 2027 by cara.caseworker" in [r.value for r in done.summary]


def test_a_refused_authority_names_what_is_missing_linked_to_where_it_is_put_right() -> None:
    items = missing_summary(
        {
            "conditions": ["2. Repair the roof"],
            "tasks": ["land_questionnaire"],
            "significant_date": ["2027-09-01 is provisional"],
        }
    )
    assert items == [
        {"text": "Conditions still open: 2. Repair the roof", "href": "#conditions"},
        {"text": "Mandatory tasks not done: Land questionnaire", "href": "#tasks"},
        {
            "text": "The significant date is not confirmed: 2027-09-01 is provisional",
            "href": "#confirm-date",
        },
    ]


def test_the_forms_check_what_a_person_must_type_and_send_the_api_its_names() -> None:
    empty = ProjectForm.parse("met", FormData({"version": "7"}))
    assert set(empty.errors.fields) == {"evidence", "condition"}
    met = ProjectForm.parse(
        "met",
        FormData(
            {
                "version": "7",
                "condition": "2",
                "evidence": "Roof done",
                "met_document_reference": "",
            }
        ),
    )
    assert not met.errors and met.version == 7
    assert met.body() == {"evidence": "Roof done"}
    waived = ProjectForm.parse("waived", FormData({"version": "7"}))
    assert set(waived.errors.fields) == {"waived_reason", "waived_condition"}
    date = ProjectForm.parse(
        "date", FormData({"significant_date": "not a date", "reason_code": "land"})
    )
    assert set(date.errors.fields) == {"significant_date", "date_reason"}
    task = ProjectForm.parse(
        "task", FormData({"task": "land_questionnaire", "task_document_reference": "LQ-1"})
    )
    assert task.body() == {"document_reference": "LQ-1"}
    assert not ProjectForm.parse("authority", FormData({"version": "4"})).errors


def test_the_date_change_reasons_come_from_the_policy_document() -> None:
    document = {"reasons": [{"code": "land", "label": "Land"}, {"code": "diocese"}, "junk"]}
    assert date_change_reasons(document) == [("land", "Land"), ("diocese", "Diocese")]


def test_the_constraints_form_reads_the_case_checks_and_sends_the_api_its_fields() -> None:
    form = ConstraintsForm.from_case(_case())
    assert (form.same_religious_character, form.max_distance_km, form.same_region) == (
        True,
        "50",
        True,
    )
    assert form.version == 7
    lifted = ConstraintsForm.parse(FormData({"version": "7", "max_distance_km": ""}))
    assert not lifted.errors
    assert lifted.body() == {
        "same_religious_character": False,
        "diocese_agreed_otherwise": False,
        "diocese_agreement_reference": None,
        "max_distance_km": None,
        "same_region": False,
    }
    bad = ConstraintsForm.parse(
        FormData({"max_distance_km": "far", "diocese_agreed_otherwise": "yes"})
    )
    assert set(bad.errors.fields) == {"max_distance_km", "diocese_agreement_reference"}
    assert [r.value for r in constraints_summary({"max_distance_km": None})][1] == "No limit"
    assert constraints_href(_case(), ["caseworker"]) is None  # decided: too late
    assert constraints_href(_case(), ["reader"]) is None


def test_the_candidates_page_shows_evidence_coverage_exclusions_and_the_next_page() -> None:
    candidates = CandidateList.from_dict(
        {
            "urns": [100001],
            "as_of": "2027-03-10",
            "pillars": [],
            "factors": {},
            "total_candidates": 31,
            "candidates": [
                {
                    "rank": 1,
                    "band": "published_evidence",
                    "trust_uid": 2044,
                    "trust_name": "Strong Trust",
                    "fit": 0.81,
                    "factors": [],
                    "reasons": [],
                    "assessment_ids": ["a1"],
                    "evidence": [
                        {
                            "pillar": "education",
                            "published": True,
                            "descriptor": "strong",
                            "published_on": "2027-01-10",
                            "age_days": 59,
                        },
                        {"pillar": "finance", "published": False},
                    ],
                }
            ],
            "total_excluded": 1,
            "excluded": [
                {
                    "trust_uid": 9,
                    "trust_name": "Far Trust",
                    "reason_code": "beyond_max_distance",
                    "reason": "Its nearest school is 80 km away.",
                }
            ],
            "not_considered": {},
            "method": [],
            "next_cursor": "next1",
            "constraints": {"same_region": False, "max_distance_km": 30.0},
        }
    )
    view = CandidatesPage.build(_case(), candidates, cursor="")
    (row,) = view.rows
    assert row.covered_text == "1 of 2 pillars covered"
    assert row.coverage[0].text == "Strong, published 10 January 2027, 59 days old"
    assert row.coverage[1].text == "no published judgement" and not row.coverage[1].published
    assert view.excluded[0].reason_code == "Beyond max distance"
    assert view.pagination.next_href == f"/cases/{'c' * 32}/candidates?cursor=next1"
    assert view.pagination.first_href is None
    summary = {r.key: r.value for r in view.constraints}
    assert summary["Region"] == "Any region"
    assert "30 km" in summary["Distance"]
