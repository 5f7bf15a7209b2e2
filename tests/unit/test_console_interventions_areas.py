"""The console's view models for interventions and area plans, without a browser: built from
the SDKs' models as the APIs answer them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from commissioning_client.models import AreaPlan, DeadlineList, InterventionPage, InterventionView
from registry_client.models import AreaList, StuckSchoolList
from starlette.datastructures import FormData

from services.console.places import GridReferences
from services.console.views.areas import AreaListView, AreaPlanView, area_href
from services.console.views.common import Pagination
from services.console.views.home import StartPage
from services.console.views.intervention_forms import (
    API_KINDS,
    API_STATUSES,
    KINDS,
    STATUSES,
    IssueForm,
    StatusForm,
    grade_choices,
)
from services.console.views.interventions import (
    Deadlines,
    InterventionFilters,
    InterventionList,
    InterventionPageView,
    due_text,
    home_region,
    working_days_text,
)

TODAY = dt.date(2027, 3, 10)


def _intervention(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "intervention_id": "a" * 32,
        "kind": "termination_warning_notice",
        "trust_uid": 2044,
        "urn": None,
        "status": "issued",
        "active": True,
        "issued_on": "2027-02-10",
        "response_due_on": "2027-03-03",
        "grounds": "No improvement.",
        "conditions": ["Appoint a new chair"],
        "escalated_from": None,
        "published": True,
        "rebrokerage_case_id": None,
        "history": [
            {
                "status": "issued",
                "effective_on": "2027-02-10",
                "actor": "cara.caseworker",
                "reason": "board minutes",
                "recorded_at": "2027-02-10T09:30:00+00:00",
            }
        ],
        "issued_by": "cara.caseworker",
        "version": 1,
    }
    body.update(over)
    return body


def test_the_console_orders_exactly_the_apis_kinds_and_statuses() -> None:
    assert set(KINDS) == API_KINDS
    assert set(STATUSES) == API_STATUSES


def test_a_closed_notice_offers_no_next_step() -> None:
    i = InterventionView.from_dict(_intervention(status="closed", active=False))
    view = InterventionPageView.build(
        i, today=TODAY, roles=("caseworker",), trust_name=None, school_name=None
    )
    assert view.final is True
    assert view.may_change is False
    assert view.escalate_href is None


def test_a_due_date_is_said_against_today() -> None:
    assert due_text(dt.date(2027, 3, 3), TODAY, active=True) == "3 March 2027 (overdue by 7 days)"
    assert due_text(dt.date(2027, 3, 11), TODAY, active=True) == "11 March 2027 (in 1 day)"
    assert due_text(TODAY, TODAY, active=True) == "10 March 2027 (today)"
    assert due_text(dt.date(2027, 3, 3), TODAY, active=False) == "3 March 2027"
    assert due_text(None, TODAY, active=True) == ""


def _deadline(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "notice_response",
        "due_on": "2027-03-03",
        "overdue": True,
        "working_days": -5,
        "what": "Response to a termination warning notice",
        "source": "notice",
        "intervention_id": "d" * 32,
        "urn": None,
        "trust_uid": 2044,
        "region_code": "E",
    }
    return {**body, **over}


def test_deadlines_come_in_the_apis_order_linked_to_the_notice_or_school_intervention() -> None:
    page = DeadlineList.from_dict(
        {
            "on": "2027-03-10",
            "items": [
                _deadline(),
                _deadline(
                    kind="rise_window",
                    due_on="2027-03-11",
                    overdue=False,
                    working_days=1,
                    what="End of the RISE window: decide what follows",
                    source="school_intervention",
                    intervention_id="e" * 32,
                    urn=100001,
                    trust_uid=2044,
                ),
            ],
        }
    )
    view = Deadlines.build(page, region="E", kind="", regions=[("E", "East Midlands")])
    notice, rise = view.deadlines
    assert notice.href == f"/interventions/{'d' * 32}"
    assert (notice.about, notice.about_href) == ("Trust 2044", "/trusts/2044")
    assert notice.when == "Overdue by 5 working days" and notice.overdue
    assert rise.href == f"/school-interventions/{'e' * 32}"
    assert (rise.about, rise.kind, rise.when) == ("URN 100001", "RISE window", "In 1 working day")
    assert view.overdue == 1
    assert [c.value for c in view.regions if c.selected] == ["E"]
    assert working_days_text(0) == "Due today"
    assert working_days_text(-1) == "Overdue by 1 working day"
    assert home_region(["region:E"]) == "E" and home_region(["national"]) == ""


def test_a_whole_trust_notice_response_links_to_its_intervention() -> None:
    page = DeadlineList.from_dict(
        {
            "on": "2027-03-10",
            "items": [
                _deadline(
                    source="trust_intervention",
                    what="Trust response to termination warning notice",
                    intervention_id="f" * 32,
                )
            ],
        }
    )
    (due,) = Deadlines.build(page, region="E", kind="", regions=[("E", "East Midlands")]).deadlines
    # The whole-trust intervention's own page, not a notice's; the trust is linked beside it.
    assert due.href == f"/trust-interventions/{'f' * 32}"
    assert (due.about, due.about_href) == ("Trust 2044", "/trusts/2044")


def test_the_list_keeps_its_filters_across_pages_and_only_a_caseworker_may_issue() -> None:
    page = InterventionPage.from_dict({"items": [_intervention()], "next_cursor": "abc"})
    filters = InterventionFilters.parse("notice_to_improve", "nonsense", "true", "all", "20x")
    assert filters.status == ""
    assert filters.trust_uid == ""
    view = InterventionList.build(page, filters=filters, cursor="", today=TODAY, roles=("reader",))
    assert view.may_issue is False
    assert view.pagination.next_href == (
        "/interventions?kind=notice_to_improve&active=true&scope=all&cursor=abc"
    )
    assert view.interventions[0].overdue is True
    caseworker = InterventionList.build(
        page, filters=filters, cursor="", today=TODAY, roles=("caseworker",)
    )
    assert caseworker.may_issue is True
    by_trust = InterventionFilters.parse("", "", "", "", " 2044 ")
    assert by_trust.query() == {
        "trust_uid": "2044",
        "kind": "",
        "status": "",
        "active": "",
        "scope": "",
    }


def test_an_intervention_shows_its_steps_who_took_them_and_what_falls_due() -> None:
    i = InterventionView.from_dict(_intervention(urn=100001))
    view = InterventionPageView.build(
        i, today=TODAY, roles=("caseworker",), trust_name="Oak Trust", school_name="Elm Academy"
    )
    keys = {r.key: r for r in view.details}
    assert keys["Trust"].value == "Oak Trust (2044)"
    assert keys["Trust"].href == "/trusts/2044"
    assert keys["Academy"].href == "/schools/100001"
    assert keys["Response due"].value == "3 March 2027 (overdue by 7 days)"
    assert view.overdue is True
    assert [(s.status, s.actor, s.reason, s.decided_by) for s in view.steps] == [
        ("Issued", "cara.caseworker", "board minutes", "")
    ]
    # Each step says who decided it, their grade and its evidence, once they are recorded.
    decided = {
        **_intervention()["history"][0],
        "decided_by": "Rhian Director",
        "decider_grade": "regional_director",
        "evidence_ids": ["note-1", "note-2"],
    }
    with_decider = InterventionPageView.build(
        InterventionView.from_dict(_intervention(history=[decided])),
        today=TODAY,
        roles=("reader",),
        trust_name=None,
        school_name=None,
    )
    assert [(s.decided_by, s.evidence) for s in with_decider.steps] == [
        ("Rhian Director (Regional director)", "note-1, note-2")
    ]
    assert view.may_change is True
    assert view.escalate_href is not None
    assert "kind=termination_notice" in view.escalate_href
    reader = InterventionPageView.build(
        i, today=TODAY, roles=("reader",), trust_name=None, school_name=None
    )
    assert reader.may_change is False and reader.escalate_href is None


def test_the_status_form_offers_every_other_status_and_checks_the_date() -> None:
    form = StatusForm.parse(
        FormData({"status": "closed", "effective_on": "14/01/2027", "version": "3"})
    )
    assert form.version == 3
    assert form.errors.on("effective_on") is not None
    assert "issued" not in [c.value for c in form.choices("issued")]
    empty = StatusForm.parse(FormData({"version": "3"}))
    assert set(empty.errors.fields) == {"status", "decided_by", "decider_grade", "reason"}
    ok = StatusForm.parse(
        FormData(
            {
                "status": "closed",
                "version": "3",
                "decided_by": "Rhian Director",
                "decider_grade": "regional_director",
                "reason": "Complied",
                "evidence_ids": "note-1\n\n note-2 \n",
            }
        )
    )
    assert not ok.errors
    assert ok.body() == {
        "status": "closed",
        "decided_by": "Rhian Director",
        "decider_grade": "regional_director",
        "reason": "Complied",
        "evidence_ids": ["note-1", "note-2"],
    }


def test_the_issue_form_checks_what_it_can_and_sends_the_apis_body() -> None:
    bad = IssueForm.parse(FormData({"kind": "warning", "trust_uid": "x", "urn": "12"}))
    assert set(bad.errors.fields) == {
        "kind",
        "trust_uid",
        "urn",
        "grounds",
        "decided_by",
        "decider_grade",
    }
    form = IssueForm.parse(
        FormData(
            {
                "kind": "notice_to_improve",
                "trust_uid": "2044",
                "grounds": "Finance",
                "conditions": "Appoint a chair\n\n  Publish accounts  \n",
                "decided_by": "Dee Deputy",
                "decider_grade": "deputy_director",
            }
        )
    )
    assert not form.errors
    assert form.body() == {
        "kind": "notice_to_improve",
        "trust_uid": 2044,
        "grounds": "Finance",
        "conditions": ["Appoint a chair", "Publish accounts"],
        "published": True,
        "decided_by": "Dee Deputy",
        "decider_grade": "deputy_director",
        "evidence_ids": [],
    }
    assert [(c.value, c.text, c.selected) for c in grade_choices(["grade_6", "minister"], "")] == [
        ("grade_6", "Grade 6", False),
        ("minister", "Minister", False),
    ]


def _plan(**over: Any) -> dict[str, Any]:
    school = {
        "urn": 100010,
        "name": "Ash Primary",
        "la_code": "383",
        "la_name": "Leeds",
        "district_name": None,
        "phase": "Primary",
        "pupils": 210,
        "ofsted_grade": "good",
        "ofsted_date": "2024-05-01",
    }
    body: dict[str, Any] = {
        "area": {
            "name": "West Somerset",
            "kind": "district",
            "la_codes": ["933"],
            "districts": ["West Somerset"],
            "eia": False,
            "priority": True,
        },
        "as_of": "2027-03-10",
        "schools_not_in_trust": {
            "total": 30,
            "items": [school, {**school, "urn": 100011, "name": "Birch Primary"}],
            "next_cursor": "p2",
        },
        "schools_under_intervention": {
            "total": 1,
            "items": [
                {
                    **school,
                    "urn": 100012,
                    "trust_uid": 2044,
                    "trust_name": "Oak Trust",
                    "interventions": [
                        {
                            "intervention_id": "a" * 32,
                            "kind": "notice_to_improve",
                            "status": "issued",
                            "issued_on": "2027-01-05",
                            "urn": None,
                        }
                    ],
                }
            ],
            "next_cursor": None,
        },
        "open_cases": {"total": 0, "items": []},
        "coverage_interval": "year",
        "coverage": [
            {
                "on": f"{year}-12-31",
                "schools_open": 40,
                "schools_in_trust": 10 + year - 2022,
                "share_schools_in_trust": (10 + year - 2022) / 40,
                "pupils": 8000,
                "pupils_in_trust": 2000,
                "share_pupils_in_trust": 0.25,
            }
            for year in (2024, 2022, 2023)
        ],
        "notes": [],
    }
    body.update(over)
    return body


def _stuck(*items: dict[str, Any]) -> StuckSchoolList:
    return StuckSchoolList.from_dict(
        {
            "on": "2027-03-10",
            "rule_version": 2,
            "rule_title": "Stuck schools",
            "items": list(items),
        }
    )


STUCK_ITEM: dict[str, Any] = {
    "urn": 100013,
    "name": "Elm Primary",
    "la_code": "933",
    "la_name": "Somerset",
    "region_code": "K",
    "trust_uid": None,
    "rule_version": 2,
    "latest": {
        "framework": "report_card",
        "inspection_start": "2026-01-14",
        "report_card": {"leadership_and_governance": "needs_attention"},
    },
    "previous": {
        "framework": "single_grade",
        "inspection_start": "2021-01-10",
        "overall_effectiveness": "requires_improvement",
    },
}


def test_an_area_plan_draws_coverage_oldest_first_with_a_table_beside_it() -> None:
    plan = AreaPlan.from_dict(_plan())
    places = {100010: (300_000, 400_000), 100011: (None, None)}
    view = AreaPlanView.build(
        plan,
        places,
        _stuck(STUCK_ITEM),
        interval="year",
        not_in_trust_cursor="",
        under_intervention_cursor="",
    )
    assert [p.label for p in view.chart.points] == ["2022", "2023", "2024"]
    assert view.chart.description == "2022: 25%, 2023: 28%, 2024: 30%"
    assert [c.schools for c in view.coverage] == ["10 of 40", "11 of 40", "12 of 40"]
    # The schools not in a trust on the map: one placed, one without a grid reference.
    assert len(view.map.points) == 1
    assert view.map.unplaced == 1
    assert view.not_in_trust_pages.next_href == (
        "/areas/West%20Somerset?not_in_trust_cursor=p2#not-in-trust"
    )
    assert view.under_notice[0].notices[0].href == f"/interventions/{'a' * 32}"
    assert view.other_interval_href == "/areas/West%20Somerset?interval=month#coverage"
    # The registry's stuck schools, each with its rule version and both inspections in
    # their own era's words.
    assert view.stuck.rule == "Stuck schools (version 2, in force on 10 March 2027)"
    (stuck,) = view.stuck.schools
    assert (stuck.href, stuck.rule_version) == ("/schools/100013", 2)
    assert (stuck.latest.date, stuck.latest.outcome, stuck.latest.framework) == (
        "14 January 2026",
        "Leadership and governance: Needs attention",
        "Report card",
    )
    assert (stuck.previous.outcome, stuck.previous.framework) == (
        "Requires improvement",
        "Single grade",
    )


def test_a_second_page_of_one_list_keeps_the_other_lists_place() -> None:
    plan = AreaPlan.from_dict(_plan())
    view = AreaPlanView.build(
        plan, {}, _stuck(), interval="month", not_in_trust_cursor="", under_intervention_cursor="u2"
    )
    assert view.not_in_trust_pages.next_href == (
        "/areas/West%20Somerset?interval=month&under_intervention_cursor=u2"
        "&not_in_trust_cursor=p2#not-in-trust"
    )
    assert view.under_notice_pages.first_href == (
        "/areas/West%20Somerset?interval=month#under-intervention"
    )


def test_the_area_list_links_each_plan() -> None:
    areas = AreaList.from_dict(
        {
            "items": [
                {
                    "name": "Hastings",
                    "kind": "district",
                    "la_codes": ["845"],
                    "districts": ["Hastings"],
                    "eia": False,
                    "priority": True,
                    "schools_open": 38,
                    "schools_in_trust": 27,
                    "schools_not_in_trust": 11,
                    "pupils_in_trust": 9120,
                    "pupils_total": 11540,
                    "share_schools_in_trust": 0.7105,
                    "share_pupils_in_trust": 0.7903,
                }
            ]
        }
    )
    view = AreaListView.build(areas, priority="")
    assert view.areas[0].href == area_href("Hastings") == "/areas/Hastings"
    assert view.areas[0].share_text == "71%"


def test_pagination_names_its_cursor() -> None:
    pages = Pagination.build("/x", {"a": "1", "c2": "old"}, "new", param="c2", fragment="f")
    assert pages.next_href == "/x?a=1&c2=new#f"
    assert pages.first_href == "/x?a=1#f"


def test_grid_references_are_remembered_for_a_while_and_bounded() -> None:
    now = [0.0]
    places = GridReferences(ttl_s=60, max_entries=2, clock=lambda: now[0])
    places.remember({100001: (1, 2), 100002: (None, None)})
    assert places.known([100001, 100002, 100003]) == {100001: (1, 2), 100002: (None, None)}
    places.remember({100003: (5, 6)})
    assert places.known([100001, 100002, 100003]) == {100002: (None, None), 100003: (5, 6)}
    now[0] = 61.0
    assert places.known([100002, 100003]) == {}


def test_the_start_page_offers_notices_and_area_plans_to_those_who_read_them() -> None:
    reader = [i.href for i in StartPage.build(["reader"]).items]
    assert "/interventions" in reader and "/areas" in reader
    assessor = [i.href for i in StartPage.build(["assessor"]).items]
    assert "/interventions" not in assessor and "/areas" not in assessor
