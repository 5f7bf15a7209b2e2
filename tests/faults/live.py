"""A service as a live uvicorn process, as production runs it, with its log kept for failures."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.settings import PROJECT_ROOT, Settings


@dataclass(frozen=True)
class LiveService:
    """A running service process."""

    process: asyncio.subprocess.Process
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        """The end of the service's own log, for a failure message."""
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def live_service(
    service: str, url: str, settings: Settings, *, ready_timeout_s: float = 60.0
) -> AsyncIterator[LiveService]:
    """``strongtrusts serve SERVICE`` on a free port; yields once ``/readyz`` answers 200."""
    port = _free_port()
    log_path = Path(tempfile.mkstemp(prefix=f"st-{service}-", suffix=".log")[1])
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "STRONGTRUSTS_JWT_SECRET": settings.jwt_secret or "",
        "STRONGTRUSTS_ENVIRONMENT": "test",
        "STRONGTRUSTS_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    log = await asyncio.to_thread(log_path.open, "wb")
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "shared.cli",
            "serve",
            service,
            "--port",
            str(port),
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=log,
        )
    finally:
        log.close()  # the child has its own copy
    live = LiveService(process, f"http://127.0.0.1:{port}", log_path)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ready_timeout_s
        async with httpx.AsyncClient(base_url=live.base_url) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/readyz")).status_code == 200:
                        break
                if process.returncode is not None or loop.time() > deadline:
                    raise RuntimeError(f"{service} did not become ready:\n{live.log_tail()}")
                await asyncio.sleep(0.1)
        yield live
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
        if not os.environ.get("ST_KEEP_LOGS"):  # set it to read the log after a run
            await asyncio.to_thread(log_path.unlink, True)
