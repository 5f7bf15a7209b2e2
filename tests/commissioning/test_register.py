"""The open register over HTTP: a decision appears only once its board's notes are
published, anonymised below director level, as JSON and as CSV."""

from __future__ import annotations

import csv
import io

import asyncpg
import httpx

from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import Settings
from tests.commissioning.conftest import bearer
from tests.commissioning.test_authority_api import decide
from tests.commissioning.test_boards import a_board, a_case_at_the_board, post
from tests.commissioning.test_cases_api import approval


async def test_an_unpublished_decision_is_left_out_of_the_register(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    reader = bearer(settings, Role.READER, "rita")
    dm = bearer(settings, Role.DECISION_MAKER, "dora")
    # Two decided cases on one board: one approved by a regional director, one deferred by
    # a deputy director; and a third decided case on no board at all.
    approved, trust, urn = await a_case_at_the_board(commissioning, settings, log, pool)
    deferred, _, _ = await a_case_at_the_board(commissioning, settings, log, pool)
    elsewhere, other_trust, _ = await a_case_at_the_board(commissioning, settings, log, pool)
    board_id = await a_board(commissioning, settings)
    for case_id in (approved, deferred):
        await post(commissioning, settings, f"/boards/{board_id}/agenda", {"case_id": case_id})
    body = approval(trust, outcome="approved_with_conditions", conditions=["Land agreed."])
    assert (await decide(commissioning, settings, approved, dm, body)).status_code == 200
    deferral = {
        "outcome": "deferred",
        "decided_on": body["decided_on"],
        "decision_maker_name": "Dee Deputy",
        "decision_maker_capacity": "deputy_director",
        "rationale": "Secret evidence about the trust's finances.",
        "reason_codes": ["additional_information_needed"],
    }
    deferred_answer = await decide(commissioning, settings, deferred, dm, deferral)
    assert deferred_answer.status_code == 200, deferred_answer.text
    assert (
        await decide(commissioning, settings, elsewhere, dm, approval(other_trust))
    ).status_code == 200

    ours = {approved, deferred, elsewhere}
    in_register = await commissioning.get("/register/decisions", headers=reader)
    seen = {i["decision_id"] for i in in_register.json()["items"]}
    case_decisions = {
        c: (await commissioning.get(f"/cases/{c}", headers=reader)).json()["decision"][
            "decision_id"
        ]
        for c in ours
    }
    # The notes are a draft: nothing of this board is published.
    await post(
        commissioning, settings, f"/boards/{board_id}/notes", {"notes": "Draft."}, method="PUT"
    )
    in_register = await commissioning.get("/register/decisions", headers=reader)
    assert not set(case_decisions.values()) & {
        i["decision_id"] for i in in_register.json()["items"]
    }
    assert not set(case_decisions.values()) & seen

    await post(
        commissioning,
        settings,
        f"/boards/{board_id}/notes",
        {"notes": "Published.", "published": True},
        method="PUT",
    )
    items = {
        i["decision_id"]: i
        for i in (await commissioning.get("/register/decisions", headers=reader)).json()["items"]
    }
    assert case_decisions[approved] in items and case_decisions[deferred] in items
    # The case on no board published nothing.
    assert case_decisions[elsewhere] not in items
    shown = items[case_decisions[approved]]
    assert shown["decision_maker_name"] == "Jane Smith"
    assert shown["decision_maker_grade"] == "regional_director"
    assert shown["conditions"] == ["Land agreed."] and shown["urns"] == [urn]
    held_back = items[case_decisions[deferred]]
    assert held_back["decision_maker_grade"] == "deputy_director"
    assert held_back["decision_maker_name"] is None
    assert "Secret" not in str(items) and "rationale" not in held_back

    as_csv = await commissioning.get("/register/decisions?format=csv", headers=reader)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {r["decision_id"] for r in rows} == set(items)
    row = next(r for r in rows if r["decision_id"] == case_decisions[deferred])
    assert row["decision_maker_name"] == "" and row["outcome"] == "deferred"
    by_accept = await commissioning.get(
        "/register/decisions", headers={**reader, "Accept": "text/csv"}
    )
    assert by_accept.text == as_csv.text

    # Page by page (one at a time), the JSON is the CSV's rows in the CSV's order.
    paged: list[str] = []
    params: dict[str, str | int] = {"limit": 1}
    while True:
        answer = await commissioning.get("/register/decisions", params=params, headers=reader)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= 1
        paged += [i["decision_id"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 1, "cursor": page["next_cursor"]}
    assert paged == [r["decision_id"] for r in rows] and len(paged) >= 2


async def test_the_register_csv_has_its_documented_columns_even_when_empty(
    commissioning: httpx.AsyncClient, settings: Settings
) -> None:
    reader = bearer(settings, Role.READER, "rita")
    for kind, first in (
        ("notices", "intervention_id"),
        ("transfers", "project_id"),
        ("decisions", "decision_id"),
    ):
        answer = await commissioning.get(
            f"/register/{kind}", params={"format": "csv", "region": "K"}, headers=reader
        )
        assert answer.status_code == 200, answer.text
        assert answer.text.split("\r\n")[0].split(",")[0] == first
        as_json = await commissioning.get(
            f"/register/{kind}", params={"region": "K", "limit": 2}, headers=reader
        )
        assert as_json.status_code == 200, as_json.text
        assert set(as_json.json()) == {"items", "next_cursor"}
    bad = await commissioning.get("/register/notices", params={"format": "xml"}, headers=reader)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "format"]
    # The CSV is the whole register: paging it is refused, naming what was given.
    paged = await commissioning.get(
        "/register/transfers", params={"format": "csv", "limit": 5}, headers=reader
    )
    assert paged.status_code == 422, paged.text
    assert [e["loc"] for e in paged.json()["errors"]] == [["query", "limit"]]
    for kind in ("notices", "transfers", "decisions"):
        foreign = await commissioning.get(
            f"/register/{kind}", params={"cursor": "bm90LW91cnM"}, headers=reader
        )
        assert foreign.status_code == 422, foreign.text
        # Well-formed keys naming no day (day 0, or past the year 9999): 422, not a crash.
        for made in ("MC4x", "OTk5OTk5OTkuMQ"):
            no_day = await commissioning.get(
                f"/register/{kind}", params={"cursor": made}, headers=reader
            )
            assert no_day.status_code == 422, no_day.text
