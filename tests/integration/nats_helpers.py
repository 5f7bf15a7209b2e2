"""NATS for the publisher's tests: the machine's server, a private one to stop and start,
unique streams, and reading a stream back in order."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nats
import nats.js.errors
import pytest
from nats.aio.msg import Msg

from shared.publisher.jetstream import PublisherConfig

NATS_URL = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
HAVE_NATS_SERVER = Path(NATS_SERVER).exists()


def _absent(what: str) -> None:
    """Skip outside CI; in CI (CI=true) the machine must have it, so fail."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}, and CI must have it")
    pytest.skip(f"{what}: the publisher's tests need it")


async def reachable(url: str) -> bool:
    """Whether a NATS server answers at ``url``."""
    try:
        nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False)
    except Exception:
        return False
    await nc.close()
    return True


async def machine_nats() -> str:
    """The URL of the machine's NATS server with JetStream, or skip (fail in CI)."""
    if not await reachable(NATS_URL):
        _absent(f"no NATS server with JetStream answers at {NATS_URL}")
    return NATS_URL


def unique_config(url: str, **options: float) -> PublisherConfig:
    """A stream and subjects no other test uses."""
    tag = uuid.uuid4().hex[:10]
    return PublisherConfig(
        url=url, stream=f"ST_TEST_{tag.upper()}", prefix=f"sttest{tag}", **options
    )


@contextlib.asynccontextmanager
async def deleted_after(config: PublisherConfig) -> AsyncIterator[PublisherConfig]:
    """``config``, with its stream deleted afterwards."""
    try:
        yield config
    finally:
        with contextlib.suppress(Exception):
            nc = await nats.connect(config.url, connect_timeout=2, allow_reconnect=False)
            try:
                await nc.jetstream().delete_stream(config.stream)
            finally:
                await nc.close()


async def stream_count(config: PublisherConfig) -> int:
    """How many messages the stream holds (0 when it does not exist or NATS is down)."""
    try:
        nc = await nats.connect(config.url, connect_timeout=1, allow_reconnect=False)
    except Exception:
        return 0
    try:
        info = await nc.jetstream().stream_info(config.stream)
        return int(info.state.messages)
    except nats.js.errors.NotFoundError:
        return 0
    finally:
        await nc.close()


async def read_back(config: PublisherConfig) -> list[Msg]:
    """Every message of the stream, in stream order."""
    nc = await nats.connect(config.url, connect_timeout=2, allow_reconnect=False)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(config.stream)).state.messages
        sub = await js.pull_subscribe(f"{config.prefix}.>", stream=config.stream)
        out: list[Msg] = []
        while len(out) < total:
            batch = await sub.fetch(min(1000, total - len(out)), timeout=5)
            for msg in batch:
                await msg.ack()
            out.extend(batch)
        await sub.unsubscribe()
        return out
    finally:
        await nc.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class PrivateNats:
    """A NATS server of the test's own, to stop and start again on the same port and store."""

    store: Path
    port: int
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            NATS_SERVER,
            *("-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not await reachable(self.url):
            if loop.time() > deadline or self.process.returncode is not None:
                raise AssertionError("the private NATS server did not start")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Kill it (no clean shutdown: as a crash or a lost machine would)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self.process = None


@contextlib.asynccontextmanager
async def private_nats(folder: Path) -> AsyncIterator[PrivateNats]:
    """A private NATS server, not yet started; skip (fail in CI) without the binary."""
    if not HAVE_NATS_SERVER:
        _absent(f"no nats-server binary at {NATS_SERVER}")
    server = PrivateNats(folder, _free_port())
    try:
        yield server
    finally:
        await server.stop()
