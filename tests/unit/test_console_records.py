"""The console's view models for advisory boards, significant changes and the published
register, without a browser: built from the SDK's models as commissioning answers them."""

from __future__ import annotations

from typing import Any

from commissioning_client.models import (
    BoardList,
    BoardView,
    DecisionRegister,
    NoticeRegister,
    SignificantChangeView,
    TransferRegister,
)
from commissioning_client.models import (
    SignificantChangePage as ChangeList,
)

from services.console.views.boards import BoardListView, BoardPageView
from services.console.views.register import RegisterView
from services.console.views.significant_changes import ChangeListView, SignificantChangePage

CASE = "c" * 32


def _board(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "board_id": "b" * 32,
        "region_code": "D",
        "board_date": "2027-01-14",
        "title": "January board",
        "members": [
            {"subject": "helen", "name": "Helen Head", "kind": "elected_head"},
            {"subject": "colin", "name": "Colin Coopted", "kind": "co_opted"},
        ],
        "interests": [
            {
                "subject": "helen",
                "trust_uid": 2044,
                "urn": None,
                "interest": "Trustee",
                "from_date": "2020-09-01",
                "to_date": None,
                "source": "Register, 2026",
                "in_force_on_board_date": True,
            },
            {
                "subject": "colin",
                "trust_uid": None,
                "urn": 100010,
                "interest": "Governor",
                "from_date": "2019-01-01",
                "to_date": "2020-01-01",
                "source": None,
                "in_force_on_board_date": False,
            },
        ],
        "agenda": [
            {
                "case_id": CASE,
                "conflicts": [
                    {
                        "subject": "helen",
                        "name": "Helen Head",
                        "trust_uid": 2044,
                        "urn": None,
                        "interest": "Trustee",
                    }
                ],
            },
            {"case_id": "d" * 32, "conflicts": []},
        ],
        "agenda_status": "published",
        "agenda_published_on": "2027-01-02",
        "notes": None,
        "notes_status": "none",
        "version": 7,
    }
    body.update(over)
    return body


def test_a_board_highlights_each_case_with_a_conflict_and_names_its_members() -> None:
    view = BoardPageView.build(BoardView.from_dict(_board()), {CASE: "Rebrokerage of Oak"})
    assert view.conflicted == 1
    first, second = view.agenda
    assert (first.title, first.href) == ("Rebrokerage of Oak", f"/cases/{CASE}")
    assert first.conflicts == ["Helen Head: Trustee of trust 2044"]
    # A case the user may not read is shown by its id, with no conflict.
    assert (second.title, second.conflicts) == (f"Case {'d' * 32}", [])
    helen, colin = view.interests
    assert (helen.member, helen.what, helen.href, helen.in_force) == (
        "Helen Head",
        "Trust 2044",
        "/trusts/2044",
        True,
    )
    assert (colin.what, colin.dates, colin.in_force) == (
        "School 100010",
        "1 January 2019 to 1 January 2020",
        False,
    )
    assert [m.kind for m in view.members] == ["Elected head", "Co opted"]
    assert {r.key: r.value for r in view.details}["Agenda"] == "Published on 2 January 2027"
    assert view.notes_status == "None"


def test_the_board_list_names_regions_and_keeps_the_chosen_one() -> None:
    found = BoardList.from_dict(
        {
            "items": [
                {
                    "board_id": "b" * 32,
                    "region_code": "D",
                    "board_date": "2027-01-14",
                    "title": "January board",
                    "members": 2,
                    "agenda_cases": 1,
                    "agenda_status": "draft",
                    "notes_status": "none",
                    "version": 3,
                }
            ]
        }
    )
    view = BoardListView.build(found, region="D")
    (row,) = view.boards
    assert (row.region, row.href, row.agenda) == (
        "Yorkshire and the Humber",
        f"/boards/{'b' * 32}",
        "Draft",
    )
    assert [c.value for c in view.regions if c.selected] == ["D"]


def test_a_significant_change_shows_its_objections_and_decision() -> None:
    change = SignificantChangeView.from_dict(
        {
            "significant_change_id": "e" * 32,
            "urn": 100010,
            "trust_uid": 2044,
            "change_type": "age_range",
            "tier": "full_business_case",
            "types_policy_version": 1,
            "description": "Add a nursery class.",
            "consultation_start": "2026-10-01",
            "consultation_end": "2026-11-12",
            "proposed_on": "2026-09-20",
            "proposed_by": "carol",
            "objections": [
                {
                    "objector": "A parent",
                    "summary": "Too few places.",
                    "received_on": "2026-10-10",
                    "recorded_by": "carol",
                }
            ],
            "decision": {
                "outcome": "approved_with_conditions",
                "reasons": "Places are needed.",
                "conditions": ["Open by September"],
                "decision_maker_name": "Dee Deputy",
                "decision_maker_grade": "deputy_director",
                "equality": {"likely_impact": "None adverse.", "mitigation": "None needed."},
                "objections_considered": 1,
                "decided_on": "2026-11-20",
                "types_policy_version": 1,
                "recorded_by": "dora",
            },
            "version": 3,
        }
    )
    view = SignificantChangePage.build(change, "Oak Primary")
    assert view.title == "Age range: Oak Primary"
    assert view.proposal[0].href == "/schools/100010"
    decision = {r.key: r.value for r in view.decision}
    assert decision["Decision maker"] == "Dee Deputy (Deputy director)"
    assert decision["Objections considered"] == "1"
    assert view.conditions == ["Open by September"]
    assert [o.objector for o in view.objections] == ["A parent"]
    undecided = SignificantChangePage.build(
        SignificantChangeView.from_dict({**change.to_dict(), "decision": None}), None
    )
    assert undecided.decision == [] and undecided.title == "Age range: School 100010"


