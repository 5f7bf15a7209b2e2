"""Stuck schools in the browser: the registry finds them from the Ofsted history, and a
school's page and its area's plan say so, with the rule version and both inspections."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from playwright.async_api import Page, expect

from services.registry.ofsted.importer import import_ofsted
from services.registry.queries.common import OPEN_STATUSES
from shared import reference
from shared.http.auth import Role
from tests.console.conftest import ConsoleWorld
from tests.console.live import screenshot
from tests.e2e.test_story import TODAY
from tests.registry import gias_files as g

HEADER = ["URN", "Inspection start date", "Leadership and governance"]


async def stuck_schools(world: ConsoleWorld, **params: str) -> list[dict[str, object]]:
    """The registry's stuck schools, as its API lists them."""
    listed = await world.story.registry.get(
        "/stuck-schools", params=params, headers=world.story.as_(Role.READER, "test")
    )
    assert listed.status_code == 200, listed.text
    items: list[dict[str, object]] = listed.json()["items"]
    return items


async def shows_stuck(page: Page, urn: int, latest: str, previous: str) -> None:
    """The school's page names it stuck, with the two inspections (by their dates)."""
    await page.goto(f"/schools/{urn}")
    block = page.locator("#stuck")
    await expect(block.get_by_role("heading")).to_have_text("A stuck school")
    await expect(block).to_contain_text("stuck schools rule, version 1")
    await expect(block.locator(".govuk-summary-list__row").first).to_contain_text(latest)
    await expect(block.locator(".govuk-summary-list__row").nth(1)).to_contain_text(previous)
    await screenshot(page, "stuck-school")


async def make_one_stuck_in(world: ConsoleWorld, area_name: str, folder: Path) -> tuple[int, str]:
    """An open school of the area made stuck by two report cards after the sample's own
    inspections, each with leadership and governance needing attention (test setup)."""
    area = next(a for a in reference.areas() if a.name == area_name)
    row = await world.pool.fetchrow(
        """
        SELECT urn, name FROM registry_schools
         WHERE la_code = ANY($1::text[]) AND status = ANY($2::text[]) AND urn <> $3
           AND (cardinality($4::text[]) = 0 OR district_name = ANY($4::text[]))
         ORDER BY urn LIMIT 1
        """,
        list(area.la_codes),
        list(OPEN_STATUSES),
        world.urn,
        list(area.districts),
    )
    assert row is not None, f"no open school in {area_name}"
    days = (TODAY - timedelta(days=14), TODAY - timedelta(days=7))
    rows = [
        {
            "URN": str(row["urn"]),
            "Inspection start date": f"{d:%d/%m/%Y}",
            "Leadership and governance": "Needs attention",
        }
        for d in days
    ]
    report = await import_ofsted(
        world.story.store, g.write(folder / "stuck.csv", HEADER, rows), actor="ofsted-feed"
    )
    assert report.rejected == []
    return int(row["urn"]), str(row["name"])


async def area_shows_stuck(page: Page, area_name: str, school_name: str) -> None:
    """The area's plan lists the school among its stuck schools, with its rule version."""
    await page.goto(f"/areas/{quote(area_name, safe='')}")
    table = page.get_by_role("table").filter(has_text="Stuck schools in the area")
    listed = table.get_by_role("row").filter(has_text=school_name)
    await expect(listed).to_contain_text("Leadership and governance: Needs attention")
    await expect(listed.locator("td").last).to_have_text("1")
    await screenshot(page, "area-stuck-schools")
