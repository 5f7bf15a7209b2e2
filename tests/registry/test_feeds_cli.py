"""``strongtrusts feeds run-once`` as an operator runs it: against a local GIAS server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from shared.clock import today_in_england
from shared.settings import PROJECT_ROOT
from tests.registry.feed_server import FeedServer, sample_set


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    s.start()
    yield s
    s.stop()


async def _run_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", "feeds", "run-once", "--feed", "gias", "--json"],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        check=False,
    )


async def test_run_once_applies_todays_set_then_finds_it_unchanged(
    fresh_database: Callable[..., Awaitable[str]], server: FeedServer, tmp_path: Path
) -> None:
    url = await fresh_database()
    env = {"DATABASE_URL": url, "STRONGTRUSTS_DATA_DIR": str(tmp_path / "data")}
    unconfigured = await _run_once(env)
    assert unconfigured.returncode == 2
    assert "STRONGTRUSTS_FEEDS_GIAS_BASE_URL" in unconfigured.stderr

    today = today_in_england()
    for name, body in sample_set(tmp_path / "files", today, schools=120).items():
        if not name.startswith("ofsted"):
            server.files[name] = body
    env |= {
        "STRONGTRUSTS_FEEDS_GIAS_BASE_URL": server.base_url,
        "STRONGTRUSTS_FEEDS_DIR": str(tmp_path / "feeds"),
    }
    first = await _run_once(env)
    assert first.returncode == 0, first.stderr
    [applied] = json.loads(first.stdout)
    assert (applied["feed"], applied["outcome"]) == ("gias", "applied"), applied
    assert applied["snapshot_date"] == today.isoformat()
    again = await _run_once(env)
    assert again.returncode == 0, again.stderr
    assert [r["outcome"] for r in json.loads(again.stdout)] == ["unchanged"]
