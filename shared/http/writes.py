"""The one way every route writes: who and why, If-Match, idempotency, read-your-writes.

A write route takes ``create(step)`` (a new resource) or ``change(step)`` (a change to a
versioned one), from ``shared.http.steps``, naming the step it takes (who may take it, and
where, is the authority table's to say), and hands its handler to ``run``, which:

1. answers a retried request (same ``Idempotency-Key``) with its first answer;
2. runs the handler in a unit of work: one transaction holding its appends and, if a key
   was sent, the key and the answer, so neither exists without the other; the unit acts
   under the caller's authority for the step, so nothing is appended until the handler
   has checked the place of what it touches (``shared.authority.acting.authorize``), and
   every event records the caller's scope and that authority;
3. waits (briefly, bounded) until this service's read models have taken the write in, so
   the caller's next read shows it, and says where in the log it landed (``X-Log-Position``;
   a read sending that header back waits for at least that place).

The If-Match policy, for every versioned resource of every service: a change must name the
version it was decided on, as the strong ETag ``"N"`` the resource was read with (or ``*``
for whatever version it is now). Without If-Match the answer is 428; a weak tag or another
version is 412. ETags are the stream version of the resource, always quoted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from shared.authority.acting import Acting
from shared.errors import (
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
    UnprocessableContent,
)
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.errors import WrongExpectedVersion
from shared.eventlog.model import Checkpoint
from shared.eventlog.runtime import EventLogRuntime
from shared.eventlog.unit import UnitOfWork, unit_of_work
from shared.http.auth import Principal
from shared.http.fields import REASON_MAX
from shared.http.idempotency import IdempotencyKey, StoredAnswer
from shared.http.middleware import current_request_id
from shared.http.problems import problem_responses
from shared.settings import Settings

LOG_POSITION_HEADER = "X-Log-Position"
IF_MATCH_DESCRIPTION = (
    'The ETag the resource was read with (its version, quoted: `"3"`), or `*`. Required: '
    "without it the answer is 428; a stale or weak tag is refused with 412."
)
IDEMPOTENCY_DESCRIPTION = (
    "A key of your choosing (1-200 printable characters) that makes a retry safe: sent "
    "again with the same request within a day, the first answer comes back (marked "
    "`Idempotent-Replayed: true`) and nothing is done twice; with a different request, 422."
)
LOG_POSITION_DESCRIPTION = (
    "A write's `X-Log-Position` answer: wait (up to a few seconds, then 503) until this "
    "service's read models have taken in the log at least that far."
)
_TOKEN = re.compile(r"^(\d{1,9})\.(\d{1,20})\.(\d{1,20})$")
_STRONG_TAG = re.compile(r'^"(\d{1,18})"$')


# ------------------------------------------------------------------ metadata


def event_metadata(principal: Principal, reason: str | None = None) -> EventMetadata:
    """Metadata naming the token's subject as actor and the request id as correlation."""
    return EventMetadata(
        actor=principal.subject, reason=reason, correlation_id=current_request_id()
    )


Reason = Annotated[
    str | None,
    Header(alias="X-Reason", max_length=REASON_MAX, description="Why this write is being made"),
]


# ---------------------------------------------------------------- ETag policy


