"""The committed asyncapi.json is what the contracts say the publisher sends, and it fits."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import jsonschema_rs
import pytest

from shared.contracts import all_contracts
from shared.publisher import asyncapi
from shared.publisher.envelope import cloud_event
from tests.unit.test_publisher_envelope import recorded_school


def test_the_committed_document_is_what_the_contracts_describe() -> None:
    path = asyncapi.committed_path()
    assert path.exists(), f"{path} is missing: run `make openapi`"
    committed = json.loads(path.read_text(encoding="utf-8"))
    generated = asyncapi.document()
    assert sorted(committed["components"]["messages"]) == sorted(
        generated["components"]["messages"]
    ), "run `make openapi`"
    assert committed == generated, "run `make openapi` and review the change"
    assert path.read_text(encoding="utf-8") == asyncapi.render(generated)


@pytest.mark.parametrize("service", list(asyncapi.MODULES))
def test_every_contract_is_published_on_exactly_one_of_its_services_categories(
    service: str,
) -> None:
    module = asyncapi.MODULES[service]
    assert set(module.CATEGORY_EVENTS) == module.STREAM_CATEGORIES
    placed = Counter(c.type_name for types in module.CATEGORY_EVENTS.values() for c in types)
    assert set(placed) == set(module.contracts.type_names)
    assert [t for t, n in placed.items() if n > 1] == []


def test_every_type_and_version_is_a_message_on_its_subject() -> None:
    doc = asyncapi.document()
    messages = doc["components"]["messages"]
    assert set(messages) == {
        f"{name}.v{all_contracts().contract(name).version}" for name in all_contracts().type_names
    }
    assert doc["channels"]["registry.school"]["address"] == "strongtrusts.registry.school"
    assert "registry.SchoolRegistered.v1" in doc["channels"]["registry.school"]["messages"]
    for channel_id, channel in doc["channels"].items():
        operation = doc["operations"][f"{channel_id}.send"]
        assert operation["action"] == "send"
        assert len(operation["messages"]) == len(channel["messages"])


def test_every_reference_resolves() -> None:
    doc = asyncapi.document()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref


def test_what_the_publisher_sends_fits_its_documented_message() -> None:
    doc = asyncapi.document()
    event = recorded_school()
    body = json.loads(cloud_event(event, all_contracts()))
    schema = doc["components"]["messages"]["registry.SchoolRegistered.v1"]["payload"]
    validator = jsonschema_rs.validator_for(
        {**schema, "components": doc["components"]}, validate_formats=True
    )
    validator.validate(body)
    wrong = {**body, "type": "strongtrusts.registry.SchoolClosed.v1"}
    assert not validator.is_valid(wrong)
