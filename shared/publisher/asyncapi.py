"""The AsyncAPI 3.0 document of what the publisher sends, generated from the event contracts.

One channel per service and stream category (the subject), one message per event type and
version, each a CloudEvent whose ``data`` is the contract's JSON schema. Committed as
``asyncapi.json`` at the root; a test fails when the contracts and the document differ
(``strongtrusts openapi`` rewrites it with the OpenAPI documents).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.contracts import assessment, commissioning, registry
from shared.eventlog.contracts import EventContract
from shared.publisher.envelope import SPEC_VERSION, cloud_type, source
from shared.settings import PROJECT_ROOT

VERSION = "1.0.0"
DEFAULT_PREFIX = "strongtrusts"
_REF = "#/components/schemas/{model}"
# The publishing services' contract modules, in the order services feed each other.
MODULES = {"registry": registry, "assessment": assessment, "commissioning": commissioning}

DESCRIPTION = """\
Every event of strongtrusts' append-only log, published to NATS JetStream in log order, \
once each: the stream `STRONGTRUSTS` (`STRONGTRUSTS_NATS_STREAM`) holds the subjects \
`strongtrusts.<service>.<category>` (the prefix is `STRONGTRUSTS_NATS_SUBJECT_PREFIX`).

Each message is a CloudEvent 1.0 in structured JSON mode. `id` is the event's id (also the \
`Nats-Msg-Id` header, which JetStream de-duplicates on), `type` is \
`strongtrusts.<service>.<Name>.v<version>`, `source` the service, `subject` the stream \
(`school-100001`), `time` when the log recorded it. The extensions give its `position` in \
the log, its `streamversion`, `correlationid` and `causationid`, the `metadata` exactly as \
hashed (actor, reason, correlation and causation ids, source), and the `streamhash`.

`data` is byte for byte the canonical JSON the log hashed (keys sorted, no whitespace, plain \
decimal numbers). A consumer can check each stream's chain: \
`streamhash = sha256(previous streamhash (32 zero bytes first) || int64be(streamversion) || \
int64be(time in microseconds since 1970) || sha256(for each of event id (16 bytes), \
subject, type name without prefix and version, version as text, data, metadata: \
int64be(length) || bytes))`; `shared.publisher.envelope.stream_link` does it in Python.

Types only ever gain versions: a message's `type` names the version of its `data`'s shape.\
"""


def document(prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The AsyncAPI 3.0 document for subjects under ``prefix``."""
    contracts = [
        (service, category, contract)
        for service, module in MODULES.items()
        for category, types in module.CATEGORY_EVENTS.items()
        for contract in types
    ]
    keys, definitions = models_json_schema(
        [(contract, "serialization") for _, _, contract in contracts], ref_template=_REF
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for service, category, contract in contracts:
        channel_id = f"{service}.{category}"
        message_id = _message_id(contract)
        channel = channels.setdefault(
            channel_id,
            {
                "address": f"{prefix}.{service}.{category}",
                "title": f"{service} {category} events",
                "description": f"Every event of the {service}'s `{category}-…` streams.",
                "messages": {},
            },
        )
        channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
        operations.setdefault(
            f"{channel_id}.send",
            {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"The publisher sends the {service}'s {category} events.",
                "messages": [],
            },
        )["messages"].append({"$ref": f"#/channels/{channel_id}/messages/{message_id}"})
        messages[message_id] = _message(service, contract, keys[(contract, "serialization")])
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "strongtrusts events", "version": VERSION, "description": DESCRIPTION},
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "development": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "`make run` with STRONGTRUSTS_NATS_URL=nats://127.0.0.1:4222",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {**_envelope_schemas(), **definitions.get("$defs", {})},
        },
    }


def _message_id(contract: type[EventContract]) -> str:
    return f"{contract.type_name}.v{contract.version}"


def _message(service: str, contract: type[EventContract], data: dict[str, Any]) -> dict[str, Any]:
    doc = inspect.getdoc(contract) or contract.type_name
    return {
        "name": contract.type_name,
        "title": contract.type_name.split(".", 1)[1],
        "summary": doc.splitlines()[0],
        "contentType": "application/cloudevents+json",
        "headers": {"$ref": "#/components/schemas/NatsHeaders"},
        "correlationId": {"location": "$message.payload#/correlationid"},
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": cloud_type(contract.type_name, contract.version)},
                        "source": {"const": source(service)},
                        "data": data,
                    },
                },
            ]
        },
    }


def _envelope_schemas() -> dict[str, Any]:
    return {
        "NatsHeaders": {
            "type": "object",
            "required": ["Nats-Msg-Id"],
            "properties": {
                "Nats-Msg-Id": {
                    "type": "string",
                    "format": "uuid",
                    "description": "The event id: JetStream drops a message with an id it has.",
                },
                "Nats-Expected-Last-Sequence": {
                    "type": "string",
                    "description": "Keeps the stream in log order: set by the publisher.",
                },
                "Content-Type": {
                    "type": "string",
                    "const": "application/cloudevents+json; charset=utf-8",
                },
            },
        },
        "CloudEvent": {
            "type": "object",
            "description": "A CloudEvent 1.0 (structured JSON) carrying one event of the log.",
            "required": [
                "specversion",
                "id",
                "source",
                "type",
                "subject",
                "time",
                "datacontenttype",
                "position",
                "streamversion",
                "streamhash",
                "metadata",
                "data",
            ],
            "additionalProperties": False,
            "properties": {
                "specversion": {"const": SPEC_VERSION},
                "id": {"type": "string", "format": "uuid", "description": "The event's id."},
                "source": {"type": "string", "description": "`/strongtrusts/<service>`."},
                "type": {
                    "type": "string",
                    "description": "`strongtrusts.<service>.<Name>.v<version>`.",
                },
                "subject": {"type": "string", "description": "The stream, e.g. `school-100001`."},
                "time": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When the log recorded it, to the microsecond, UTC.",
                },
                "datacontenttype": {"const": "application/json"},
                "position": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Its position in the log (the stream is in log order).",
                },
                "streamversion": {"type": "integer", "minimum": 1},
                "streamhash": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{64}$",
                    "description": "Its link in the stream's hash chain (see the document).",
                },
                "metadata": {
                    "type": "string",
                    "description": "The metadata as the chain hashed it: canonical JSON of"
                    " actor, reason, correlation_id, causation_id and source.",
                },
                "correlationid": {"type": "string", "description": "The request or import."},
                "causationid": {
                    "type": "string",
                    "format": "uuid",
                    "description": "The event that caused this one.",
                },
                "data": {"type": "object"},
            },
        },
    }


def committed_path() -> Path:
    """Where the reviewed document lives."""
    return PROJECT_ROOT / "asyncapi.json"


def render(doc: dict[str, Any]) -> str:
    """Stable text: the same document always gives the same bytes."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def is_stale() -> bool:
    """Whether the committed document differs from the contracts'."""
    path = committed_path()
    return not path.exists() or path.read_text(encoding="utf-8") != render(document())


def write() -> Path:
    """Write the document from the contracts; returns its path."""
    path = committed_path()
    path.write_text(render(document()), encoding="utf-8")
    return path
