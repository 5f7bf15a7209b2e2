"""RFC 9457 ``application/problem+json`` for every error a service answers with.

Domain code raises a ``DomainError`` subclass; one handler on the base class renders them all.
Validation errors, Starlette's own HTTP errors (unknown route, wrong method), the event log's
errors and unexpected exceptions are rendered in the same shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import UNREACHABLE_ERRORS
from shared.errors import (
    PROBLEM_TYPE_BASE,
    Conflict,
    DomainError,
    Forbidden,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    ServiceUnavailable,
    Unauthorized,
    UnprocessableContent,
)
from shared.eventlog.contracts import ContractError
from shared.eventlog.errors import EventIdReused, WrongExpectedVersion

PROBLEM_MEDIA_TYPE = "application/problem+json"
INTERNAL_ERROR_DETAIL = "An unexpected error occurred. It has been logged."

_RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
_REF_PREFIX = "#/components/schemas/"

logger = logging.getLogger("strongtrusts.http")


class Problem(BaseModel):
    """An RFC 9457 problem details body; problems may carry further members."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="URI identifying the kind of problem.",
        examples=[PROBLEM_TYPE_BASE + "not-found"],
    )
    title: str = Field(description="Short summary of the kind of problem.", examples=["Not Found"])
    status: int = Field(description="The HTTP status code.", examples=[404])
    detail: str = Field(description="What went wrong in this occurrence.")
    instance: str = Field(description="The request path this problem occurred on.")


class ValidationErrorItem(BaseModel):
    """One reason a request failed validation; the offending input is never echoed."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationProblem(Problem):
    """A 422 problem; when the request did not match the expected shape, it lists why.

    A well-formed request that the service still cannot process (a cursor it never gave
    out, say) is a 422 too, without ``errors``.
    """

    errors: list[ValidationErrorItem] = Field(default_factory=list)


class ProblemResponse(JSONResponse):
    """A JSON response with the ``application/problem+json`` media type."""

    media_type = PROBLEM_MEDIA_TYPE


def problem_body(
    *,
    status: int,
    title: str,
    type_uri: str,
    detail: str,
    instance: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON members of a problem; extra members never replace the standard ones."""
    members = {k: v for k, v in (extra or {}).items() if k not in _RESERVED_MEMBERS}
    body: dict[str, Any] = jsonable_encoder(members)
    body.update(type=type_uri, title=title, status=status, detail=detail, instance=instance)
    return body


def problem_response(
    *,
    status: int,
    title: str,
    type_uri: str,
    detail: str,
    instance: str,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    """A complete problem+json response."""
    body = problem_body(
        status=status,
        title=title,
        type_uri=type_uri,
        detail=detail,
        instance=instance,
        extra=extra,
    )
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def domain_error_response(error: DomainError, instance: str) -> ProblemResponse:
    """A domain error as a problem response for the request path ``instance``."""
    extra = dict(error.extra)
    if isinstance(extra.get("errors"), list):
        # Every error item is documented with a ``type`` (as validation's are): a rule
        # broken in domain code that names none is a ``value_error``.
        extra["errors"] = [
            {"type": "value_error", **item} if isinstance(item, dict) else item
            for item in extra["errors"]
        ]
    return problem_response(
        status=error.status,
        title=error.title,
        type_uri=error.type_uri,
        detail=error.detail,
        instance=instance,
        extra=extra,
        headers=error.headers,
    )


_KNOWN_STATUSES: Mapping[int, type[DomainError]] = {
    cls.status: cls
    for cls in (
        UnprocessableContent,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        PreconditionRequired,
        InternalError,
        ServiceUnavailable,
    )
}

WRONG_EXPECTED_VERSION_TYPE = PROBLEM_TYPE_BASE + "wrong-expected-version"
EVENT_ID_REUSED_TYPE = PROBLEM_TYPE_BASE + "event-id-reused"
CONTRACT_VIOLATION_TYPE = PROBLEM_TYPE_BASE + "contract-violation"
VALIDATION_TYPE = PROBLEM_TYPE_BASE + "validation-error"
UNSTORABLE_VALUE_TYPE = PROBLEM_TYPE_BASE + "unstorable-value"


def internal_error_response(instance: str) -> ProblemResponse:
    """The 500 problem: a generic detail, never the exception's text or traceback."""
    return domain_error_response(InternalError(INTERNAL_ERROR_DETAIL), instance)


def _status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _domain_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, DomainError):
        raise exc
    return domain_error_response(exc, request.url.path)


async def _wrong_expected_version(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, WrongExpectedVersion):
        raise exc
    expected = exc.expected if isinstance(exc.expected, int | str | None) else str(exc.expected)
    return problem_response(
        status=409,
        title="Wrong Expected Version",
        type_uri=WRONG_EXPECTED_VERSION_TYPE,
        detail=f"Stream {exc.stream_id} is at version {exc.actual}, not {expected}. "
        "Read it again and retry.",
        instance=request.url.path,
        extra={"stream_id": exc.stream_id, "expected": expected, "actual": exc.actual},
    )


