"""A transfer project worked through in the browser by a caseworker, as the story needs it:
authority to proceed refused with what is missing, each task done, the approval's condition
met, the date confirmed, authority to proceed recorded."""

from __future__ import annotations

import datetime as dt
import re

from playwright.async_api import Page, expect

from tests.console.live import screenshot


async def work_the_project(page: Page, case_url: str, significant: dt.date) -> None:
    """From the case page to a project with authority to proceed, through its forms (the
    date moved a month on and back to ``significant`` on the way)."""
    await page.goto(case_url)
    await page.get_by_role("link", name=re.compile("^Transfer project")).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Transfer project")
    await expect(page.locator("main")).to_contain_text("(provisional)")

    # Too soon: the API's 409 names what is missing, each linked to where it is put right.
    await page.get_by_role("button", name="Record authority to proceed").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_visible()
    await expect(
        summary.get_by_role("link", name=re.compile("^Conditions still open"))
    ).to_have_attribute("href", "#conditions")
    await expect(summary).to_contain_text("Mandatory tasks not done")
    await expect(summary).to_contain_text("Deed of novation and variation")
    await expect(summary).to_contain_text("The significant date is not confirmed")

    # A condition without evidence is refused on the form, then met with it.
    await page.get_by_role("button", name="Mark as met").click()
    await expect(page.locator("#evidence-error")).to_be_visible()
    await page.get_by_label("Condition met").select_option("1")
    await page.get_by_label("Evidence", exact=True).fill("Governing board minutes, 3 March")
    await page.get_by_label("Evidence document reference (optional)").fill("GB-2027-03")
    await page.get_by_role("button", name="Mark as met").click()
    await expect(page.get_by_role("alert")).to_contain_text("Condition met")
    conditions = page.get_by_role("table").filter(has_text="Grounds")
    await expect(conditions).to_contain_text("GB-2027-03")

    # Every mandatory task, with its document; who and when come from the event.
    tasks = page.get_by_role("table").filter(has_text="Completed by")
    task = page.get_by_label("Task", exact=True)
    while True:
        open_task = await _next_mandatory(page)
        if open_task is None:
            break
        await task.select_option(open_task)
        await page.get_by_label("Document reference (optional)").fill(f"DOC-{open_task}")
        await page.get_by_role("button", name="Complete the task").click()
        await expect(page.get_by_role("alert")).to_contain_text("Task completed")
        row = tasks.locator(f"#task-{open_task}")
        await expect(row).to_contain_text("cara.caseworker")
        await expect(row).to_contain_text(f"DOC-{open_task}")

    # The date moves a month for TUPE, then back: each change with a reason from the policy.
    later = (significant + dt.timedelta(days=32)).replace(day=1)
    tupe = "TUPE (Transfer of Undertakings Protection of Employment rights)"
    for when, why in ((later, tupe), (significant, "Land")):
        await page.get_by_label("New significant date").fill(when.isoformat())
        await page.get_by_label("Why the date changes").select_option(label=why)
        await page.get_by_label("The reason in words").fill(f"{why}: the date moves")
        await page.get_by_role("button", name="Change the date").click()
        await expect(page.get_by_role("alert")).to_contain_text("Significant date changed")
    changes = page.locator("#significant-date ~ .govuk-summary-list").first
    await expect(changes).to_contain_text(f"{tupe} ({tupe}: the date moves)")
    await expect(changes).to_contain_text("Land (Land: the date moves)")

    await page.get_by_role("button", name="Confirm the significant date").click()
    await expect(page.get_by_role("alert")).to_contain_text("Significant date confirmed")
    await expect(page.locator("main")).to_contain_text("(confirmed)")
    await page.get_by_role("button", name="Record authority to proceed").click()
    await expect(page.get_by_role("alert")).to_contain_text("Authority to proceed recorded")
    await expect(page.locator(".govuk-summary-list").first).to_contain_text("by cara.caseworker")
    await page.get_by_label("Team it is handed to").fill("Regional delivery team")
    await page.get_by_role("button", name="Hand over").click()
    await expect(page.get_by_role("alert")).to_contain_text("Project handed over")
    await expect(page.locator(".govuk-summary-list").first).to_contain_text(
        "To Regional delivery team"
    )
    await screenshot(page, "project")


async def confirm_the_actual_date(page: Page, case_url: str, actual: str, shown: str) -> None:
    """Once the registry has moved the school: the actual transfer date, after which the
    project's dates are final (no date forms are offered)."""
    await page.goto(case_url)
    await page.get_by_role("link", name=re.compile("^Transfer project")).click()
    await page.get_by_label("The date the schools actually moved").fill(actual)
    await page.get_by_role("button", name="Confirm the actual date").click()
    await expect(page.get_by_role("alert")).to_contain_text("Actual transfer date confirmed")
    actual_row = page.locator(".govuk-summary-list__row").filter(has_text="Actual transfer date")
    await expect(actual_row).to_contain_text(shown)
    await expect(page.get_by_role("button", name="Change the date")).to_have_count(0)


async def _next_mandatory(page: Page) -> str | None:
    """The key of a mandatory task not yet done (its row says so), or None."""
    rows = page.locator("tr[id^=task-]").filter(has_text="Not started")
    if await rows.count() == 0:
        return None
    key = await rows.first.get_attribute("id")
    assert key is not None
    return key.removeprefix("task-")
