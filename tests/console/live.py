"""The console and the three services as real HTTP servers on free ports, in this test's loop,
with Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, async_playwright

from shared.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
# As the machine's notes say: without the background-networking flags Chromium keeps
# dialling out, and this machine's closed network refuses it many times a start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CHROMIUM_INSTALLED = Path(CHROMIUM).exists()
ARTEFACTS = PROJECT_ROOT / ".artefacts"
SCREENSHOTS = ARTEFACTS / "screenshots"


def free_port() -> int:
    """A port nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Server(uvicorn.Server):
    # Several servers share the test's loop; the test runner owns the signals.
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass(frozen=True)
class Served:
    """An app served over HTTP."""

    url: str
    app: FastAPI


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[Served]:
    """Serve ``app`` with uvicorn (lifespan and all) until the block ends."""
    port = free_port()
    server = _Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
        )
    )
    task = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
        if loop.time() > deadline:
            raise RuntimeError("the server did not start")
        await asyncio.sleep(0.01)
    try:
        yield Served(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, with a profile of its own (Playwright makes a new one)."""
    if not CHROMIUM_INSTALLED:
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page for a person to look at (an ignored folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# Reloading a page until what it shows changes: the services hear each other through the log.
DEADLINE_MS = 60_000


async def reload_until(page: Page, check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Reload until ``check`` holds, failing after the deadline."""
    waited = 0
    while not await check():
        if waited > DEADLINE_MS:
            raise AssertionError(f"timed out waiting for {what}")
        await page.wait_for_timeout(250)
        waited += 250
        await page.reload()
