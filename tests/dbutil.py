"""Test databases: a throwaway embedded PostgreSQL, or TEST_DATABASE_URL's server."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path

import asyncpg

from shared import migrate
from shared.db import asyncpg_dsn, start_embedded_postgres, with_database


def server_url() -> str:
    """An admin URL for the test server: TEST_DATABASE_URL, or a fresh embedded one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    # A short path: the server's Unix socket lives in the data directory.
    data_dir = Path(tempfile.mkdtemp(prefix="st-pg-"))
    return start_embedded_postgres(data_dir, throwaway=True)


async def create_database(admin_url: str, *, migrated: bool = True) -> str:
    """A new, uniquely named database on the test server, migrated to head unless told not."""
    name = f"st_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = with_database(admin_url, name)
    if migrated:
        await asyncio.to_thread(migrate.upgrade, url)
    return url


async def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by ``create_database``, ending any connections still open."""
    name = asyncpg_dsn(url).rsplit("/", 1)[-1].split("?", 1)[0]
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