def etag(version: int) -> str:
    """The strong ETag of a resource at ``version``."""
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version If-Match names (None for ``*``); 428 when absent, 412 when not usable.

    If-Match compares strongly (RFC 9110 13.1.1), so a weak tag never matches.
    """
    if value is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you read (or *), so your change cannot overwrite"
            " someone else's"
        )
    value = value.strip()
    if value == "*":
        return None
    # RFC 9110 13.1.1: If-Match compares strongly, so a weak tag never matches, whatever
    # version it names: a client holding a weakened validator (a cache or proxy may have
    # weakened it) must not overwrite a version it never saw exactly.
    if value.startswith("W/"):
        raise PreconditionFailed(
            f"If-Match {value!r} is a weak entity tag, and If-Match uses the strong "
            'comparison (RFC 9110): send the ETag as this service gave it, e.g. "3"'
        )
    found = _STRONG_TAG.match(value)
    if found is None:
        raise PreconditionFailed(
            f'If-Match {value!r} is not a strong ETag this service issued (like "3")'
        )
    return int(found.group(1))


@contextmanager
def if_match_guard() -> Iterator[None]:
    """Turn a stale expected version from ``If-Match`` into 412 instead of 409."""
    try:
        yield
    except WrongExpectedVersion as exc:
        raise PreconditionFailed(
            f"{exc.stream_id} is now at version {exc.actual}; re-read it and try again",
            extra={"current_version": exc.actual},
        ) from exc


# ------------------------------------------------------------- read positions


def position_token(at: Checkpoint) -> str:
    """A place in the log, as the ``X-Log-Position`` header carries it."""
    return f"{at.era}.{at.tx_id}.{at.position}"


def parse_position_token(value: str) -> Checkpoint:
    """The place an ``X-Log-Position`` header names; 422 if it is not one."""
    found = _TOKEN.match(value.strip())
    if found is None:
        raise UnprocessableContent(
            f"{LOG_POSITION_HEADER} {value!r} is not a position this service issued"
        )
    return Checkpoint(int(found.group(1)), int(found.group(2)), int(found.group(3)))


async def read_after(
    request: Request,
    position: Annotated[
        str | None,
        Header(alias=LOG_POSITION_HEADER, max_length=64, description=LOG_POSITION_DESCRIPTION),
    ] = None,
) -> None:
    """Dependency of every route: with ``X-Log-Position``, first wait until it is read."""
    if position is None:
        return
    at = parse_position_token(position)
    runtime: EventLogRuntime = request.app.state.runtime
    settings: Settings = request.app.state.settings
    if not await runtime.reached(at, timeout_s=settings.read_wait_timeout_s):
        raise ServiceUnavailable(
            f"this service has not yet read the log up to {position}; try again shortly",
            headers={"Retry-After": "1"},
        )


# ---------------------------------------------------------------- the write


@dataclass
class Answer:
    """What a write answers: its body, status, and the version it left the resource at."""

    body: BaseModel
    status_code: int = 200
    version: int | None = None
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Work that may start only once the write has committed (a background import, say);
    # never run for a replayed answer.
    after_commit: Callable[[], None] | None = None

    def stored(self) -> StoredAnswer:
        headers = dict(self.headers)
        if self.version is not None:
            headers["ETag"] = etag(self.version)
        if self.location is not None:
            headers["Location"] = self.location
        return StoredAnswer(self.status_code, self.body.model_dump(mode="json"), headers)


Act = Callable[[UnitOfWork], Awaitable[Answer]]


@dataclass
class WriteRequest:
    """A write about to be made: by whom and why, on what version, under which key."""

    request: Request
    principal: Principal
    metadata: EventMetadata
    idempotency: IdempotencyKey | None
    # The caller taking the route's step: the unit of work acts under it.
    acting: Acting
    # A change sends If-Match (as it came; parsed when the write runs, so that who may do
    # it and whether the body is valid are answered first); a create does not.
    changes: bool = False
    if_match_header: str | None = None

    @property
    def if_match(self) -> int | None:
        """The version If-Match names (None for a create, or for ``*``)."""
        return parse_if_match(self.if_match_header) if self.changes else None

    async def run(self, act: Act) -> Response:
        """Do the write (once per idempotency key) and answer once it can be read back."""
        if_match = self.if_match
        runtime: EventLogRuntime = self.request.app.state.runtime
        settings: Settings = self.request.app.state.settings
        store = runtime.store
        key = self.idempotency
        if key is not None:
            async with store.pool.acquire() as conn:
                first = await key.answered(conn)
            if first is not None:
                return await self._replay(runtime, settings, first)
        try:
            async with unit_of_work(
                store, self.metadata, if_match=if_match, authority=self.acting
            ) as unit:
                if key is not None and not await key.claim(unit.conn):
                    raise _Replay
                with _guard(if_match is not None):
                    answer = await act(unit)
                stored = answer.stored()
                if unit.appended:
                    stored.headers[LOG_POSITION_HEADER] = position_token(unit.last)
                if key is not None:
                    await key.keep(unit.conn, stored)
        except _Replay:
            # The concurrent request committed its answer with its claim: it is there now.
            assert key is not None
            async with store.pool.acquire() as conn:
                first = await key.answered(conn)
            assert first is not None
            return await self._replay(runtime, settings, first)
        if answer.after_commit is not None:
            answer.after_commit()
        if unit.appended:
            await runtime.reached(
                unit.last, categories=unit.categories, timeout_s=settings.write_wait_timeout_s
            )
        return _respond(stored)

    async def _replay(
        self, runtime: EventLogRuntime, settings: Settings, first: StoredAnswer
    ) -> Response:
        token = first.headers.get(LOG_POSITION_HEADER)
        if token is not None:
            await runtime.reached(
                parse_position_token(token), timeout_s=settings.write_wait_timeout_s
            )
        return _respond(first, replayed=True)


class _Replay(Exception):
    """A concurrent request with the same key committed first: answer with its answer."""


@contextmanager
def _guard(if_match: bool) -> Iterator[None]:
    if if_match:
        with if_match_guard():
            yield
    else:
        yield


def _respond(answer: StoredAnswer, *, replayed: bool = False) -> Response:
    headers = dict(answer.headers)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


async def idempotency_of(
    request: Request, principal: Principal, key: str | None
) -> IdempotencyKey | None:
    """The request's idempotency key, bound to its caller, method, target and body."""
    if key is None:
        return None
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    content_type = request.headers.get("content-type", "")
    body = (
        await _form_digest(request)
        if content_type.startswith("multipart/form-data")
        else await request.body()
    )
    return IdempotencyKey.of(principal.subject, key, request.method, target, body)


