"""The console's page for a whole-trust intervention and a trust's list of them, without a
browser: built from the SDK's models and the ``intervention`` policy's ``trust_pathways``."""

from __future__ import annotations

import json
from typing import Any

from commissioning_client.models import TrustInterventionList, TrustInterventionView
from starlette.datastructures import FormData

from services.console.views.school_interventions import StepForm
from services.console.views.trust_interventions import (
    TrustInterventionPage,
    trust_intervention_rows,
    trust_pathway,
)
from shared.settings import PROJECT_ROOT

POLICY: dict[str, Any] = json.loads(
    (PROJECT_ROOT / "services/commissioning/policies/intervention/v6.json").read_text()
)["document"]


def _intervention(**over: Any) -> TrustInterventionView:
    body: dict[str, Any] = {
        "intervention_id": "a" * 32,
        "trust_uid": 2044,
        "trigger": "trust_inspection_failing",
        "trust_inspection_id": "TI-2044-1",
        "inspection_outcomes": {"leadership_and_governance": "Urgent improvement"},
        "opened_on": "2027-03-01",
        "reason": "The inspection found the trust failing to govern",
        "evidence_ids": ["ofsted-trust-report"],
        "policy": "intervention",
        "policy_version": 6,
        "steps": [
            {
                "step": "termination_warning_notice",
                "policy_version": 6,
                "decided_on": "2027-03-02",
                "decided_by": "Mina Minister",
                "decider_grade": "minister",
                "reason": "Failing to govern",
                "evidence_ids": ["board-note-2027-03"],
                "response_due_on": "2027-03-23",
            }
        ],
        "allowed_steps": ["termination_notice", "notice_withdrawn"],
        "case_ids": [],
        "version": 2,
    }
    return TrustInterventionView.from_dict(body | over)


def test_the_page_shows_the_trust_trigger_inspection_steps_and_what_may_follow() -> None:
    view = TrustInterventionPage.build(
        _intervention(), POLICY, "Northern Trust", roles=("caseworker",)
    )
    assert view.title == "Whole-trust intervention: Northern Trust"
    summary = {r.key: r for r in view.summary}
    assert summary["Trust"].value == "Northern Trust (UID 2044)"
    assert summary["Trust"].href == "/trusts/2044"
    assert summary["Trigger"].value == "Trust inspection failing"
    assert summary["Trust inspection"].value == "TI-2044-1"
    assert summary["Its outcomes"].value == "Leadership and governance: Urgent improvement"
    assert summary["Evidence"].value == "ofsted-trust-report"
    assert summary["Response due"].value == "23 March 2027"
    assert summary["Policy"].value == "Intervention, version 6"
    (step,) = view.steps
    rules, _ = trust_pathway(POLICY, "trust_inspection_failing")
    assert step.title == rules["termination_warning_notice"].title
    assert step.decided_by == "Mina Minister (Minister)"
    assert step.carried == "evidence: board-note-2027-03; response due 23 March 2027"
    assert [c.value for c in view.allowed] == ["termination_notice", "notice_withdrawn"]
    assert view.needs[0].startswith(rules["termination_notice"].title + ": decided by Minister")
    assert view.needs[0].endswith("opens a case for the trust's academies")
    assert [g.value for g in view.grades] == POLICY["decider_grades"]
    assert view.may_step is True


def test_only_a_caseworker_is_offered_the_step_and_a_typed_step_stays_chosen() -> None:
    reader = TrustInterventionPage.build(_intervention(), POLICY, None, roles=("reader",))
    assert reader.may_step is False
    assert reader.title == "Whole-trust intervention: Trust 2044"
    ended = TrustInterventionPage.build(
        _intervention(allowed_steps=[]), POLICY, None, roles=("caseworker",)
    )
    assert ended.may_step is False and ended.needs == []
    form = StepForm.parse(
        FormData({"step": "notice_withdrawn", "decider_grade": "regional_director", "version": "2"})
    )
    assert form.errors.on("decided_by") and form.errors.on("reason")
    again = TrustInterventionPage.build(
        _intervention(), POLICY, None, roles=("caseworker",), form=form
    )
    assert [c.value for c in again.allowed if c.selected] == ["notice_withdrawn"]
    assert [c.value for c in again.grades if c.selected] == ["regional_director"]


def test_the_trusts_list_links_each_intervention_newest_first() -> None:
    page = TrustInterventionList.from_dict(
        {
            "items": [
                {
                    "intervention_id": "b" * 32,
                    "trust_uid": 2044,
                    "trigger": "breach_of_academy_arrangements",
                    "trust_inspection_id": None,
                    "opened_on": "2027-04-01",
                    "policy_version": 6,
                    "last_step": None,
                    "response_due_on": None,
                    "case_ids": [],
                    "version": 1,
                },
                {
                    "intervention_id": "a" * 32,
                    "trust_uid": 2044,
                    "trigger": "trust_inspection_failing",
                    "trust_inspection_id": "TI-2044-1",
                    "opened_on": "2027-03-01",
                    "policy_version": 6,
                    "last_step": "termination_warning_notice",
                    "response_due_on": "2027-03-23",
                    "case_ids": [],
                    "version": 2,
                },
            ]
        }
    )
    new, old = trust_intervention_rows(page)
    assert (new.href, new.trigger, new.last_step, new.response_due_on) == (
        f"/trust-interventions/{'b' * 32}",
        "Breach of academy arrangements",
        "None yet",
        "",
    )
    assert (old.opened_on, old.last_step, old.response_due_on) == (
        "1 March 2027",
        "Termination warning notice",
        "23 March 2027",
    )
