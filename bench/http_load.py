"""A lean HTTP/1.1 keep-alive load generator for loopback benchmarks.

httpx spends about a millisecond of CPU per request, which on a 2-core machine takes a
whole core from the server under test. This client writes the request bytes and reads the
response by Content-Length on one connection per client: tens of microseconds each.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.common import percentile


@dataclass(frozen=True)
class LoadRun:
    """Latencies of one load run."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        """Successful requests per second."""
        return (self.requests - self.errors) / self.seconds


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    await reader.readexactly(length)
    return status


async def load(
    host: str,
    port: int,
    token: str,
    path: Callable[[random.Random], str],
    *,
    clients: int,
    seconds: float,
) -> LoadRun:
    """``clients`` connections, each sending one GET after another for ``seconds``."""
    latencies: list[float] = []
    errors = 0

    def request(target: str) -> bytes:
        return (
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: application/json\r\n\r\n"
        ).encode()

    async def client(i: int, stop: float) -> None:
        nonlocal errors
        rng = random.Random(i)
        reader, writer = await asyncio.open_connection(host, port)
        try:
            await _get(reader, writer, request(path(rng)))  # warm the connection
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                status = await _get(reader, writer, request(path(rng)))
                latencies.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i, started + seconds) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return LoadRun(
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
    )
