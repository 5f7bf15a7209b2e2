"""Request middleware: request ids, Prometheus metrics, body size limits, last-resort 500s.

A pure ASGI middleware, so streamed request and response bodies pass through untouched and
the request id context variable is visible to everything the request runs.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import PayloadTooLarge
from shared.http.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS
from shared.http.problems import domain_error_response, internal_error_response

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED_ROUTE = "<unmatched>"

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

logger = logging.getLogger("strongtrusts.http")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return request_id_var.get()


def accept_request_id(value: str | None) -> str:
    """The caller's request id if it is safe to log and echo, else a fresh one."""
    if value is not None and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so FastAPI's body parsing re-raises it as is."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Content Too Large")


class RequestContextMiddleware:
    """Tags each request with an id, measures it, and refuses bodies over the size limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        max_body_bytes: int,
        body_limit_overrides: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        # Longest prefix first, so "/imports/large" beats "/imports".
        self.body_limit_overrides = sorted(
            (body_limit_overrides or {}).items(), key=lambda item: len(item[0]), reverse=True
        )

    def body_limit_for(self, path: str) -> int:
        """The largest request body accepted on ``path``."""
        for prefix, limit in self.body_limit_overrides:
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = accept_request_id(headers.get(REQUEST_ID_HEADER))
        token = request_id_var.set(request_id)
        try:
            await _RequestCycle(self, scope, receive, send, request_id).run(headers)
        finally:
            request_id_var.reset(token)


class _RequestCycle:
    """The state of one request as it passes through the middleware."""

    def __init__(
        self,
        middleware: RequestContextMiddleware,
        scope: Scope,
        receive: Receive,
        send: Send,
        request_id: str,
    ) -> None:
        self.middleware = middleware
        self.scope = scope
        self.path: str = scope["path"]
        self.limit = middleware.body_limit_for(self.path)
        self._receive = receive
        self._send = send
        self.request_id = request_id
        self.received = 0
        self.too_large = False
        self.response_started = False
        self.status = 500

    async def run(self, headers: Headers) -> None:
        """Pass the request on; answer 413 for oversized bodies and 500 for unhandled errors."""
        start = time.perf_counter()
        try:
            if self._declared_length(headers) > self.limit:
                self.too_large = True
                await self._send_too_large()
                return
            try:
                await self.middleware.app(self.scope, self.receive, self.send)
            except Exception:
                if self.response_started:
                    raise
                if self.too_large:
                    await self._send_too_large()
                    return
                # Answer here rather than in Starlette's outer error middleware, so the 500
                # carries the request id and is counted, and is logged while the id is set.
                logger.exception("unhandled error on %s %s", self.scope.get("method"), self.path)
                await self._send_to_client(internal_error_response(self.path))
                return
            if self.too_large and not self.response_started:
                await self._send_too_large()
        finally:
            self._record(time.perf_counter() - start)

    def _declared_length(self, headers: Headers) -> int:
        try:
            return int(headers.get("content-length", "0"))
        except ValueError:
            return 0

    async def receive(self) -> Message:
        if self.too_large:
            raise _BodyTooLarge
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.too_large = True
                raise _BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        # Once the body is over the limit, whatever the app answers is replaced by the 413.
        if self.too_large and not self.response_started:
            return
        await self._send_to_client_message(message)

    async def _send_too_large(self) -> None:
        error = PayloadTooLarge(f"The request body is larger than {self.limit} bytes.")
        response = domain_error_response(error, self.path)
        response.headers["Connection"] = "close"
        await self._send_to_client(response)

    async def _send_to_client(self, response: Response) -> None:
        await response(self.scope, self._receive_nothing, self._send_to_client_message)

    async def _receive_nothing(self) -> Message:
        return {"type": "http.disconnect"}

    async def _send_to_client_message(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.response_started = True
            self.status = message["status"]
            headers = message.get("headers") or []
            if any(name.lower() == _REQUEST_ID_BYTES for name, _ in headers):
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = self.request_id
            else:
                # Appended as the raw header it is: MutableHeaders would first look for one.
                message["headers"] = [*headers, (_REQUEST_ID_BYTES, self.request_id.encode())]
        await self._send(message)

    def _record(self, seconds: float) -> None:
        route = self.scope.get("route")
        template = getattr(route, "path", None) if route is not None else None
        # Raw paths of unmatched requests would make a label per scanner probe.
        label = template if isinstance(template, str) else UNMATCHED_ROUTE
        method = self.scope.get("method", "")
        key = (self.middleware.service, method, label, self.status)
        series = _SERIES.get(key)
        if series is None:
            service = self.middleware.service
            series = _SERIES[key] = (
                HTTP_REQUESTS.labels(service, method, label, str(self.status)),
                HTTP_REQUEST_DURATION.labels(service, method, label),
            )
        series[0].inc()
        series[1].observe(seconds)


_REQUEST_ID_BYTES = REQUEST_ID_HEADER.lower().encode()
# Each (service, method, route, status)'s counter and histogram, looked up once: prometheus's
# labels() checks and locks on every call. Routes are templates, so this stays small.
_SERIES: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}
