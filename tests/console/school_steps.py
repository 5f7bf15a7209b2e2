"""A school in a category of concern, worked in the browser: its intervention opened over the
API (the console has no form to open one), its first step refused for the decider's grade
and then taken, and the RISE window it starts found in what falls due."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.console.live import screenshot


async def take_the_first_step(page: Page, intervention_id: str) -> None:
    """RISE started on a school intervention, by a grade the policy names for it."""
    await page.goto(f"/school-interventions/{intervention_id}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Intervention")
    await expect(page.locator("main")).to_contain_text("No step has been taken yet")

    async def step(grade: str) -> None:
        await page.get_by_label("RISE targeted intervention started").check()
        await page.get_by_label("Who decided").fill("Dina Director")
        await page.get_by_label("Their grade").select_option(label=grade)
        await page.get_by_label("Reason", exact=True).fill("Requires significant improvement")
        await page.get_by_label("RISE adviser (when RISE starts)").fill("Ada Adviser")
        await page.get_by_label("RISE supporting organisation (when RISE starts)").fill("Hub")
        await page.get_by_role("button", name="Record the step").click()

    # A grade the pathway does not name for the step: the API's 409, against the grade.
    await step("Grade 6")
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link").first).to_have_attribute("href", "#decider_grade")
    await expect(page.locator("#decider_grade-error")).to_be_visible()
    await step("Regional director")
    await expect(page.get_by_role("alert")).to_contain_text("Step recorded")
    steps = page.get_by_role("table").filter(has_text="Decided by")
    await expect(steps).to_contain_text("Dina Director (Regional director)")
    await expect(page.locator(".govuk-summary-list")).to_contain_text("RISE window ends")
    await screenshot(page, "school-intervention")

    # The RISE window's end falls due; the row leads back to the intervention.
    await page.goto("/interventions/deadlines?kind=rise_window&region=")
    due = page.get_by_role("row").filter(has_text="End of the RISE window")
    await expect(due.first).to_contain_text(re.compile(r"In \d+ working days"))
    await due.locator(f"a[href='/school-interventions/{intervention_id}']").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Intervention")