async def _event_id_reused(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, EventIdReused):
        raise exc
    return problem_response(
        status=409,
        title="Event Id Reused",
        type_uri=EVENT_ID_REUSED_TYPE,
        detail="These event ids already belong to other events; a retry must resend the same events.",
        instance=request.url.path,
        extra={"event_ids": [str(i) for i in exc.event_ids]},
    )


async def _contract_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ContractError):
        raise exc
    return problem_response(
        status=422,
        title="Event Contract Violated",
        type_uri=CONTRACT_VIOLATION_TYPE,
        detail=str(exc),
        instance=request.url.path,
        extra={"event_type": exc.type_name, "errors": exc.errors},
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):
        raise exc
    # Only loc, msg and type: pydantic's "input" and "ctx" would echo what the client sent.
    errors = [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err.get("type")}
        for err in exc.errors()
    ]
    return problem_response(
        status=422,
        title="Request Validation Failed",
        type_uri=VALIDATION_TYPE,
        detail="The request does not match the expected shape.",
        instance=request.url.path,
        extra={"errors": errors},
    )


async def _database_data_error(request: Request, exc: Exception) -> Response:
    # SQLSTATE class 22: a value PostgreSQL cannot take, such as a NUL character in a text
    # filter or a number beyond an integer column's range. Such values come from the request
    # (found by fuzzing: a %00 in a query parameter was a 500); the input is not echoed.
    if not isinstance(exc, asyncpg.exceptions.DataError):
        raise exc
    logger.warning(
        "request refused by the database on %s %s: %s",
        request.method,
        request.url.path,
        type(exc).__name__,
    )
    return problem_response(
        status=422,
        title="Unprocessable Content",
        type_uri=UNSTORABLE_VALUE_TYPE,
        detail="A value in the request cannot be stored or searched for "
        "(a NUL character, or a number out of range).",
        instance=request.url.path,
    )


async def _http_exception(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    status = exc.status_code
    # These answers must not carry a body (RFC 9110).
    if status < 200 or status in (204, 205, 304):
        return Response(status_code=status, headers=exc.headers)
    known = _KNOWN_STATUSES.get(status)
    title = known.title if known is not None else _status_title(status)
    type_uri = known.type_uri if known is not None else "about:blank"
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else title
    return problem_response(
        status=status,
        title=title,
        type_uri=type_uri,
        detail=detail,
        instance=request.url.path,
        headers=exc.headers,
    )


async def _unhandled(request: Request, exc: Exception) -> Response:
    logger.error(
        "unhandled %s on %s %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return internal_error_response(request.url.path)


async def _database_unreachable(request: Request, exc: Exception) -> Response:
    # Not the request's fault and not a bug: the database is down or restarting. Say so,
    # and when to try again, rather than a 500 that looks like a defect.
    logger.warning("database unreachable on %s %s: %r", request.method, request.url.path, exc)
    response = domain_error_response(
        ServiceUnavailable("The database cannot be reached just now; try again shortly."),
        request.url.path,
    )
    response.headers["Retry-After"] = "1"
    return response


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error on ``app`` as problem+json, and document those bodies in OpenAPI."""
    handlers: dict[type[Exception], Callable[[Request, Exception], Any]] = {
        DomainError: _domain_error,
        RequestValidationError: _validation_error,
        StarletteHTTPException: _http_exception,
        WrongExpectedVersion: _wrong_expected_version,
        EventIdReused: _event_id_reused,
        ContractError: _contract_error,
        asyncpg.exceptions.DataError: _database_data_error,
        **dict.fromkeys(UNREACHABLE_ERRORS, _database_unreachable),
        # Starlette runs the Exception handler in its outermost middleware; the request
        # middleware in this package normally answers first so the response keeps its
        # request id and metrics.
        Exception: _unhandled,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
    _document_problems_in_openapi(app)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=`` entries documenting these statuses as problem+json bodies."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        model = ValidationProblem if status == 422 else Problem
        out[status] = {
            "description": _status_title(status),
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF_PREFIX + model.__name__}},
            },
        }
    return out


def _problem_component_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (Problem, ValidationProblem):
        schema = model.model_json_schema(ref_template=_REF_PREFIX + "{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _document_problems_in_openapi(app: FastAPI) -> None:
    """Add the problem schemas to the app's OpenAPI and correct FastAPI's default 422s."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(_problem_component_schemas())
        default_422 = {"$ref": _REF_PREFIX + "HTTPValidationError"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict):
                    continue
                if "requestBody" in operation:
                    # A body that cannot be parsed at all (bytes that are not JSON, broken
                    # multipart) is answered 400 before the route runs: found by fuzzing.
                    operation.setdefault("responses", {}).setdefault(
                        "400", problem_responses(400)[400]
                    )
                response = operation.get("responses", {}).get("422")
                if response is None:
                    continue
                if (
                    response.get("content", {}).get("application/json", {}).get("schema")
                    == default_422
                ):
                    response["content"] = problem_responses(422)[422]["content"]
        # FastAPI's own validation shapes are never sent, so drop them once unreferenced.
        for name in ("HTTPValidationError", "ValidationError"):
            if f'"$ref": "{_REF_PREFIX}{name}"' not in json.dumps(schema):
                components.pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
