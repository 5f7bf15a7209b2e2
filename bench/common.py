"""Shared pieces: progress lines, timing, percentiles and a throwaway migrated database."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import socket
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from shared.db import start_embedded_postgres
from shared.settings import PROJECT_ROOT, Settings
from tests import dbutil

_T0 = time.perf_counter()


def progress(message: str) -> None:
    """One progress line on stderr, with the seconds since the run started."""
    print(f"[{time.perf_counter() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def quiet_platformdirs() -> None:
    """pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI)."""
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs.*")


def median(samples: Sequence[float]) -> float:
    """The median of the repetitions (what every headline figure reports)."""
    return float(statistics.median(samples))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class BenchDatabase:
    """A fresh migrated database, and the admin URL of its server."""

    admin_url: str
    url: str
    source: str


def admin_server_url() -> tuple[str, str]:
    """BENCH_DATABASE_URL's server, or a throwaway embedded PostgreSQL; and which it is."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url, "BENCH_DATABASE_URL"
    # A short path: the server's Unix socket lives in the data directory.
    data_dir = Path(tempfile.mkdtemp(prefix="st-bench-"))
    return start_embedded_postgres(data_dir, throwaway=True), "embedded pgserver (throwaway)"


@asynccontextmanager
async def bench_database() -> AsyncIterator[BenchDatabase]:
    """Create a uniquely named, migrated database for one run, and drop it afterwards."""
    admin_url, source = admin_server_url()
    url = await dbutil.create_database(admin_url)
    try:
        yield BenchDatabase(admin_url, url, source)
    finally:
        await dbutil.drop_database(admin_url, url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def run_worker(job: str, url: str, *args: str) -> dict[str, Any]:
    """Run ``python -m bench.worker JOB ARGS`` on the database at ``url``; its JSON result."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.worker",
        job,
        *args,
        env=env,
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"bench.worker {job} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


@asynccontextmanager
async def service_server(
    service: str, url: str, settings: Settings, workers: int = 1
) -> AsyncIterator[int]:
    """A service as a separate uvicorn process, so the load generator has its own CPU.

    Yields its port once ``/readyz`` answers 200 (its consumers running).
    """
    port = _free_port()
    argv = ["-m", "shared.cli", "serve", service, "--port", str(port), "--workers", str(workers)]
    async with _server(argv, port, url, settings, "/readyz", service):
        yield port


@asynccontextmanager
async def floor_server(url: str, settings: Settings) -> AsyncIterator[int]:
    """``bench.http_floor`` as a separate process, served as the services are; its port."""
    port = _free_port()
    async with _server(
        ["-m", "bench.http_floor", "--port", str(port)], port, url, settings, "/healthz", "floor"
    ):
        yield port


@asynccontextmanager
async def console_server(
    urls: Mapping[str, str], settings: Settings, data_dir: Path
) -> AsyncIterator[int]:
    """The console as ``strongtrusts-console`` serves it, over the services at ``urls``."""
    port = _free_port()
    argv = ["-c", "from services.console.main import serve; serve()", "--port", str(port)]
    env = {
        "STRONGTRUSTS_DATA_DIR": str(data_dir),
        **{f"STRONGTRUSTS_CONSOLE_{name.upper()}_URL": url for name, url in urls.items()},
    }
    async with _server(argv, port, "", settings, "/sign-in", "console", env):
        yield port


@asynccontextmanager
async def _server(
    argv: list[str],
    port: int,
    url: str,
    settings: Settings,
    ready: str,
    name: str,
    extra_env: Mapping[str, str] | None = None,
) -> AsyncIterator[None]:
    env = {
        **os.environ,
        **(extra_env or {}),
        "DATABASE_URL": url,
        "STRONGTRUSTS_JWT_SECRET": settings.jwt_secret or "",
        "STRONGTRUSTS_ENVIRONMENT": "test",
        "STRONGTRUSTS_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        env=env,
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(ready)).status_code == 200:
                        break
                if proc.returncode is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {name} server did not become ready")
                await asyncio.sleep(0.1)
        yield
    finally:
        proc.terminate()
        await proc.wait()
