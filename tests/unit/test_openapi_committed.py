"""The committed OpenAPI documents are what the services serve (SDKs are generated from them)."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from shared import openapi_docs
from shared.settings import SERVICE_PORTS


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_the_committed_document_is_what_the_service_serves(service: str) -> None:
    path = openapi_docs.committed_path(service)
    assert path.exists(), f"{path} is missing: run `make openapi`"
    committed = json.loads(path.read_text(encoding="utf-8"))
    served = openapi_docs.served_document(service)
    # Compared as data first, for a readable diff of which operation changed.
    assert sorted(served["paths"]) == sorted(committed["paths"]), "run `make openapi`"
    assert served == committed, "run `make openapi` and review the change"
    assert path.read_text(encoding="utf-8") == openapi_docs.render(served)


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_operation_ids_are_unique_readable_and_errors_are_problems(service: str) -> None:
    document = openapi_docs.served_document(service)
    seen: set[str] = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            operation_id = operation["operationId"]
            assert operation_id not in seen, operation_id
            seen.add(operation_id)
            # "<tag>-<function name>": what an SDK generator turns into a method name.
            tag, _, name = operation_id.partition("-")
            assert tag and name.isidentifier(), (method, path, operation_id)
            assert operation.get("summary"), (method, path)
            if path in ("/healthz", "/readyz", "/metrics"):
                continue
            errors = {code for code in operation["responses"] if code[0] in "45"}
            assert {"401", "403"} <= errors, (method, path, sorted(errors))
            for code in errors:
                content = operation["responses"][code].get("content", {})
                assert "application/problem+json" in content, (method, path, code)


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_schema_titles_are_unique_so_generated_models_are_too(service: str) -> None:
    # SDK generators name models by title and drop all but one of a repeated title, which
    # leaves the operations using the others untyped.
    schemas = openapi_docs.served_document(service)["components"]["schemas"]
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    repeated = sorted({t for t in titles if titles.count(t) > 1})
    assert repeated == []


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_file_uploads_are_documented_as_binary(service: str) -> None:
    text = json.dumps(openapi_docs.served_document(service))
    assert text.count('"contentMediaType": "application/octet-stream"') == text.count(
        '"format": "binary"'
    )


@pytest.mark.parametrize("service", list(SERVICE_PORTS))
def test_every_json_body_has_an_example_that_fits_its_schema(service: str) -> None:
    document = openapi_docs.served_document(service)
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if media is None:
                continue
            ref = media["schema"]["$ref"]
            schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
            examples = schema.get("examples")
            assert examples, f"{method.upper()} {path}: its body has no example"
            # Resolved against the whole document, so nested $refs are checked too.
            validator = jsonschema_rs.validator_for(
                {"$ref": ref, "components": document["components"]}, validate_formats=True
            )
            for example in examples:
                validator.validate(example)
            checked += 1
    assert checked or service == "registry", "no JSON bodies found: is the document empty?"
