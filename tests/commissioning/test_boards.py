"""Advisory boards over HTTP: members and their interests, an agenda with its conflicts, the
notes' publication, a member with an interest kept from deciding, and a rebuild."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import httpx

from services.commissioning.boards.projection import READ_MODEL_TABLES, boards_projection
from services.commissioning.main import create_app
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.rebuild import rebuild_projection
from shared.eventlog.store import EventStore
from shared.http.auth import Role, issue_token
from shared.http.deps import today
from shared.settings import Settings
from tests.commissioning.conftest import (
    TODAY,
    at_version,
    bearer,
    known,
    register_school,
    register_trust,
)
from tests.commissioning.test_authority_api import SEPARATION, decide
from tests.commissioning.test_cases_api import approval, open_case, to_the_board
from tests.integration.helpers import wait_until

CW = Role.CASEWORKER


async def post(
    client: httpx.AsyncClient,
    settings: Settings,
    path: str,
    body: dict[str, Any] | None,
    *,
    method: str = "POST",
    expect: int = 200,
) -> dict[str, Any]:
    """A board write at the board's current version; its answer's JSON."""
    board = "/".join(path.split("/")[:3])
    headers = await at_version(client, settings, board, bearer(settings, CW))
    answer = await client.request(method, path, json=body, headers=headers)
    assert answer.status_code == expect, answer.text
    out: dict[str, Any] = answer.json()
    return out


async def a_board(client: httpx.AsyncClient, settings: Settings, region: str = "D") -> str:
    made = await client.post(
        "/boards",
        json={"region_code": region, "board_date": TODAY.isoformat(), "title": "December board"},
        headers=bearer(settings, CW),
    )
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == f"/boards/{made.json()['board_id']}"
    board_id: str = made.json()["board_id"]
    return board_id


async def a_case_at_the_board(
    client: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> tuple[str, int, int]:
    """A Leeds case with one trust shortlisted and at the board: the case, trust and school."""
    trust = await register_trust(log)
    member = await register_school(log, trust_uid=trust)
    urn = await register_school(log)
    await known(pool, urns=[urn, member], uids=[trust])
    case_id = await open_case(client, settings, [urn])
    await to_the_board(client, settings, case_id, [trust])
    return case_id, trust, urn


async def test_a_board_shows_its_members_conflicts_on_the_agenda_and_on_the_case(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, trust, urn = await a_case_at_the_board(commissioning, settings, log, pool)
    board_id = await a_board(commissioning, settings)
    base = f"/boards/{board_id}"
    for name, subject, kind in (
        ("Helen Head", "helen.head", "elected_head"),
        ("Colin Coopted", "colin", "co_opted"),
    ):
        await post(
            commissioning,
            settings,
            f"{base}/members",
            {"name": name, "subject": subject, "kind": kind},
        )
    declared = {"interest": "Trustee", "from_date": "2020-09-01", "source": "Register, Q3 2026"}
    await post(
        commissioning,
        settings,
        f"{base}/interests",
        {**declared, "subject": "helen.head", "trust_uid": trust},
    )
    await post(
        commissioning,
        settings,
        f"{base}/interests",
        {**declared, "subject": "colin", "urn": urn, "interest": "Governor"},
    )
    # An interest that ended before the board's date is no conflict.
    await post(
        commissioning,
        settings,
        f"{base}/interests",
        {**declared, "subject": "colin", "trust_uid": trust, "to_date": "2021-01-01"},
    )
    await post(commissioning, settings, f"{base}/agenda", {"case_id": case_id})

    reader = bearer(settings, Role.READER, "rita")
    board = (await commissioning.get(base, headers=reader)).json()
    assert [m["kind"] for m in board["members"]] == ["elected_head", "co_opted"]
    assert [i["in_force_on_board_date"] for i in board["interests"]] == [True, True, False]
    assert board["agenda_status"] == "draft" and board["notes_status"] == "none"
    [item] = board["agenda"]
    assert item["case_id"] == case_id
    assert {(c["subject"], c["trust_uid"], c["urn"]) for c in item["conflicts"]} == {
        ("helen.head", trust, None),
        ("colin", None, urn),
    }
    on_case = (await commissioning.get(f"/cases/{case_id}/boards", headers=reader)).json()
    [seen] = on_case["boards"]
    assert seen["board_id"] == board_id
    assert {c["name"] for c in seen["conflicts"]} == {"Helen Head", "Colin Coopted"}

    await post(commissioning, settings, f"{base}/agenda/publish", None)
    await post(
        commissioning, settings, f"{base}/notes", {"notes": "Advised approval."}, method="PUT"
    )
    assert (await commissioning.get(base, headers=reader)).json()["notes_status"] == "draft"
    await post(
        commissioning,
        settings,
        f"{base}/notes",
        {"notes": "Advised approval.", "published": True},
        method="PUT",
    )
    board = (await commissioning.get(base, headers=reader)).json()
    assert (board["agenda_status"], board["notes_status"]) == ("published", "published")
    back = await post(
        commissioning,
        settings,
        f"{base}/notes",
        {"notes": "Draft again", "published": False},
        method="PUT",
        expect=409,
    )
    assert "published" in back["detail"]


async def test_boards_are_listed_where_the_caller_acts_newest_first(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    leeds = await a_board(commissioning, settings, region="D")
    london = await a_board(commissioning, settings, region="H")
    await post(
        commissioning,
        settings,
        f"/boards/{leeds}/members",
        {"name": "Helen Head", "subject": "helen.head", "kind": "elected_head"},
    )

    async def listed(headers: dict[str, str], **params: str) -> dict[str, Any]:
        answer = await commissioning.get("/boards", params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        return {b["board_id"]: b for b in answer.json()["items"]}

    async def caught_up() -> bool:
        seen = await listed(bearer(settings, Role.READER, "rita"))
        return leeds in seen and london in seen and seen[leeds]["members"] == 1

    await wait_until(caught_up, timeout_s=30, what="the boards' read model")
    everywhere = await listed(bearer(settings, Role.READER, "rita"))
    assert everywhere[leeds]["members"] == 1 and everywhere[leeds]["agenda_status"] == "draft"
    assert everywhere[london]["notes_status"] == "none"
    dates = [b["board_date"] for b in everywhere.values()]
    assert dates == sorted(dates, reverse=True)
    assert london not in await listed(bearer(settings, Role.READER, "rita"), region="D")
    # A region's scope reaches its own boards only; an LA's reaches none.
    for scopes, sees in ((["region:D"], {leeds}), (["la:383"], set())):
        token = issue_token(settings, roles=[Role.READER], subject="rita", scopes=scopes)
        mine = await listed({"Authorization": f"Bearer {token}"})
        assert {leeds, london} & set(mine) == sees, scopes
    bad = await commissioning.get(
        "/boards", params={"region": "Z"}, headers=bearer(settings, Role.READER)
    )
    assert bad.status_code == 422


async def test_bad_board_input_is_refused_naming_the_field_and_nothing_is_written(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    board_id = await a_board(commissioning, settings, region="H")
    base = f"/boards/{board_id}"
    before = len(await log.read_stream(f"board-{board_id}"))
    not_member = await post(
        commissioning,
        settings,
        f"{base}/interests",
        {"subject": "nobody", "trust_uid": 5002, "interest": "x", "from_date": "2020-01-01"},
        expect=422,
    )
    assert ["body", "subject"] in [e["loc"] for e in not_member["errors"]]
    # A Leeds case (region D) on a London board.
    case_id, _, _ = await a_case_at_the_board(commissioning, settings, log, pool)
    elsewhere = await post(
        commissioning, settings, f"{base}/agenda", {"case_id": case_id}, expect=422
    )
    assert elsewhere["errors"][0]["loc"] == ["body", "case_id"]
    both = await post(
        commissioning,
        settings,
        f"{base}/members",
        {"name": "X", "subject": "x", "kind": "chair"},
        expect=422,
    )
    assert "kind" in str(both["errors"][0]["loc"])
    assert len(await log.read_stream(f"board-{board_id}")) == before


async def test_a_member_with_an_interest_in_the_trust_may_not_decide_the_case(
    commissioning: httpx.AsyncClient, settings: Settings, log: EventStore, pool: asyncpg.Pool
) -> None:
    case_id, trust, _ = await a_case_at_the_board(commissioning, settings, log, pool)
    board_id = await a_board(commissioning, settings)
    base = f"/boards/{board_id}"
    # Dora, the decision maker, sits on the board and is a trustee of the shortlisted trust.
    await post(
        commissioning,
        settings,
        f"{base}/members",
        {"name": "Dora", "subject": "dora", "kind": "appointed"},
    )
    await post(
        commissioning,
        settings,
        f"{base}/interests",
        {"subject": "dora", "trust_uid": trust, "interest": "Trustee", "from_date": "2019-01-01"},
    )
    dora = bearer(settings, Role.DECISION_MAKER, "dora")
    # Before the case is on the board's agenda her interest does not touch it: shown by
    # refusing only once it is, below, and by someone else deciding afterwards.
    await post(commissioning, settings, f"{base}/agenda", {"case_id": case_id})
    before = len(await log.read_stream(f"case-{case_id}"))
    refused = await decide(commissioning, settings, case_id, dora, approval(trust))
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["type"] == SEPARATION
    assert problem["rule"] == "declared-interest-may-not-decide"
    assert problem["trust_uids"] == [trust]
    assert len(await log.read_stream(f"case-{case_id}")) == before
    # Declining concerns the whole shortlist: refused too.
    declined = {**approval(None), "outcome": "declined", "reason_codes": ["performance"]}
    for drop in ("significant_date", "equality", "trust_uid"):
        declined.pop(drop)
    assert (await decide(commissioning, settings, case_id, dora, declined)).status_code == 403
    # Another decision maker, with no interest, decides it.
    other = bearer(settings, Role.DECISION_MAKER, "derek")
    decided = await decide(commissioning, settings, case_id, other, approval(trust))
    assert decided.status_code == 200, decided.text


async def test_the_boards_read_model_rebuilds_alike(
    settings: Settings, fresh_database: Callable[..., Awaitable[str]]
) -> None:
    url = await fresh_database()
    pool = await create_pool(url, settings)
    app = create_app(settings, url=url)

    async def fixed_today() -> date:
        return TODAY

    app.dependency_overrides[today] = fixed_today
    try:
        log = EventStore(pool, all_contracts())
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                case_id, _, urn = await a_case_at_the_board(client, settings, log, pool)
                board_id = await a_board(client, settings)
                base = f"/boards/{board_id}"
                await post(
                    client,
                    settings,
                    f"{base}/members",
                    {"name": "H", "subject": "h", "kind": "appointed"},
                )
                await post(
                    client,
                    settings,
                    f"{base}/interests",
                    {"subject": "h", "urn": urn, "interest": "Governor", "from_date": "2020-01-01"},
                )
                await post(client, settings, f"{base}/agenda", {"case_id": case_id})
                await post(client, settings, f"{base}/agenda/publish", None)
                await post(
                    client,
                    settings,
                    f"{base}/notes",
                    {"notes": "N", "published": True},
                    method="PUT",
                )
                await a_board(client, settings, region="H")
        rows = "SELECT * FROM commissioning_boards ORDER BY board_id"
        before = [dict(r) for r in await pool.fetch(rows)]
        assert len(before) == 2
        assert any(r["agenda"] == [case_id] and r["notes_published_on"] for r in before)
        report = await rebuild_projection(
            url,
            settings,
            boards_projection(),
            READ_MODEL_TABLES,
            all_contracts(),
            service="commissioning",
        )
        assert report.events == 7
        assert [dict(r) for r in await pool.fetch(rows)] == before
    finally:
        await pool.close()
