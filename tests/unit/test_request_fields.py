"""Every request field of every service is strict at the edge, so a new one cannot forget to be.

Read from the validators FastAPI actually runs (pydantic's core schemas of each route's
body, query and path parameters), not from the OpenAPI documents: strictness and the ISO
date check do not show in JSON Schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from shared.http.fields import iso_date
from shared.serve import load_app
from shared.settings import SERVICE_PORTS, Settings

# A pattern bounds a string's length when it is anchored and repeats nothing without limit.
_UNBOUNDED_REPEAT = re.compile(r"(?<!\\)[*+]|\{\d*,\}")


@dataclass(frozen=True)
class Node:
    """One validator in a core schema, where it is, and the validators around it."""

    schema: dict[str, Any]
    where: tuple[str, ...]
    parents: tuple[dict[str, Any], ...]


def _nodes(root: dict[str, Any]) -> Iterator[Node]:
    definitions: dict[str, dict[str, Any]] = {}

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("ref"), str) and "type" in value:
                definitions[value["ref"]] = value
            for item in value.values():
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    collect(root)
    followed: set[str] = set()

    def walk(
        value: Any, where: tuple[str, ...], parents: tuple[dict[str, Any], ...]
    ) -> Iterator[Node]:
        if isinstance(value, list | tuple):
            for item in value:
                yield from walk(item, where, parents)
            return
        if not isinstance(value, dict):
            return
        if value.get("type") == "definition-ref":
            ref = value["schema_ref"]
            if ref not in followed:
                followed.add(ref)
                yield from walk(definitions[ref], where, parents)
            return
        if isinstance(value.get("type"), str):
            yield Node(value, where, parents)
            parents = (*parents, value)
        for key, item in value.items():
            if key in ("metadata", "serialization", "ref", "function"):
                continue
            if key == "fields" and isinstance(item, dict):
                for name, field in item.items():
                    yield from walk(field, (*where, name), parents)
            else:
                yield from walk(item, where, parents)

    yield from walk(root, (), ())


def _problems(node: Node, source: str) -> list[str]:
    schema, kind = node.schema, node.schema["type"]
    out: list[str] = []
    if kind in ("int", "float", "bool") and source == "body" and schema.get("strict") is not True:
        out.append(f"{kind} is not strict (JSON true would pass as 1)")
    if kind == "float" and source == "body" and schema.get("allow_inf_nan") is not False:
        bounded = ("ge" in schema or "gt" in schema) and ("le" in schema or "lt" in schema)
        if not bounded:
            out.append("float takes NaN and infinities (Python's JSON reader does)")
    if kind in ("date", "datetime"):
        before = [
            p
            for p in node.parents
            if p["type"] == "function-before" and p["function"]["function"] is iso_date
        ]
        if kind == "datetime" or not before:
            out.append(f"{kind} is not an IsoDate (0 would pass as 1970-01-01)")
    # A path segment is bounded with the rest of the request head, by the server, and names
    # a resource: one that cannot exist is a 404 like any other unknown one.
    if kind == "str" and source != "path" and schema.get("max_length") is None:
        pattern = schema.get("pattern")
        bounded = (
            isinstance(pattern, str)
            and pattern.startswith("^")
            and pattern.endswith("$")
            and not _UNBOUNDED_REPEAT.search(pattern)
        )
        if not bounded:
            out.append("str has no max_length")
    if kind in ("list", "set", "tuple", "dict") and schema.get("max_length") is None:
        out.append(f"{kind} has no max_length")
    return out


def _params(dependant: Dependant, source: str) -> Iterator[Any]:
    yield from getattr(dependant, f"{source}_params")
    for sub in dependant.dependencies:
        yield from _params(sub, source)


def _request_fields(service: str) -> Iterator[tuple[str, str, Any]]:
    # Building an app connects to nothing.
    offline = Settings(environment="test", jwt_secret="request-fields-" * 4)
    app = load_app(service, offline, "postgresql://nobody@127.0.0.1:1/none")
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for source in ("body", "query", "path"):
            for param in _params(route.dependant, source):
                # As FastAPI's error locations name it: a request's one body is "body".
                where = source if source == "body" else f"{source}.{param.name}"
                label = f"{','.join(sorted(route.methods or ()))} {context.path} {where}"
                yield label, source, param._type_adapter.core_schema


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_every_request_field_is_strict_dated_and_bounded(service: str) -> None:
    found: list[str] = []
    checked = 0
    for label, source, core_schema in _request_fields(service):
        for node in _nodes(core_schema):
            checked += 1
            for problem in _problems(node, source):
                found.append(f"{'.'.join((label, *node.where))}: {problem}")
    assert checked > 0
    assert found == []


def test_the_check_finds_what_it_is_for() -> None:
    from datetime import date
    from typing import Annotated

    from pydantic import BaseModel, Field, Strict, TypeAdapter

    from shared.http.fields import IsoDate, StrictUrn

    class Lax(BaseModel):
        uid: int
        ok: StrictUrn
        value: Annotated[float, Strict()]
        on: date
        since: IsoDate
        name: str
        code: Annotated[str, Field(pattern=r"^[0-9]{3}$")]
        anything: Annotated[str, Field(pattern=r"^.*$")]
        tags: list[Annotated[str, Field(max_length=5)]]

    found = {
        (node.where, problem)
        for node in _nodes(dict(TypeAdapter(Lax).core_schema))
        for problem in _problems(node, "body")
    }
    assert {where for where, _ in found} == {
        ("uid",),
        ("value",),
        ("on",),
        ("name",),
        ("anything",),
        ("tags",),
    }
