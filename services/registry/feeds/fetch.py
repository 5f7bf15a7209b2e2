"""Fetching one published file: conditional requests, retries with backoff, a size limit.

A file is streamed to a temporary name beside its destination, hashed as it arrives, and
renamed into place only once it is whole, so a crash never leaves a half file that looks
complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal

import httpx

from shared.contracts.feeds import FetchedFile

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# Worth another try: the server is busy or briefly broken, or the network dropped.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FetchPolicy:
    """How hard to try, and how much to accept."""

    attempts: int = 4
    retry_base_s: float = 2.0
    retry_max_s: float = 60.0
    max_bytes: int = 512 * 1024 * 1024


@dataclass(frozen=True)
class Outcome:
    """What the server said about one file: here it is, unchanged since, or not there."""

    status: Literal["fetched", "not_modified", "not_found"]
    file: FetchedFile | None = None
    path: Path | None = None


class FetchFailed(Exception):
    """A file could not be fetched: the server kept failing, refused, or sent too much."""

    def __init__(self, url: str, reason: str, attempts: int) -> None:
        super().__init__(f"{url}: {reason} (after {attempts} attempt{'s' * (attempts != 1)})")
        self.url = url
        self.reason = reason
        self.attempts = attempts


class _Retry(Exception):
    def __init__(self, reason: str, wait_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_s = wait_s


async def fetch_file(
    client: httpx.AsyncClient,
    url: str,
    dest: Path,
    *,
    role: str,
    previous: FetchedFile | None = None,
    policy: FetchPolicy = FetchPolicy(),
    sleep: Sleep = asyncio.sleep,
) -> Outcome:
    """Fetch ``url`` into ``dest``, asking only for changes since ``previous`` (its validators)."""
    headers: dict[str, str] = {}
    if previous is not None and previous.url == url:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    reason = ""
    for attempt in range(1, policy.attempts + 1):
        try:
            return await _attempt(client, url, dest, role, headers, policy, attempt)
        except _Retry as retry:
            reason = retry.reason
            if attempt == policy.attempts:
                break
            wait = min(policy.retry_max_s, policy.retry_base_s * 2 ** (attempt - 1))
            if retry.wait_s is not None:
                wait = min(policy.retry_max_s, max(wait, retry.wait_s))
            log.warning("fetching %s: %s; trying again in %.1fs", url, reason, wait)
            await sleep(wait)
    raise FetchFailed(url, reason, policy.attempts)


async def _attempt(
    client: httpx.AsyncClient,
    url: str,
    dest: Path,
    role: str,
    headers: dict[str, str],
    policy: FetchPolicy,
    attempt: int,
) -> Outcome:
    try:
        async with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304:
                return Outcome("not_modified")
            if status in (404, 410):
                return Outcome("not_found")
            if status in RETRY_STATUSES:
                raise _Retry(f"HTTP {status}", _retry_after(response))
            if status != 200:
                raise FetchFailed(url, f"HTTP {status}", attempt)
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchFailed(url, _too_large(policy), attempt)
            size, digest = await _save(response, dest, url, policy, attempt)
            return Outcome(
                "fetched",
                FetchedFile(
                    role=role,
                    name=dest.name,
                    url=url,
                    size=size,
                    sha256=digest,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                ),
                dest,
            )
    except httpx.TransportError as exc:
        raise _Retry(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None


async def _save(
    response: httpx.Response, dest: Path, url: str, policy: FetchPolicy, attempt: int
) -> tuple[int, str]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            async for chunk in response.aiter_bytes(_CHUNK):
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchFailed(url, _too_large(policy), attempt)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return size, digest.hexdigest()


def _too_large(policy: FetchPolicy) -> str:
    return f"is larger than the {policy.max_bytes:,} bytes allowed"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    with contextlib.suppress(TypeError, ValueError):
        when = parsedate_to_datetime(value)
        date_header = response.headers.get("Date")
        now = parsedate_to_datetime(date_header) if date_header else None
        if now is not None:
            return max(0.0, (when - now).total_seconds())
    return None


def file_digest(path: Path) -> str | None:
    """The SHA-256 of a file already on disk, or None when it is not there."""
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except FileNotFoundError:
        return None
