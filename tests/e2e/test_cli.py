"""The strongtrusts command, run as a user would run it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import jwt

from shared.db import connect
from shared.settings import PROJECT_ROOT, Settings
from tests.conftest import TEST_SECRET
from tests.integration.helpers import wait_until


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


async def test_token_acts_nationally_unless_given_scopes() -> None:
    env = {"STRONGTRUSTS_JWT_SECRET": TEST_SECRET}

    def scopes_of(result: subprocess.CompletedProcess[str]) -> list[str]:
        assert result.returncode == 0, result.stderr
        claims = jwt.decode(
            result.stdout.strip(), TEST_SECRET, algorithms=["HS256"], audience="strongtrusts"
        )
        return list(claims["scopes"])

    assert scopes_of(await _cli("token", "--role", "reader", env=env)) == ["national"]
    regional = await _cli(
        "token", "--role", "caseworker", "--scope", "region:H", "--scope", "la:383", env=env
    )
    assert scopes_of(regional) == ["region:H", "la:383"]
    unknown = await _cli("token", "--role", "reader", "--scope", "region:Q", env=env)
    assert unknown.returncode == 2 and "region:Q" in unknown.stderr


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


async def test_the_audit_worker_runs_as_its_role_and_reports_its_health(
    fresh_database: Callable[..., Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    env = {"DATABASE_URL": url, "STRONGTRUSTS_DATA_DIR": str(tmp_path)}
    before = await _cli("worker", "audit", "--check", env=env)
    assert before.returncode == 1
    assert "eventlog-sealer has not started" in before.stderr
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.cli",
        "worker",
        "audit",
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:

        async def healthy() -> bool:
            return (await _cli("worker", "audit", "--check", env=env)).returncode == 0

        await wait_until(healthy, timeout_s=60, what="the audit worker to start its consumers")
        owner = await connect(url, Settings(environment="test", database_url=url))
        try:
            runs_as = await owner.fetchval(
                "SELECT usename FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = 'strongtrusts'"
                " AND usename = 'strongtrusts_audit' LIMIT 1"
            )
        finally:
            await owner.close()
        assert runs_as == "strongtrusts_audit"
    finally:
        worker.terminate()
        async with asyncio.timeout(30):
            _, err = await worker.communicate()
    assert worker.returncode == 0, err.decode()


async def test_the_publisher_commands_say_what_they_need_and_where_they_start(
    fresh_database: Callable[..., Awaitable[str]], tmp_path: Path
) -> None:
    url = await fresh_database()
    env = {"DATABASE_URL": url, "STRONGTRUSTS_DATA_DIR": str(tmp_path)}
    no_nats = await _cli("publisher", "run", env=env)
    assert no_nats.returncode == 2 and "STRONGTRUSTS_NATS_URL" in no_nats.stderr
    nowhere = await _cli("publisher", "backfill", "--from-position", "999999", env=env)
    assert nowhere.returncode == 2 and "no event at position 999999" in nowhere.stderr
    from_start = await _cli("publisher", "backfill", env=env)
    assert from_start.returncode == 0, from_start.stderr
    assert "the publisher starts after" in from_start.stdout
