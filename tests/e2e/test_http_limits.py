"""Requests the app never sees, over raw sockets to a live service: bounded, and problems.

The probe found uvicorn reading a 10 MB header, or 100,000 headers, and answering malformed
requests with a plain-text 400. The service runs as production runs it
(``strongtrusts serve``), so this is the protocol ``shared/serve.py`` configures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from shared.http.protocol import MAX_HEAD_BYTES, MAX_HEADERS
from shared.settings import Settings
from tests.faults.live import LiveService, live_service

PROBLEM_JSON = "application/problem+json"
TYPE = "https://strongtrusts.dev/problems/"


@dataclass(frozen=True)
class Answer:
    """An HTTP/1.1 response read off the wire."""

    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, Any]:
        assert self.headers["content-type"] == PROBLEM_JSON, self
        body: dict[str, Any] = json.loads(self.body)
        assert body["status"] == self.status
        return body


@pytest.fixture(scope="module")
async def service(settings: Settings, database_url: str) -> AsyncIterator[LiveService]:
    async with live_service("registry", database_url, settings) as live:
        yield live


async def exchange(service: LiveService, *chunks: bytes) -> Answer:
    """Send ``chunks`` on a new connection, then read the answer until the server closes."""
    where = urlsplit(service.base_url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    # Read while sending: the server may answer, and stop reading, before we are done.
    answer = asyncio.create_task(_read_until_closed(reader))
    try:
        for chunk in chunks:
            if answer.done():
                break
            try:
                writer.write(chunk)
                await writer.drain()
            except ConnectionError:
                break
        raw = await asyncio.wait_for(answer, timeout=30)
    finally:
        answer.cancel()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body)


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            data += chunk
    return data


def request(*headers: str, target: str = "/healthz", method: str = "GET") -> bytes:
    """A request head closing the connection after the answer, with ``headers`` added."""
    lines = [f"{method} {target} HTTP/1.1", "Host: test", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def test_a_head_within_the_limits_is_served(service: LiveService) -> None:
    just_under = "x" * (MAX_HEAD_BYTES - 1024)
    answer = await exchange(service, request(f"X-Big: {just_under}"))
    assert answer.status == 200, answer
    many = [f"X-H{n}: {n}" for n in range(MAX_HEADERS - 3)]  # with Host and Connection
    assert (await exchange(service, request(*many))).status == 200


async def test_a_ten_megabyte_header_is_refused_with_431_before_it_is_read(
    service: LiveService,
) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Huge: "
    chunk = b"x" * 65536
    answer = await exchange(service, head, *([chunk] * (10 * 1024 * 1024 // len(chunk))))
    assert answer.status == 431
    problem = answer.problem()
    assert problem["type"] == TYPE + "request-header-fields-too-large"
    assert problem["max_head_bytes"] == MAX_HEAD_BYTES
    assert problem["instance"] == "/healthz"
    assert answer.headers["connection"] == "close"
    assert answer.headers["x-request-id"]


async def test_too_many_headers_are_refused_with_431(service: LiveService) -> None:
    # 100,000 headers of a few bytes each: the count, not the size, is what is over.
    headers = [f"a{n}: b" for n in range(100_000)]
    answer = await exchange(service, request(*headers))
    assert answer.status == 431
    problem = answer.problem()
    assert str(MAX_HEADERS) in problem["detail"]
    assert problem["max_headers"] == MAX_HEADERS


async def test_a_long_target_counts_towards_the_head(service: LiveService) -> None:
    answer = await exchange(service, request(target="/schools?q=" + "x" * MAX_HEAD_BYTES))
    assert answer.status == 431
    assert answer.problem()["type"] == TYPE + "request-header-fields-too-large"


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (request("X-Evil: a\x01b"), "header value"),
        (request("Content-Length: 99999999999999999999999", method="POST"), "content-length"),
        (request("Content-Length: -1", method="POST"), "content-length"),
        (b"GET /healthz HTTP/1.1\r\nHost: test\r\nBad Header: x\r\n\r\n", "header"),
    ],
    ids=["control-character", "content-length-overflow", "negative-content-length", "space"],
)
async def test_what_the_parser_refuses_is_a_400_problem_with_its_reason(
    service: LiveService, head: bytes, reason: str
) -> None:
    answer = await exchange(service, head)
    assert answer.status == 400, answer
    problem = answer.problem()
    assert problem["type"] == TYPE + "malformed-request"
    assert problem["detail"].startswith("The request is not valid HTTP/1.1")
    assert reason in problem["detail"].lower()
    assert answer.headers["connection"] == "close"


async def test_a_declared_body_over_the_limit_is_the_apps_413(service: LiveService) -> None:
    # Valid HTTP with an absurd but well-formed Content-Length: the parser passes it on and
    # the app refuses it before reading a byte of it.
    answer = await exchange(service, request("Content-Length: 10000000000", method="POST"))
    assert answer.status == 413
    assert answer.problem()["type"] == TYPE + "content-too-large"


async def test_the_service_serves_on_after_refusing(service: LiveService) -> None:
    await exchange(service, request(*[f"a{n}: b" for n in range(1000)]))
    assert (await exchange(service, request())).status == 200