def test_the_significant_change_list_links_each_change_and_pages_on() -> None:
    item = {
        "significant_change_id": "e" * 32,
        "urn": 100010,
        "school_name": "Oak Primary",
        "trust_uid": 2044,
        "change_type": "age_range",
        "tier": "tier_1",
        "consultation_end": "2026-11-12",
        "proposed_on": "2026-09-20",
        "outcome": "approved_with_conditions",
        "decided_on": "2026-11-20",
    }
    undecided = item | {
        "significant_change_id": "d" * 32,
        "school_name": None,
        "outcome": None,
        "decided_on": None,
    }
    page = ChangeList.from_dict({"items": [undecided, item], "next_cursor": "abc"})
    view = ChangeListView.build(page)
    newer, older = view.changes
    assert (newer.href, newer.school, newer.outcome) == (
        f"/significant-changes/{'d' * 32}",
        "School (100010)",
        "Not decided",
    )
    assert (older.school, older.change, older.tier) == (
        "Oak Primary (100010)",
        "Age range",
        "Tier 1",
    )
    assert older.outcome == "Approved with conditions on 20 November 2026"
    assert older.consultation_end == "12 November 2026"
    assert view.pagination.next_href == "/significant-changes?cursor=abc#changes"
    assert view.pagination.first_href is None
    last = ChangeListView.build(ChangeList.from_dict({"items": [item]}), cursor="abc")
    assert last.pagination.next_href is None
    assert last.pagination.first_href == "/significant-changes#changes"


def test_the_register_links_each_list_as_csv_and_json_for_the_region() -> None:
    decision = {
        "decision_id": "f" * 32,
        "region_code": "D",
        "decision_date": "2026-12-01",
        "urns": [100010],
        "school_names": ["Oak Primary"],
        "la_codes": ["383"],
        "case_trigger": "rebrokerage",
        "outcome": "approved",
        "reason_codes": ["trust_capacity"],
        "conditions": [],
        "trust_uid": 2044,
        "trust_name": "Oak Trust",
        "significant_date": "2027-04-01",
        "decision_maker_grade": "deputy_director",
        "decision_maker_name": None,
        "superseded_by": None,
    }
    view = RegisterView.build(
        DecisionRegister.from_dict({"items": [decision], "next_cursor": None}),
        NoticeRegister.from_dict({"items": [], "next_cursor": None}),
        TransferRegister.from_dict({"items": [], "next_cursor": None}),
        region="D",
    )
    decisions, notices, transfers = view.tables
    assert [d.href for d in decisions.downloads] == [
        "/register/decisions.csv?region=D",
        "/register/decisions.json?region=D",
    ]
    (row,) = decisions.rows
    cells = dict(zip(decisions.columns, row, strict=True))
    assert (cells["Schools"].text, cells["Schools"].href) == (
        "Oak Primary (100010)",
        "/schools/100010",
    )
    # Below director level the register names the grade alone.
    assert cells["Decision maker"].text == "Deputy director"
    assert notices.rows == [] and transfers.rows == []
    assert [c.value for c in view.regions if c.selected] == ["D"]
    assert not decisions.more and decisions.count == "1"
    assert decisions.pagination.next_href is None


def test_a_register_list_with_more_pages_says_so_and_pages_on_by_its_own_cursor() -> None:
    notice = {
        "intervention_id": "a" * 32,
        "notice_kind": "termination_warning_notice",
        "region_code": "D",
        "trust_uid": 2044,
        "trust_name": "Oak Trust",
        "urn": None,
        "school_name": None,
        "issued_on": "2027-01-04",
        "status": "issued",
        "response_due_on": "2027-01-25",
        "conditions": [],
    }
    empty: dict[str, Any] = {"items": [], "next_cursor": None}
    view = RegisterView.build(
        DecisionRegister.from_dict(empty),
        NoticeRegister.from_dict({"items": [notice], "next_cursor": "n2"}),
        TransferRegister.from_dict(empty),
        region="D",
        cursors={"decisions": "d1"},
    )
    decisions, notices, transfers = view.tables
    # Only the notices go on; the link keeps the region and the other list's place.
    assert notices.more and notices.count == "1 shown"
    assert notices.csv_href == "/register/notices.csv?region=D"
    assert notices.pagination.next_href == (
        "/register?region=D&decisions_cursor=d1&notices_cursor=n2#notices"
    )
    assert not transfers.more and transfers.pagination.first_href is None
    # The decisions were read past their first page: back to it, keeping the region.
    assert not decisions.more
    assert decisions.pagination.first_href == "/register?region=D#decisions"
    assert decisions.count == "0 shown"
