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


async def open_loop(
    host: str,
    port: int,
    token: str,
    path: Callable[[random.Random], str],
    *,
    rate: float,
    seconds: float,
    connections: int = 64,
) -> LoadRun:
    """Requests sent at a fixed ``rate`` per second for ``seconds``, whatever the answers.

    Unlike ``load``, where each client waits for its answer before asking again (so a slow
    server is asked less), this keeps the offered rate: each request has its moment, and its
    latency counts from that moment, so time spent waiting for a free connection counts too.
    Up to ``connections`` keep-alive connections are opened as needed.
    """
    rng = random.Random(0)
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened = 0
    freed = asyncio.Condition()
    latencies: list[float] = []
    errors = 0

    def request(target: str) -> bytes:
        return (
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: application/json\r\n\r\n"
        ).encode()

    async def one(due: float, target: str) -> None:
        nonlocal opened, errors
        async with freed:
            while not idle and opened >= connections:
                await freed.wait()
            if idle:
                conn = idle.pop()
            else:
                opened += 1
                conn = await asyncio.open_connection(host, port)
        try:
            status = await _get(*conn, request(target))
        except (asyncio.IncompleteReadError, ConnectionError):
            status = 0
            conn[1].close()
            async with freed:
                opened -= 1
                freed.notify()
        else:
            async with freed:
                idle.append(conn)
                freed.notify()
        latencies.append((time.perf_counter() - due) * 1000)
        if status != 200:
            errors += 1

    tasks: set[asyncio.Task[None]] = set()
    started = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(due, path(rng)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    for _, writer in idle:
        writer.close()
    return LoadRun(
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
    )


_IDLE_S = 3.0


@dataclass(frozen=True)
class Call:
    """One request of a mixed load: which endpoint it measures, and what to send where."""

    endpoint: str  # the label results are kept under, e.g. "GET /schools/{urn}"
    port: int
    method: str
    target: str
    body: bytes | None = None


@dataclass
class MixedRun:
    """Per-endpoint latencies and statuses of one mixed load run, and its writes' fates."""

    seconds: float
    latencies_ms: dict[str, list[float]]
    statuses: dict[str, dict[int, int]]
    # X-Request-ID of every write answered 2xx, and of every write sent.
    acknowledged_writes: list[str]
    writes_sent: int


def _mixed_request(host: str, token: str, call: Call, request_id: str) -> bytes:
    head = (
        f"{call.method} {call.target} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: application/json\r\n"
        f"X-Request-ID: {request_id}\r\n"
    )
    if call.body is None:
        return (head + "\r\n").encode()
    head += (
        "Content-Type: application/json\r\nX-Reason: mixed load benchmark\r\n"
        f"Content-Length: {len(call.body)}\r\n\r\n"
    )
    return head.encode() + call.body


async def mixed_load(
    host: str,
    token: str,
    pick: Callable[[random.Random], Call],
    *,
    clients: int,
    seconds: float,
    run_id: str,
) -> MixedRun:
    """``clients`` clients, each with one keep-alive connection per port, sending what
    ``pick`` chooses one request after another for ``seconds``. Every request carries a
    unique X-Request-ID (``run_id``-client-n), which services record as the correlation id
    of the events a write appends, so acknowledged writes can be found in the log."""
    run = MixedRun(0.0, {}, {}, [], 0)

    async def client(i: int, stop: float) -> None:
        rng = random.Random(i)
        conns: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        last_used: dict[int, float] = {}
        n = 0
        try:
            while time.perf_counter() < stop:
                call = pick(rng)
                n += 1
                request_id = f"{run_id}-{i}-{n}"
                # uvicorn closes a keep-alive connection idle for 5 s; a connection to a
                # rarely picked service is opened afresh rather than found closed.
                if call.port in conns and time.perf_counter() - last_used[call.port] > _IDLE_S:
                    conns.pop(call.port)[1].close()
                if call.port not in conns:
                    conns[call.port] = await asyncio.open_connection(host, call.port)
                reader, writer = conns[call.port]
                writing = call.method != "GET"
                run.writes_sent += writing
                t0 = time.perf_counter()
                try:
                    status = await _get(
                        reader, writer, _mixed_request(host, token, call, request_id)
                    )
                except (asyncio.IncompleteReadError, ConnectionError):
                    # No answer: counted as status 0, a write as not acknowledged.
                    status = 0
                    conns.pop(call.port)[1].close()
                last_used[call.port] = time.perf_counter()
                run.latencies_ms.setdefault(call.endpoint, []).append(
                    (time.perf_counter() - t0) * 1000
                )
                counts = run.statuses.setdefault(call.endpoint, {})
                counts[status] = counts.get(status, 0) + 1
                if writing and 200 <= status < 300:
                    run.acknowledged_writes.append(request_id)
        finally:
            for _, writer in conns.values():
                writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i, started + seconds) for i in range(clients)))
    run.seconds = time.perf_counter() - started
    return run
