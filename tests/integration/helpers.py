"""Helpers for event-log tests: unique names, waiting on conditions, appending notes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable

from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent
from shared.settings import PROJECT_ROOT
from tests.contracts import Noted

META = EventMetadata(actor="tester", reason="event-log contract test")


def unique_category(prefix: str = "t") -> str:
    """A category no other test writes to."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def note(n: int = 0, text: str = "") -> NewEvent:
    """A small valid event."""
    return NewEvent(Noted(n=n, text=text), META)


async def wait_until(
    condition: Callable[[], Awaitable[bool]], *, timeout_s: float = 20.0, what: str = "condition"
) -> None:
    """Poll ``condition`` until true, failing the test after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.01)


async def killed_after(module: str, *args: str) -> bytes:
    """Run ``python -m module args`` until it prints its first line, then SIGKILL it (as a
    crash would: nothing of its own runs after); returns that line."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        return await asyncio.wait_for(proc.stdout.readline(), timeout=60)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
