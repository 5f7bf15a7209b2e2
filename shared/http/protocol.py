"""The HTTP/1.1 connection handler the services run under uvicorn: bounded request heads, and
problem+json for the requests the application never sees.

uvicorn parses HTTP/1.1 with httptools (llhttp) by default, and its protocol reads a request
head of any size: a 10 MB header, or 100,000 headers, are buffered before the app is called.
It answers a request the parser refuses (a control character in a header, a Content-Length
that overflows) with its own ``400 text/plain``. Its other parser, h11, bounds the head
(``h11_max_incomplete_event_size``) but not the number of headers, still answers in plain
text, and is several times slower.

So the services run this subclass of uvicorn's httptools protocol (``shared/serve.py``):

- a head over ``MAX_HEAD_BYTES`` (the request target plus every header line) or with more
  than ``MAX_HEADERS`` header fields is answered ``431 Request Header Fields Too Large``;
- a request the parser refuses is answered ``400``, with the parser's reason;

both as ``application/problem+json`` with an ``X-Request-ID``, written by this layer before
any of the app runs (so neither reaches the app's metrics or access log; each is logged
here), and both close the connection, since what follows on it cannot be trusted. A body
over its limit is the app's to refuse (413, ``shared/http/middleware.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from shared.errors import DomainError, MalformedRequest, RequestHeaderFieldsTooLarge
from shared.http.middleware import REQUEST_ID_HEADER
from shared.http.problems import PROBLEM_MEDIA_TYPE, problem_body

# Generous for any client: a bearer token with every role is under 2 KiB, and browsers and
# proxies keep heads under 8-16 KiB. Apache's default header count is 100 too.
MAX_HEAD_BYTES = 32 * 1024
MAX_HEADERS = 100
# What each header line adds besides its name and value: ": " and CRLF.
_HEADER_LINE_OVERHEAD = 4
# How long a refused connection is read from (and what arrives dropped) before it is closed.
LINGER_SECONDS = 2.0

logger = logging.getLogger("strongtrusts.http")


class _Refused(Exception):
    """Raised from a parser callback to stop reading; the error to answer with."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.detail)
        self.error = error


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with request heads bounded and refusals as problems."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # Bytes received since the last head ended: an upper bound on the head being read,
        # which the parser buffers until each header line is complete.
        self._raw_head_bytes = 0
        self._reading_head = True
        # The head as the parser hands it over: its target and header lines.
        self._head_bytes = 0
        self._header_count = 0
        self._path = ""
        self._lingering = False

    # The parser's callbacks, counting the head as it is parsed.

    def on_message_begin(self) -> None:
        self._reading_head = True
        self._head_bytes = self._header_count = 0
        self._path = ""
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._path:
            self._path = _path_of(self.url)
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            raise _Refused(
                RequestHeaderFieldsTooLarge(
                    f"The request has more than {MAX_HEADERS} header fields.",
                    extra={"max_headers": MAX_HEADERS},
                )
            )
        self._count(len(name) + len(value) + _HEADER_LINE_OVERHEAD)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._raw_head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._reading_head = True
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            raise _Refused(_head_too_large())

    # The transport's side.

    def data_received(self, data: bytes) -> None:
        # uvicorn's own, except for what is answered when the parser refuses the request
        # and for the bound on a head that has not finished arriving.
        if self._lingering:
            return
        self._unset_keepalive_if_required()
        if self._reading_head:
            self._raw_head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError as exc:
            refused = exc.__context__
            if isinstance(refused, _Refused):
                self._refuse(refused.error)
            else:
                self._refuse(MalformedRequest(f"The request is not valid HTTP/1.1: {exc}."))
            return
        # One header line can be longer than the limit on its own; the parser holds it until
        # it ends, so stop reading it here rather than when (if ever) it does.
        if self._reading_head and self._raw_head_bytes > MAX_HEAD_BYTES:
            self._refuse(_head_too_large())

    def send_400_response(self, msg: str) -> None:
        """uvicorn's plain-text 400, as a problem like every other answer."""
        self._refuse(MalformedRequest(msg))

    def _refuse(self, error: DomainError) -> None:
        if self._lingering or self.transport.is_closing():
            return
        request_id = uuid.uuid4().hex
        logger.warning(
            "refused a request before the app (%s): %s [request id %s]",
            error.status,
            error.detail,
            request_id,
        )
        body = json.dumps(
            problem_body(
                status=error.status,
                title=error.title,
                type_uri=error.type_uri,
                detail=error.detail,
                instance=self._path,
                extra=error.extra,
            )
        ).encode()
        head = [
            f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}",
            f"content-type: {PROBLEM_MEDIA_TYPE}",
            f"content-length: {len(body)}",
            f"{REQUEST_ID_HEADER.lower()}: {request_id}",
            "connection: close",
        ]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        self._linger()

    def _linger(self) -> None:
        # Closed at once with the rest of a large head still arriving, the socket would be
        # reset, and a reset can destroy the answer before the client reads it. So say we are
        # done (FIN), drop whatever still comes, and close once the client does, or soon.
        self._lingering = True
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def _head_too_large() -> RequestHeaderFieldsTooLarge:
    return RequestHeaderFieldsTooLarge(
        f"The request head (its target and header lines) is larger than {MAX_HEAD_BYTES} bytes.",
        extra={"max_head_bytes": MAX_HEAD_BYTES},
    )


def _path_of(target: bytes) -> str:
    """The path of a request target, for a problem's ``instance``; empty if it has none."""
    try:
        path = httptools.parse_url(target).path
    except httptools.HttpParserInvalidURLError:
        return ""
    return path.decode("ascii", "replace") if path else ""
