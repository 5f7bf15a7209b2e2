"""A whole-trust intervention, worked in the browser: opened over the API (the console has no
form to open one), found in its trust's list, a direction refused for the decider's grade and
then given, a termination warning notice with its response due, and the due response found
in what falls due, leading back to the intervention's own page."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from tests.console.live import reload_until, screenshot


async def _reload_until_visible(page: Page, found: Locator, what: str) -> None:
    # Lists are commissioning's read models: reload until its consumer has caught up.
    await reload_until(page, lambda: _present(found), what)


async def _present(found: Locator) -> bool:
    return await found.count() > 0


async def work_the_trust_intervention(page: Page, trust_uid: int, intervention_id: str) -> None:
    """From the trust's page to the intervention's; two steps; the notice's response due."""
    await page.goto(f"/trusts/{trust_uid}")
    link = page.locator(
        f"#trust-interventions ~ table a[href='/trust-interventions/{intervention_id}']"
    )
    await _reload_until_visible(page, link, "the intervention in its trust's list")
    await expect(link).to_have_text("Breach of academy arrangements")
    await link.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Whole-trust intervention")
    await expect(page.locator("main")).to_contain_text("No step has been taken yet")

    async def step(name: str, grade: str) -> None:
        await page.get_by_label(name).check()
        await page.get_by_label("Who decided").fill("Mina Minister")
        await page.get_by_label("Their grade").select_option(label=grade)
        await page.get_by_label("Reason", exact=True).fill("The trust breached its duty")
        await page.get_by_role("button", name="Record the step").click()

    # A grade the pathway does not name for the step: the API's 409, against the grade.
    await step("Direction to the trust to perform its duty", "Grade 6")
    summary = page.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link").first).to_have_attribute("href", "#decider_grade")
    await expect(page.locator("#decider_grade-error")).to_be_visible()
    await step("Direction to the trust to perform its duty", "Minister")
    await expect(page.get_by_role("alert")).to_contain_text("Step recorded")
    await step("Termination warning notice to the whole trust", "Minister")
    await expect(page.get_by_role("alert")).to_contain_text("Step recorded")
    steps = page.get_by_role("table").filter(has_text="Decided by")
    await expect(steps.locator("tbody tr")).to_have_count(2)
    await expect(steps).to_contain_text("Mina Minister (Minister)")
    await expect(page.locator(".govuk-summary-list")).to_contain_text("Response due")
    await screenshot(page, "trust-intervention")

    # The trust's response falls due; its row leads to the intervention, not the trust.
    await page.goto("/interventions/deadlines?region=")
    due = page.locator(f"a[href='/trust-interventions/{intervention_id}']")
    await _reload_until_visible(page, due, "the trust's response in what falls due")
    await due.first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Whole-trust intervention")
