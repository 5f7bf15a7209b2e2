"""The console in a real browser (Debian's Chromium, driven by Playwright) against the three
services over HTTP: the commissioning story, an assessment with two people, a GIAS upload,
the security of forms and the session cookie, and every page checked by axe-core."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from services.commissioning.area_plans.queries import coverage_dates
from services.console.views.common import long_date
from shared import reference
from shared.clock import today_in_england
from shared.http.auth import Role
from shared.settings import ServiceName
from tests.console.conftest import ConsoleWorld
from tests.console.live import DEADLINE_MS, reload_until, screenshot
from tests.console.project_steps import confirm_the_actual_date, work_the_project
from tests.console.record_steps import (
    a_board_with_a_conflict,
    a_decided_significant_change,
    read_the_board,
    read_the_change,
    read_the_register,
)
from tests.console.school_steps import take_the_first_step
from tests.console.stuck_steps import (
    area_shows_stuck,
    make_one_stuck_in,
    shows_stuck,
    stuck_schools,
)
from tests.console.trust_steps import work_the_trust_intervention
from tests.e2e.test_story import SIGNIFICANT, TODAY

pytestmark = pytest.mark.slow


async def test_a_form_post_without_the_csrf_token_is_refused_and_the_cookie_is_safe(
    world: ConsoleWorld,
) -> None:
    async with httpx.AsyncClient(base_url=world.console_url) as client:
        page = await client.get("/sign-in")
        cookie = page.headers["set-cookie"]
        assert "httponly" in cookie.lower()
        assert "samesite=lax" in cookie.lower()
        assert "secure" not in cookie.lower()  # plain HTTP on a developer's machine
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        refused = await client.post("/sign-in", data={"preset": "Cara Caseworker"})
        assert refused.status_code == 403
        assert "could not be sent" in refused.text
        forged = await client.post(
            "/sign-in", data={"preset": "Cara Caseworker", "csrf_token": "not-the-token"}
        )
        assert forged.status_code == 403
        accepted = await client.post(
            "/sign-in", data={"preset": "Cara Caseworker", "csrf_token": token.group(1)}
        )
        assert accepted.status_code == 303
        # Signed in, a form post without the token still changes nothing.
        opened = await client.post(
            "/cases", data={"urns": str(world.urn), "trigger": "rebrokerage"}
        )
        assert opened.status_code == 403


async def test_a_gias_upload_with_bad_rows_shows_its_report(
    world: ConsoleWorld, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("upload")
    files = {}
    for original in world.sample.glob("*.csv"):
        files[original.name] = folder / original.name
        files[original.name].write_bytes(original.read_bytes())
    establishments = next(p for n, p in files.items() if n.startswith("edubasealldata"))
    lines = establishments.read_bytes().decode("cp1252").splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    # Two bad rows: a URN that is not a number, and another row's URN cut short.
    bad_urn = ["ABC123", *first[1:]]
    short_urn = ["12", *first[1:]]
    establishments.write_bytes(
        "\r\n".join([*lines, ",".join(bad_urn), ",".join(short_urn)]).encode("cp1252") + b"\r\n"
    )
    assert header[0].strip('"').upper() == "URN"
    context, page = await world.signed_in("Gias Feed")
    await page.get_by_role("link", name="Imports").first.click()
    await expect(page.get_by_role("heading", name="Upload a GIAS snapshot")).to_be_visible()

    def named(prefix: str) -> str:
        return str(next(p for n, p in files.items() if n.startswith(prefix)))

    await page.locator("#establishments").set_input_files(named("edubasealldata"))
    await page.locator("#groups").set_input_files(named("allgroupsdata"))
    await page.locator("#links").set_input_files(named("alllinksdata"))
    await page.get_by_role("button", name="Upload and apply").click()
    # The progress page reloads itself (meta refresh) until the report is ready.
    await expect(page.get_by_role("heading", name="Import report")).to_be_visible(
        timeout=DEADLINE_MS
    )
    table = page.get_by_role("table")
    await expect(table).to_contain_text("ABC123")
    await expect(table).to_contain_text("edubasealldata")
    await screenshot(page, "import-report")
    await context.close()


async def test_an_assessment_with_two_people_and_no_self_moderation(world: ConsoleWorld) -> None:
    trust = await world.pool.fetchval(
        "SELECT uid FROM registry_trusts WHERE uid NOT IN ($1, $2, $3) AND closed_on IS NULL"
        " AND trust_type = 'multi_academy_trust' ORDER BY uid LIMIT 1",
        world.strong,
        world.developing,
        world.old_trust,
    )
    # One person holds both roles: they may assess, but not moderate their own work.
    context, page = await world.signed_in("Ada Both", roles=["reader", "assessor", "moderator"])
    await page.goto("/assessments/new")
    await page.get_by_label("Trust group UID").fill(str(trust))
    await page.get_by_label("Purpose").fill("annual trust review")
    await page.get_by_role("button", name="Start the assessment").click()
    await expect(page.get_by_role("alert")).to_contain_text("Assessment started")
    assessment_url = page.url
    await screenshot(page, "assessment-started")
    pillars = await page.locator("main section h3").count()
    assert pillars == 5
    for i in range(pillars):
        section = page.locator("main section").nth(i)
        await section.get_by_role("link", name=re.compile("^Add evidence")).click()
        await page.get_by_label("Summary").fill(f"Visit notes {i}")
        await page.get_by_label("Source reference").fill(f"visit/{trust}/{i}")
        await page.get_by_role("button", name="Add evidence").click()
        await expect(page.get_by_role("alert")).to_contain_text("Evidence added")
        await (
            page.locator("main section")
            .nth(i)
            .get_by_role("link", name=re.compile("^Judge"))
            .click()
        )
        await page.get_by_label("Secure").check()
        await page.get_by_label("Rationale").fill(f"Sound on pillar {i}, from the visit")
        await page.get_by_role("button", name="Record the judgement").click()
        await expect(page.get_by_role("alert")).to_contain_text("Judgement recorded")
    await page.get_by_role("button", name="Submit for moderation").click()
    await expect(page.get_by_role("alert")).to_contain_text("Submitted for moderation")
    # The page says it before the API refuses it.
    await expect(page.get_by_text("you are one of its authors")).to_be_visible()
    await page.get_by_label("Approve").check()
    await page.get_by_role("button", name="Send moderation").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_contain_text(re.compile("author|moderat", re.I))
    await screenshot(page, "assessment-self-moderation-refused")
    await context.close()

    context, page = await world.signed_in("Moe Moderator")
    await page.goto(assessment_url)
    await page.get_by_label("Approve").check()
    await page.get_by_role("button", name="Send moderation").click()
    await expect(page.get_by_role("alert")).to_contain_text("Moderated: approved")
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_text("Published", exact=True).first).to_be_visible()
    await expect(
        page.locator("h1 + .govuk-summary-list, .govuk-summary-list").first
    ).to_contain_text("Published")
    await context.close()


async def test_the_whole_story_in_the_browser(world: ConsoleWorld) -> None:
    # A caseworker finds the inadequate school and opens a case for it.
    context, page = await world.signed_in("Cara Caseworker")
    await page.get_by_role("link", name="Schools").first.click()
    await page.get_by_label("School name or URN").fill(world.school_name)
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=world.school_name).first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(world.school_name)
    await expect(page.get_by_role("table").filter(has_text="Outcome")).to_contain_text("Inadequate")
    await screenshot(page, "school")
    await page.get_by_role("link", name="Open a case for this school").click()
    await page.get_by_label("Rebrokerage").check()
    await page.get_by_label("Title").fill("Rebrokerage after inadequate")
    await page.get_by_role("button", name="Open the case").click()
    await expect(page.get_by_role("alert")).to_contain_text("Case opened")
    case_url = page.url
    case_id = case_url.rsplit("/", 1)[-1]
    # The sample puts the assessed trusts anywhere: the case team lifts the case's
    # constraints (a bad distance refused against its field first).
    await page.get_by_role("link", name="Set the constraints").click()
    await page.get_by_label("Furthest distance to the trust's nearest school, in km").fill("far")
    await page.get_by_role("button", name="Save the constraints").click()
    await expect(page.locator("#max_distance_km-error")).to_be_visible()
    await page.get_by_label("Furthest distance to the trust's nearest school, in km").fill("")
    for constraint in (
        "A church school's trust runs schools of the same religious character",
        "The trust runs a school in the case's region",
    ):
        await page.get_by_label(constraint).uncheck()
    await page.get_by_role("button", name="Save the constraints").click()
    await expect(page.get_by_role("alert")).to_contain_text("Constraints saved")
    await expect(page.locator("main")).to_contain_text("Any region")

    # The candidates are ranked once commissioning has heard of the school.
    ranked = page.get_by_role("table").filter(has_text="Reasons")
    await reload_until(page, ranked.is_visible, "the ranked candidates")
    await expect(ranked).to_contain_text(world.strong_name)
    # Every candidate with the evidence covering each pillar, and the trusts left out.
    await page.get_by_role("link", name=re.compile("^Every candidate with its evidence")).click()
    coverage = page.get_by_role("table").filter(has_text="Evidence coverage")
    await expect(coverage.get_by_role("row").filter(has_text=world.strong_name)).to_contain_text(
        "pillars covered"
    )
    await page.get_by_role("link", name="Back").click()

    # What matters: school improvement weighs more.
    await page.get_by_role("link", name="Set what matters (criteria and weights)").click()
    await page.get_by_label("School improvement").fill("5")
    await page.get_by_role("button", name="Save and rank again").click()
    await expect(page.get_by_role("alert")).to_contain_text("Criteria saved")
    await screenshot(page, "case")

    # Shortlist the strong trust, and schedule the board.
    await page.get_by_role("link", name="Shortlist trusts").click()
    await page.get_by_label(re.compile(re.escape(world.strong_name))).check()
    await page.get_by_role("button", name="Save the shortlist").click()
    await expect(page.get_by_role("alert")).to_contain_text("Shortlist saved: 1 trust")
    board = page.get_by_role("link", name="Schedule the advisory board")
    # The case is a read model: it shows the shortlist once commissioning has projected it.
    await reload_until(page, board.is_visible, "the shortlist on the case")
    await board.click()
    await page.get_by_label("When does the advisory board meet?").fill(TODAY.isoformat())
    await page.get_by_role("button", name="Schedule the board").click()
    await expect(page.get_by_role("alert")).to_contain_text("Advisory board scheduled")

    async def decide(page: Page, *, significant: str, rationale: str, conditions: str = "") -> None:
        await page.goto(f"{case_url}/decision")
        outcome = "Approved with conditions" if conditions else "Approved"
        await page.get_by_label(outcome, exact=True).check()
        await page.get_by_label("Conditions", exact=True).fill(conditions)
        await page.get_by_label("Trust", exact=True).select_option(str(world.strong))
        await page.get_by_label("Significant date").fill(significant)
        # The schools are in a trust: an academy transfer, chosen as the default would be.
        await page.get_by_label("Project type").select_option("academy_transfer")
        await page.get_by_label("Regional director for region").check()
        await page.get_by_label("Rationale").fill(rationale)
        await page.get_by_label("Reason codes").fill("track_record, local_presence")
        await page.get_by_label("Likely equality impact").fill("No adverse impact expected.")
        await page.get_by_label("Mitigation").fill("None needed.")
        await page.get_by_role("button", name="Continue").click()
        await expect(
            page.get_by_role("heading", name=re.compile("Check your answers"))
        ).to_be_visible()
        await page.get_by_role("button", name="Record the decision").click()

    # A caseworker cannot decide: the API refuses, and the page says so plainly.
    await decide(page, significant=SIGNIFICANT.isoformat(), rationale="not mine to make")
    await expect(
        page.get_by_role("heading", name="You do not have permission to see this")
    ).to_be_visible()
    await expect(page.locator("main")).to_contain_text("Decision maker")
    await context.close()

    # The decision maker decides; the API's objections show against the fields first.
    context, page = await world.signed_in("Dina Director")
    await decide(page, significant=SIGNIFICANT.isoformat(), rationale="")
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_visible()
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#rationale")
    await expect(page.locator("#rationale-error")).to_be_visible()
    not_first = (SIGNIFICANT + timedelta(days=14)).isoformat()
    await decide(page, significant=not_first, rationale="Strongest on school improvement; nearby")
    await expect(summary).to_contain_text("1st of a month")
    await decide(
        page,
        significant=SIGNIFICANT.isoformat(),
        rationale="Strongest on school improvement; nearby",
        conditions="The governing board agrees the transfer",
    )
    await expect(page.get_by_role("alert")).to_contain_text("Decision recorded")
    # The approval opened a transfer project: the case team works it in the browser.
    team_context, team_page = await world.signed_in("Cara Caseworker")
    await work_the_project(team_page, case_url, SIGNIFICANT)
    await team_context.close()
    await page.reload()
    await reload_until(
        page,
        page.get_by_text("Transfer scheduled").first.is_visible,
        "the registry to schedule the transfer",
    )

    # The significant date comes; the school's history shows the move from that date.
    world.clock.advance_to(SIGNIFICANT)
    await page.goto(f"/schools/{world.urn}?as_of={SIGNIFICANT.isoformat()}")
    current = page.get_by_role("heading", level=2, name=re.compile("^Trust on")).locator(
        "xpath=following-sibling::dl[1]"
    )
    timeline = page.locator(".console-timeline")

    async def applied() -> bool:
        # The trust on the day and the timeline are read from two of the registry's read
        # models, each catching up on its own: wait for both, not for one.
        return await current.filter(has_text=world.strong_name).is_visible() and (
            await timeline.filter(has_text=world.strong_name).is_visible()
        )

    await reload_until(page, applied, "the registry to apply the transfer")
    await expect(timeline.locator("li").first).to_contain_text("Current")
    await context.close()

    # An auditor finds it all in the case's timeline, across services.
    context, page = await world.signed_in("Aude Auditor")
    await page.goto(f"/audit/cases/{case_id}")
    entries = page.get_by_role("table")
    await reload_until(
        page, entries.filter(has_text="Case completed").is_visible, "the case to complete"
    )
    for what in (
        "Case opened",
        "Case shortlisted",
        "Decision recorded",
        "Transfer approved",
        "School transferred",
    ):
        await expect(entries).to_contain_text(what)
    decided = entries.get_by_role("row").filter(has_text="Decision recorded")
    await expect(decided).to_contain_text("dina.director")
    await screenshot(page, "audit")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Download as CSV").click()
    saved = await (await download.value).path()
    assert "DecisionRecorded" in saved.read_text()
    await context.close()

    # The school has moved: the case team confirms the actual transfer date on the project
    # (commissioning keeps the real calendar, so the day it is confirmed on: never later).
    context, page = await world.signed_in("Cara Caseworker")
    moved_on = today_in_england()
    shown = f"{moved_on.day} {moved_on:%B %Y}"
    await confirm_the_actual_date(page, case_url, moved_on.isoformat(), shown)
    await context.close()


async def test_a_notice_issued_moved_on_and_due_in_the_browser(world: ConsoleWorld) -> None:
    context, page = await world.signed_in("Cara Caseworker")
    await page.get_by_role("link", name="Interventions").first.click()
    await page.get_by_role("link", name="Issue a notice").click()
    # What the console can check, it checks: each message linked to its field.
    await page.get_by_role("button", name="Issue the notice").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link", name=re.compile("kind of notice"))).to_have_attribute(
        "href", "#kind"
    )
    await expect(page.locator("#grounds-error")).to_be_visible()
    await expect(page.locator("#decided_by-error")).to_be_visible()
    await expect(page.locator("#decider_grade-error")).to_be_visible()
    await page.get_by_label("Termination warning notice").check()
    await page.get_by_label("Trust group UID").fill(str(world.old_trust))
    await page.get_by_label("Grounds").fill("Inadequate with no sign of improvement")
    await page.get_by_label("Conditions (optional)").fill("Appoint a new chair\nPublish a plan")
    await page.get_by_label("Who decided").fill("Rhian Director")
    # The grades are the policy's; a warning notice is not a deputy director's to decide:
    # the API's refusal shows against the grade.
    await page.get_by_label("Their grade").select_option("deputy_director")
    await page.get_by_label("Evidence (optional)").fill("board-note-2027-01")
    await page.get_by_role("button", name="Issue the notice").click()
    await expect(page.locator("#decider_grade-error")).to_contain_text(
        "decided by regional_director, not deputy_director"
    )
    await page.get_by_label("Their grade").select_option("regional_director")
    await page.get_by_role("button", name="Issue the notice").click()
    await expect(page.get_by_role("alert")).to_contain_text("Notice issued")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Termination warning notice")
    await expect(page.locator(".govuk-inset-text")).to_contain_text("Response due")
    steps = page.get_by_role("table").filter(has_text="Recorded by")
    issued = steps.get_by_role("row").filter(has_text="Issued")
    await expect(issued).to_contain_text("cara.caseworker")
    await expect(issued).to_contain_text("Rhian Director (Regional director)")
    await expect(issued).to_contain_text("board-note-2027-01")
    notice_url = page.url
    await screenshot(page, "intervention")

    # It falls due: the deadlines page lists it, with how long is left.
    await page.goto("/interventions/deadlines")
    due = page.get_by_role("table").get_by_role("row").filter(has_text=f"trust {world.old_trust}")
    await expect(due).to_contain_text(re.compile(r"In \d+ working days"))
    await screenshot(page, "deadlines")

    # A move its kind does not allow: the API's refusal shows against the status.
    await page.goto(notice_url)
    await page.get_by_label("Progress on track").check()
    await page.get_by_label("Who decided").fill("Rhian Director")
    await page.get_by_label("Their grade").select_option("regional_director")
    await page.get_by_label("Reason", exact=True).fill("The trust answered the warning in time")
    await page.get_by_role("button", name="Change the status").click()
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#status")
    await expect(page.locator("#status-error")).to_contain_text("to become progress_on_track")
    # What was typed is kept: only the status is chosen again.
    await expect(page.get_by_label("Who decided")).to_have_value("Rhian Director")
    await page.get_by_label("Closed").check()
    await page.get_by_role("button", name="Change the status").click()
    await expect(page.get_by_role("alert")).to_contain_text("Status changed")
    closed = steps.get_by_role("row").filter(has_text="Closed")
    await expect(closed).to_contain_text("cara.caseworker")
    await expect(closed).to_contain_text("Rhian Director (Regional director)")
    await expect(closed).to_contain_text("The trust answered the warning in time")
    await expect(page.get_by_text("nothing more can be done")).to_be_visible()
    trust = page.locator(".govuk-summary-list").get_by_role("link", name=re.compile("Trust|\\d"))
    await expect(trust.first).to_have_attribute("href", f"/trusts/{world.old_trust}")
    await context.close()

    # A decision maker reads it, and is offered no step that is a caseworker's.
    context, page = await world.signed_in("Dina Director")
    await page.goto(notice_url)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Termination warning notice")
    await expect(page.get_by_role("button", name="Change the status")).to_have_count(0)
    # From the trust's page, the notices against it.
    await page.goto(f"/trusts/{world.old_trust}")
    await page.get_by_role("link", name="Interventions against this trust").click()
    listed = page.get_by_role("table").get_by_role("row").filter(has_text="Closed")
    await expect(listed).to_contain_text("Termination warning notice")
    await expect(page.get_by_label("Trust group UID")).to_have_value(str(world.old_trust))
    await context.close()


async def _busiest_area(world: ConsoleWorld) -> tuple[str, int]:
    """The area with the most open schools not in a trust, and how many."""
    areas = await world.story.registry.get(
        "/areas", headers=world.story.as_(Role.READER, "test", None)
    )
    assert areas.status_code == 200, areas.text
    best = max(areas.json()["items"], key=lambda a: a["schools_not_in_trust"])
    return best["name"], best["schools_not_in_trust"]


async def test_an_area_plan_with_coverage_over_time_and_a_map(world: ConsoleWorld) -> None:
    name, not_in_trust = await _busiest_area(world)
    assert not_in_trust > 0, "the sample has no school outside a trust in any area"
    context, page = await world.signed_in("Dina Director")
    await page.get_by_role("link", name="Area plans").first.click()
    await page.get_by_role("link", name=name, exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    chart = page.get_by_role("img", name=re.compile("Share of open schools"))
    await expect(chart).to_be_visible()
    coverage = page.get_by_role("table").filter(has_text="Coverage, as a table")
    # Five years back at year ends, and today.
    await expect(coverage.locator("tbody tr")).to_have_count(6)
    heading = page.get_by_role("heading", name=re.compile("Schools not yet in a trust"))
    await expect(heading).to_contain_text(f"({not_in_trust})")
    await expect(page.get_by_role("img", name=re.compile("not yet in a trust"))).to_be_visible()
    await expect(page.locator(".console-map circle.school").first).to_be_attached()
    await screenshot(page, "area-plan")
    await page.get_by_role("link", name="Show by month").click()
    months = len(coverage_dates(today_in_england(), 5, "month"))
    await expect(coverage.locator("tbody tr")).to_have_count(months)
    await context.close()


async def test_a_stuck_school_on_its_page_and_its_area_plan(
    world: ConsoleWorld, tmp_path: Path
) -> None:
    # The sample's own stuck school (one, at the time of writing: in an LA that is in no
    # area, so only its page can show it).
    sample = await stuck_schools(world)
    assert sample, "the sample has no stuck school"
    first: dict[str, Any] = sample[0]
    context, page = await world.signed_in("Dina Director")
    await shows_stuck(
        page,
        first["urn"],
        long_date(first["latest"]["inspection_start"]),
        long_date(first["previous"]["inspection_start"]),
    )
    # One made stuck in the busiest area, to find it on the area's plan too.
    area, _ = await _busiest_area(world)
    urn, name = await make_one_stuck_in(world, area, tmp_path)
    await page.goto(f"/schools/{urn}")
    await reload_until(page, page.locator("#stuck").is_visible, "the school to be stuck")
    await shows_stuck(
        page,
        urn,
        long_date(TODAY - timedelta(days=7)),
        long_date(TODAY - timedelta(days=14)),
    )
    assert urn in {i["urn"] for i in await stuck_schools(world, area=area)}
    await area_shows_stuck(page, area, name)
    await context.close()


async def test_an_advisory_board_with_a_conflict_in_the_browser(world: ConsoleWorld) -> None:
    board = await a_board_with_a_conflict(world)
    context, page = await world.signed_in("Cara Caseworker")
    await read_the_board(page, board)
    await context.close()


async def test_a_significant_change_in_the_browser(world: ConsoleWorld) -> None:
    change_id = await a_decided_significant_change(world)
    context, page = await world.signed_in("Dina Director")
    await read_the_change(page, change_id, world.school_name)
    await context.close()


async def test_the_published_register_and_its_downloads_in_the_browser(
    world: ConsoleWorld,
) -> None:
    context, page = await world.signed_in("Aude Auditor")
    await read_the_register(page, world)
    await context.close()


# Every page, as someone holding every role (so nothing is hidden), after the story above.
async def _pages(world: ConsoleWorld) -> dict[str, str]:
    case_id = await world.pool.fetchval(
        "SELECT case_id FROM commissioning_cases ORDER BY opened_on DESC LIMIT 1"
    )
    assessment_id = await world.pool.fetchval(
        "SELECT assessment_id FROM assessment_assessments WHERE status = 'published' LIMIT 1"
    )
    intervention_id = await world.pool.fetchval(
        "SELECT intervention_id FROM commissioning_interventions LIMIT 1"
    )
    project_id = await world.pool.fetchval(
        "SELECT project_id FROM commissioning_projects ORDER BY opened_on DESC LIMIT 1"
    )
    school_intervention_id = await world.pool.fetchval(
        "SELECT intervention_id FROM commissioning_school_interventions LIMIT 1"
    )
    trust_intervention_id = await world.pool.fetchval(
        "SELECT intervention_id FROM commissioning_trust_interventions LIMIT 1"
    )
    area, _ = await _busiest_area(world)
    stuck = await stuck_schools(world)
    # A whole-trust intervention exists once its own test has run (or the sample has one).
    whole_trust = (
        {"trust-intervention": f"/trust-interventions/{trust_intervention_id}"}
        if trust_intervention_id
        else {}
    )
    return whole_trust | {
        "start": "/",
        "schools": f"/schools?q={world.school_name[:6]}",
        "school-page": f"/schools/{world.urn}",
        "stuck-school": f"/schools/{stuck[0]['urn']}",
        "trusts": "/trusts",
        "trust": f"/trusts/{world.strong}",
        "cases": "/cases",
        "open-a-case": f"/cases/new?urn={world.urn}",
        "case-page": f"/cases/{case_id}",
        "candidates": f"/cases/{case_id}/candidates",
        "constraints": f"/cases/{case_id}/constraints",
        "project": f"/projects/{project_id}",
        "assessments": "/assessments",
        "assessment": f"/assessments/{assessment_id}",
        "start-an-assessment": "/assessments/new",
        "audit": "/audit",
        "audit-school": f"/audit/schools/{world.urn}",
        "imports": "/imports/new",
        "interventions": "/interventions?scope=all",
        "intervention": f"/interventions/{intervention_id}",
        "deadlines": "/interventions/deadlines?region=",
        "school-intervention": f"/school-interventions/{school_intervention_id}",
        "issue-a-notice": f"/interventions/new?trust_uid={world.old_trust}",
        "areas": "/areas",
        "area-plan": f"/areas/{quote(area, safe='')}",
        "not-found": "/schools/999999",
    }


async def test_a_school_intervention_stepped_and_due_in_the_browser(world: ConsoleWorld) -> None:
    opened = await world.story.commissioning.post(
        "/school-interventions",
        json={
            "urn": world.urn,
            "school_kind": "academy",
            "category_of_concern": "requires_significant_improvement",
            "reason": "Requires significant improvement at its last inspection",
        },
        headers=world.story.as_(Role.CASEWORKER, "cara.caseworker"),
    )
    assert opened.status_code == 201, opened.text
    context, page = await world.signed_in("Cara Caseworker")
    await take_the_first_step(page, opened.json()["intervention_id"])
    await context.close()


async def test_a_whole_trust_intervention_stepped_and_due_in_the_browser(
    world: ConsoleWorld,
) -> None:
    opened = await world.story.commissioning.post(
        "/trust-interventions",
        json={
            "trust_uid": world.developing,
            "trigger": "breach_of_academy_arrangements",
            "reason": "The trust did not publish its accounts",
        },
        headers=world.story.as_(Role.CASEWORKER, "cara.caseworker"),
    )
    assert opened.status_code == 201, opened.text
    context, page = await world.signed_in("Cara Caseworker")
    await work_the_trust_intervention(page, world.developing, opened.json()["intervention_id"])
    await context.close()


async def test_every_page_has_no_serious_accessibility_violations(world: ConsoleWorld) -> None:
    context, page = await world.signed_in(
        "Ally Everyone",
        roles=[
            "reader",
            "assessor",
            "moderator",
            "caseworker",
            "decision_maker",
            "data_feed",
            "auditor",
        ],
    )
    axe = Axe()
    found: dict[str, list[str]] = {}
    pages = await _pages(world)
    for name, path in pages.items():
        await page.goto(path)
        results = await axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']}"
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        if bad:
            found[name] = bad
        if name in ("trust", "case-page", "school-page", "assessment"):
            await screenshot(page, name)
    assert not found, found
    await context.close()
    # The sign-in page, signed out.
    context = await world.browser.new_context(base_url=world.console_url)
    page = await context.new_page()
    await page.goto("/sign-in")
    results = await axe.run(page)
    assert not [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    await context.close()


class _Counting(httpx.AsyncBaseTransport):
    """Passes requests on to a service, counting them."""

    def __init__(self, calls: list[str]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.calls = calls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_case_page_makes_a_handful_of_api_calls(world: ConsoleWorld) -> None:
    from services.console.main import create_app

    calls: list[str] = []
    transports: dict[ServiceName, httpx.AsyncBaseTransport] = {
        name: _Counting(calls) for name in ("registry", "assessment", "commissioning")
    }
    app = create_app(world.console_settings, transports=transports)
    case_id = await world.pool.fetchval(
        "SELECT case_id FROM commissioning_cases ORDER BY opened_on DESC LIMIT 1"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://console"
    ) as client:
        sign_in = await client.get("/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in.text)
        assert token is not None
        await client.post(
            "/sign-in", data={"preset": "Cara Caseworker", "csrf_token": token.group(1)}
        )
        calls.clear()
        page = await client.get(f"/cases/{case_id}")
    for transport in transports.values():  # given to the app, so not the app's to close
        await transport.aclose()
    assert page.status_code == 200
    assert "Candidate trusts, ranked" in page.text
    # The case, its candidates, and its one school's name.
    assert sorted(calls) == sorted(
        [f"GET /cases/{case_id}", f"GET /cases/{case_id}/candidates", f"GET /schools/{world.urn}"]
    ), calls


async def test_where_you_sign_in_is_where_you_may_act(world: ConsoleWorld) -> None:
    # A case for the test's school, opened by a national case team over the API.
    opened = await world.story.commissioning.post(
        "/cases",
        json={"urns": [world.urn], "trigger": "rebrokerage", "title": "Where you act"},
        headers=world.story.as_(Role.CASEWORKER, "cara", "a case to look at"),
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    home = await world.pool.fetchval(
        "SELECT region_code FROM registry_schools WHERE urn = $1", world.urn
    )
    away = "H" if home != "H" else "D"
    regions = reference.regions()

    # A caseworker for another region signs in there, and is refused the case.
    context, page = await world.signed_in(
        "Cara Caseworker", region=f"{regions[away].name} (region {away})"
    )
    await expect(page.locator(".console-user__name")).to_contain_text(regions[away].name)
    await page.goto(f"/cases/{case_id}")
    await expect(
        page.get_by_role("heading", name="You do not have permission to see this")
    ).to_be_visible()
    await expect(page.locator("main")).to_contain_text(f"region {home} ({regions[home].name})")
    await expect(page.locator("main")).to_contain_text(f"region:{away}")
    await context.close()

    # In the case's own region, the same person reads it.
    context, page = await world.signed_in(
        "Cara Caseworker", region=f"{regions[home].name} (region {home})"
    )
    await page.goto(f"/cases/{case_id}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Where you act")
    await context.close()