async def _form_digest(request: Request) -> bytes:
    # A multipart body has been parsed into its parts by now; what identifies it is each
    # part's name and content (a file's name and bytes), not the boundary it was sent with.
    digest = hashlib.sha256()
    for name, value in sorted((await request.form()).multi_items(), key=lambda item: item[0]):
        digest.update(name.encode() + b"\0")
        if isinstance(value, str):
            digest.update(value.encode() + b"\0")
            continue
        digest.update((value.filename or "").encode() + b"\0")
        while chunk := await value.read(1 << 20):
            digest.update(chunk)
        await value.seek(0)
    return digest.digest()


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description=IDEMPOTENCY_DESCRIPTION,
    ),
]
IfMatchHeader = Annotated[
    str | None, Header(alias="If-Match", max_length=64, description=IF_MATCH_DESCRIPTION)
]


_ETAG = {
    "description": 'The resource\'s version as a strong ETag (quoted: `"3"`); send it back'
    " as If-Match to change the resource.",
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
_POSITION = {
    "description": "Where in the log the write landed; send it back as X-Log-Position to"
    " read at least this far.",
    "schema": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
}


def write_responses(
    status_code: int, *problems: int, versioned: bool = True, location: bool = False
) -> dict[int | str, dict[str, Any]]:
    """A write route's ``responses=``: its success headers, and its problems."""
    headers: dict[str, Any] = {LOG_POSITION_HEADER: _POSITION}
    if versioned:
        headers["ETag"] = _ETAG
    if location:
        headers["Location"] = {
            "description": "Where the new resource is read",
            "schema": {"type": "string"},
        }
    return {status_code: {"headers": headers}, **problem_responses(*problems)}


def read_responses(*problems: int, versioned: bool = False) -> dict[int | str, dict[str, Any]]:
    """A read route's ``responses=``: the ETag of a versioned resource, and its problems."""
    ok: dict[int | str, dict[str, Any]] = {200: {"headers": {"ETag": _ETAG}}} if versioned else {}
    return {**ok, **problem_responses(*problems)}


def mark_if_match_required(schema: dict[str, Any]) -> None:
    """Say in the OpenAPI document that If-Match is required wherever a route takes it.

    The dependency reads it as optional only so that its absence is answered with 428
    (RFC 6585) rather than a 422 validation error; to a client it is required.
    """
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "maxLength": 64}
