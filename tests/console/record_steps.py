"""Issue 13's records in the browser: an advisory board with a declared conflict, a
significant change with an objection and its decision, and the published register with its
CSV and JSON. The records are made over the API (the console reads them; it has no forms to
make them), then found and read in the browser and checked by axe-core."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from shared import reference
from shared.http.auth import Role
from tests.console.conftest import ConsoleWorld
from tests.console.live import reload_until, screenshot
from tests.e2e.test_story import TODAY


async def no_serious_violations(page: Page) -> None:
    """axe-core finds nothing serious or critical on the page."""
    results = await Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, (page.url, bad)


async def _made(world: ConsoleWorld, path: str, body: dict[str, Any] | None, **kw: Any) -> Any:
    """A write over the API as a caseworker (or ``role``), at the record's version."""
    role = kw.get("role", Role.CASEWORKER)
    who = "dina.director" if role is Role.DECISION_MAKER else "cara.caseworker"
    headers = world.story.as_(role, who, "console test setup")
    if "version_of" in kw:
        read = await world.story.commissioning.get(kw["version_of"], headers=headers)
        assert read.status_code == 200, read.text
        headers["If-Match"] = read.headers["ETag"]
    answer = await world.story.commissioning.request(
        kw.get("method", "POST"), path, json=body, headers=headers
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@dataclass(frozen=True)
class Board:
    """The board made for the test, and the case on its agenda."""

    board_id: str
    title: str
    case_title: str
    region_name: str


async def a_board_with_a_conflict(world: ConsoleWorld) -> Board:
    """A board in the school's region, a member with a declared interest in the school, and a
    case about the school on its agenda: a conflict (test setup, over the API)."""
    region = await world.pool.fetchval(
        "SELECT region_code FROM registry_schools WHERE urn = $1", world.urn
    )
    case_title = "Before the advisory board"
    case = await _made(
        world, "/cases", {"urns": [world.urn], "trigger": "rebrokerage", "title": case_title}
    )
    title = f"Advisory board {TODAY:%B %Y}"
    board = await _made(
        world, "/boards", {"region_code": region, "board_date": TODAY.isoformat(), "title": title}
    )
    base = f"/boards/{board['board_id']}"
    steps: list[tuple[str, dict[str, Any] | None]] = [
        ("/members", {"name": "Helen Head", "subject": "helen.head", "kind": "elected_head"}),
        ("/members", {"name": "Colin Coopted", "subject": "colin", "kind": "co_opted"}),
        (
            "/interests",
            {
                "subject": "helen.head",
                "urn": world.urn,
                "interest": "Governor",
                "from_date": "2020-09-01",
                "source": "Register of interests, 2026",
            },
        ),
        ("/agenda", {"case_id": case["id"]}),
        ("/agenda/publish", None),
    ]
    for path, body in steps:
        await _made(world, base + path, body, version_of=base)
    await _made(
        world,
        base + "/notes",
        {"notes": "The board advised on the case.", "published": True},
        version_of=base,
        method="PUT",
    )
    return Board(board["board_id"], title, case_title, reference.regions()[region].name)


async def read_the_board(page: Page, board: Board) -> None:
    """Find the board in its region's list; its members, interests, agenda with the conflict
    highlighted, and published notes."""
    await page.goto("/boards")
    await page.get_by_label("Region").select_option(label=board.region_name)
    await page.get_by_role("button", name="Show").click()
    listed = page.get_by_role("row").filter(has_text=board.title).first
    # The list is commissioning's read model: reload until its consumer has the board whole.
    await reload_until(
        page, listed.filter(has_text="Published").is_visible, "the board to reach the list"
    )
    await expect(listed).to_contain_text(board.region_name)
    await expect(listed).to_contain_text("Published")
    await no_serious_violations(page)
    await listed.get_by_role("link", name=board.title).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(board.title)
    await expect(page.locator(".govuk-warning-text")).to_contain_text(
        "1 case has a member with a declared interest"
    )
    agenda = page.get_by_role("table").filter(has_text="Cases on the agenda")
    item = agenda.get_by_role("row").filter(has_text=board.case_title)
    await expect(item.locator(".govuk-tag--red")).to_have_text("Conflict")
    await expect(item).to_contain_text("Helen Head: Governor of school")
    members = page.get_by_role("table").filter(has_text="Members of the board")
    await expect(members.locator("tbody tr")).to_have_count(2)
    interests = page.get_by_role("table").filter(has_text="Declared interests")
    await expect(interests.get_by_role("row").filter(has_text="Helen Head")).to_contain_text(
        "In force"
    )
    await expect(page.locator("#notes")).to_have_text("Notes (published)")
    await expect(page.locator("main")).to_contain_text("The board advised on the case.")
    await no_serious_violations(page)
    await screenshot(page, "board")
    await item.get_by_role("link", name=board.case_title).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(board.case_title)


async def a_decided_significant_change(world: ConsoleWorld) -> str:
    """A change to the academy, consulted on, objected to and approved (over the API)."""
    made = await _made(
        world,
        "/significant-changes",
        {
            "urn": world.urn,
            "change_type": "age_range",
            "description": "Add a nursery class.",
            "consultation_start": "2026-01-05",
            "consultation_end": "2026-02-13",
        },
    )
    change = f"/significant-changes/{made['significant_change_id']}"
    objection = {"objector": "A parent", "summary": "Too few places.", "received_on": "2026-02-02"}
    await _made(world, change + "/objections", objection, version_of=change)
    decision = {
        "outcome": "approved",
        "reasons": "Places are needed nearby.",
        "decision_maker_name": "Dina Director",
        "decision_maker_grade": "regional_director",
        "equality": {"likely_impact": "None adverse.", "mitigation": "None needed."},
    }
    await _made(world, change + "/decision", decision, version_of=change, role=Role.DECISION_MAKER)
    change_id: str = made["significant_change_id"]
    return change_id


async def read_the_change(page: Page, change_id: str, school_name: str) -> None:
    """Refused a bad id first, then found by its id: the proposal, objection and decision."""
    await page.goto("/significant-changes")
    await page.get_by_label("The change's id").fill("not-an-id")
    await page.get_by_role("button", name="Find it").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link").first).to_have_attribute("href", "#change_id")
    await no_serious_violations(page)
    await page.get_by_label("The change's id").fill(change_id)
    await page.get_by_role("button", name="Find it").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Age range: {school_name}")
    objections = page.get_by_role("table").filter(has_text="Objections received")
    await expect(objections.get_by_role("row").filter(has_text="A parent")).to_contain_text(
        "Too few places."
    )
    decision = page.locator(".govuk-summary-list").nth(1)
    await expect(decision).to_contain_text("Approved")
    await expect(decision).to_contain_text("Dina Director (Regional director)")
    await expect(decision).to_contain_text("Objections considered")
    await no_serious_violations(page)
    await screenshot(page, "significant-change")
    # The list, newest first, leads to the same change, decided.
    await page.goto("/significant-changes")
    link = f"a[href='/significant-changes/{change_id}']"
    listed = page.locator(f"#changes ~ table {link}")
    row = page.get_by_role("row").filter(has=page.locator(link))
    await expect(row).to_contain_text("Age range")
    await expect(row).to_contain_text("Approved on")
    await no_serious_violations(page)
    await listed.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Age range: {school_name}")


async def read_the_register(page: Page, world: ConsoleWorld) -> None:
    """The three lists as tables, each downloadable as CSV (the API's columns) and JSON."""
    await page.goto("/register")
    for heading in ("Decisions", "Notices", "Completed transfers"):
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
    await no_serious_violations(page)
    link = page.get_by_role("link", name="Download the decisions as CSV")
    await expect(link).to_have_attribute("href", "/register/decisions.csv")
    answer = await page.request.get("/register/decisions.csv")
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(await answer.text())))
    assert header[:3] == ["decision_id", "region_code", "decision_date"]
    api = await world.story.commissioning.get(
        "/register/decisions", headers=world.story.as_(Role.READER, "test")
    )
    listed = await page.request.get("/register/decisions.json")
    assert listed.ok and (await listed.json()) == api.json()
    rows = page.get_by_role("table").filter(has_text="Decisions, as published").locator("tbody tr")
    await expect(rows).to_have_count(len(api.json()["items"]))
