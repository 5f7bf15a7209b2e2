"""Errors every service raises, each with the HTTP status it is answered with.

Pure: no web framework here, so domain code can raise these; ``shared.http.problems``
renders them as RFC 9457 problem responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

PROBLEM_TYPE_BASE = "https://strongtrusts.dev/problems/"


class DomainError(Exception):
    """Base of every error a service answers with as a problem; subclasses set the class fields."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad Request"
    type_uri: ClassVar[str] = PROBLEM_TYPE_BASE + "bad-request"
    default_headers: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def __init__(
        self,
        detail: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.title
        self.extra: dict[str, Any] = dict(extra or {})
        self.headers: dict[str, str] = {**self.default_headers, **(headers or {})}
        super().__init__(self.detail)


class MalformedRequest(DomainError):
    """The request is not valid HTTP: answered by the server before any app code runs."""

    status = 400
    title = "Bad Request"
    type_uri = PROBLEM_TYPE_BASE + "malformed-request"


class UnprocessableContent(DomainError):
    """The request is well-formed but breaks a rule."""

    status = 422
    title = "Unprocessable Content"
    type_uri = PROBLEM_TYPE_BASE + "unprocessable-content"


# One class under two names: a bad request is answered with 422, as validation errors are.
BadRequest = UnprocessableContent


class IdempotencyKeyReused(UnprocessableContent):
    """An ``Idempotency-Key`` sent again with a different request."""

    type_uri = PROBLEM_TYPE_BASE + "idempotency-key-reused"


class Unauthorized(DomainError):
    """No valid credentials were presented."""

    status = 401
    title = "Unauthorized"
    type_uri = PROBLEM_TYPE_BASE + "unauthorized"
    default_headers = MappingProxyType({"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status = 403
    title = "Forbidden"
    type_uri = PROBLEM_TYPE_BASE + "forbidden"


class NotFound(DomainError):
    """The resource does not exist."""

    status = 404
    title = "Not Found"
    type_uri = PROBLEM_TYPE_BASE + "not-found"


class Conflict(DomainError):
    """The request conflicts with the resource's current state."""

    status = 409
    title = "Conflict"
    type_uri = PROBLEM_TYPE_BASE + "conflict"


class PreconditionFailed(DomainError):
    """The ``If-Match`` version is not the resource's current version."""

    status = 412
    title = "Precondition Failed"
    type_uri = PROBLEM_TYPE_BASE + "precondition-failed"


class PayloadTooLarge(DomainError):
    """The request body is larger than this endpoint accepts."""

    status = 413
    title = "Content Too Large"
    type_uri = PROBLEM_TYPE_BASE + "content-too-large"


class RequestHeaderFieldsTooLarge(DomainError):
    """The request's head is too large, or has too many header fields, to be read."""

    status = 431
    title = "Request Header Fields Too Large"
    type_uri = PROBLEM_TYPE_BASE + "request-header-fields-too-large"


class PreconditionRequired(DomainError):
    """A change needs ``If-Match`` so it cannot overwrite someone else's."""

    status = 428
    title = "Precondition Required"
    type_uri = PROBLEM_TYPE_BASE + "precondition-required"


class InternalError(DomainError):
    """Something unexpected went wrong; the body never says what."""

    status = 500
    title = "Internal Server Error"
    type_uri = PROBLEM_TYPE_BASE + "internal-error"


class ServiceUnavailable(DomainError):
    """A dependency (database, identity provider) cannot be reached just now."""

    status = 503
    title = "Service Unavailable"
    type_uri = PROBLEM_TYPE_BASE + "service-unavailable"


class MethodNotAllowed(DomainError):
    """The route exists but not with this method."""

    status = 405
    title = "Method Not Allowed"
    type_uri = PROBLEM_TYPE_BASE + "method-not-allowed"
