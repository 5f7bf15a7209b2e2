"""The strongtrusts command, run as a user would run it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import jwt

from shared.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET


async def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", *args],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


async def test_token_prints_a_development_token_for_the_role_and_subject() -> None:
    result = await _cli(
        "token",
        "--role",
        "caseworker",
        "--sub",
        "alice",
        env={"STRONGTRUSTS_JWT_SECRET": TEST_SECRET},
    )
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(
        result.stdout.strip(), TEST_SECRET, algorithms=["HS256"], audience="strongtrusts"
    )
    assert claims["sub"] == "alice" and claims["roles"] == ["caseworker"]


async def test_token_refuses_an_unknown_role() -> None:
    result = await _cli("token", "--role", "overlord", env={"STRONGTRUSTS_JWT_SECRET": TEST_SECRET})
    assert result.returncode == 2
    assert "overlord" in result.stderr


async def test_db_upgrade_and_consumers_run_against_the_database(database_url: str) -> None:
    upgraded = await _cli("db", "upgrade", env={"DATABASE_URL": database_url})
    assert upgraded.returncode == 0, upgraded.stderr
    assert "log era 1" in upgraded.stdout
    listed = await _cli("consumers", "--json", env={"DATABASE_URL": database_url})
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip().startswith("[")
