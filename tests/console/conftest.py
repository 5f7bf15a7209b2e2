"""One world for the console's browser tests: a GIAS sample, two published assessments, the
three services and the console served over HTTP, and a browser."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from services.assessment.main import create_app as assessment_app
from services.commissioning.main import create_app as commissioning_app
from services.console.main import create_app as console_app
from services.console.settings import ConsoleSettings
from services.registry.main import create_app as registry_app
from services.registry.transfers.clock import ManualClock
from shared.contracts import all_contracts
from shared.db import create_pool
from shared.eventlog.store import EventStore
from shared.http.auth import Role
from shared.settings import PROJECT_ROOT, Settings
from tests.console.live import chromium, serve
from tests.e2e import test_story
from tests.e2e.test_story import TODAY


@dataclass
class ConsoleWorld:
    """Everything a console test needs, shared by the module."""

    console_url: str
    urls: dict[str, str]
    settings: Settings
    console_settings: ConsoleSettings
    clock: ManualClock
    pool: asyncpg.Pool
    story: test_story.World
    browser: Browser
    sample: Path
    urn: int
    old_trust: int
    strong: int
    developing: int
    school_name: str
    strong_name: str

    async def signed_in(
        self, name: str, *, roles: list[str] | None = None, region: str | None = None
    ) -> tuple[BrowserContext, Page]:
        """A browser of its own, signed in as a named development user (or name and roles),
        acting nationally or in ``region`` (its name, as the region chooser shows it)."""
        context = await self.browser.new_context(base_url=self.console_url)
        page = await context.new_page()
        await page.goto("/sign-in")
        if region is not None:
            await page.get_by_label(region, exact=True).check()
        if roles is None:
            await page.get_by_role("button", name=name, exact=True).click()
        else:
            await page.get_by_label("Your name").fill(name)
            for role in roles:
                await page.locator(f"input[name=roles][value={role}]").check()
            await page.get_by_role("button", name="Sign in", exact=True).click()
        await page.wait_for_url(self.console_url + "/")
        return context, page


@pytest.fixture(scope="module")
async def world(
    fresh_database_module: Callable[..., Awaitable[str]],
    settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ConsoleWorld]:
    url = await fresh_database_module()
    clock = ManualClock(TODAY)
    async with AsyncExitStack() as stack:
        served = {
            "registry": await stack.enter_async_context(
                serve(registry_app(settings, url=url, clock=clock))
            ),
            "assessment": await stack.enter_async_context(serve(assessment_app(settings, url=url))),
            "commissioning": await stack.enter_async_context(
                serve(commissioning_app(settings, url=url))
            ),
        }
        urls = {name: s.url for name, s in served.items()}
        console_settings = ConsoleSettings(
            environment="test",
            jwt_secret=settings.jwt_secret,
            data_dir=tmp_path_factory.mktemp("console-data"),
            registry_url=urls["registry"],
            assessment_url=urls["assessment"],
            commissioning_url=urls["commissioning"],
        )
        console = await stack.enter_async_context(serve(console_app(console_settings)))
        pool = await create_pool(url, settings, max_size=4)
        stack.push_async_callback(pool.close)
        client = {
            n: await stack.enter_async_context(httpx.AsyncClient(base_url=urls[n], timeout=30))
            for n in ("registry", "assessment", "commissioning")
        }
        story = test_story.World(
            client["registry"],
            client["assessment"],
            client["commissioning"],
            clock,
            settings,
            pool,
            EventStore(pool, all_contracts()),
        )
        sample = tmp_path_factory.mktemp("gias")
        # The same snapshot the API story imports; the upload test hands it in again.
        await test_story._import_snapshot(story, sample)
        urn, old_trust = await test_story._an_inadequate_academy(story)
        strong, developing = await test_story._two_other_trusts(story, old_trust, urn)
        framework = (
            PROJECT_ROOT / "services/assessment/seeds/dfe_trust_quality_2023.json"
        ).read_text()
        await story.assessment.post(
            "/frameworks",
            json=json.loads(framework),
            headers=story.as_(Role.ADMIN, "admin", "seed"),
        )
        await test_story._assess_and_publish(story, strong, "strong")
        await test_story._assess_and_publish(story, developing, "developing")
        school_name = await pool.fetchval("SELECT name FROM registry_schools WHERE urn = $1", urn)
        strong_name = await pool.fetchval("SELECT name FROM registry_trusts WHERE uid = $1", strong)
        browser = await stack.enter_async_context(chromium())
        yield ConsoleWorld(
            console_url=console.url,
            urls=urls,
            settings=settings,
            console_settings=console_settings,
            clock=clock,
            pool=pool,
            story=story,
            browser=browser,
            sample=sample,
            urn=urn,
            old_trust=old_trust,
            strong=strong,
            developing=developing,
            school_name=school_name,
            strong_name=strong_name,
        )
