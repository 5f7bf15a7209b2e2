"""A recorded event as it is published: its subject and its CloudEvents 1.0 JSON.

The ``data`` member is the event's data exactly as the log hashed it (canonical JSON, see
``shared.eventlog.canonical``), and the extensions carry what the per-stream hash chain
covers besides, so a consumer can recompute the chain from the messages alone
(``stream_link``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson

from shared.eventlog.canonical import canonical_json, canonical_json_read_back
from shared.eventlog.contracts import ContractError, EventRegistry
from shared.eventlog.model import RecordedEvent, chain_stream_hash, event_digest

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
TYPE_PREFIX = "strongtrusts."


def service_of(event_type: str) -> str:
    """The publishing service: every stored type name is ``<service>.<Name>``."""
    return event_type.split(".", 1)[0]


def subject(prefix: str, event_type: str, category: str) -> str:
    """The subject an event is published on: one per service and stream category."""
    return f"{prefix}.{service_of(event_type)}.{category}"


def cloud_type(event_type: str, schema_version: int) -> str:
    """The CloudEvents ``type``: the stable type name and the version of its data's shape."""
    return f"{TYPE_PREFIX}{event_type}.v{schema_version}"


def source(service: str) -> str:
    """The CloudEvents ``source``: the service that appended the event."""
    return f"/strongtrusts/{service}"


def cloud_event(event: RecordedEvent, registry: EventRegistry) -> bytes:
    """The event as CloudEvents 1.0 JSON (structured mode).

    Raises ContractError when no contract of this code knows the event's type and version:
    what cannot be described is not published, and the publisher stops on it.
    """
    contract = registry.contract(event.type)
    if event.schema_version > contract.version:
        raise ContractError(
            event.type,
            f"stored version {event.schema_version} is newer than this code's {contract.version}",
        )
    try:
        data = canonical_json_read_back(event.data)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ContractError(event.type, f"cannot be written as canonical JSON: {exc}") from None
    metadata: dict[str, Any] = orjson.loads(event.metadata_json)
    service = service_of(event.type)
    attributes: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        # str(): the log's reader hands over asyncpg's own UUID type, which orjson does not know.
        "id": str(event.event_id),
        "source": source(service),
        "type": cloud_type(event.type, event.schema_version),
        "subject": event.stream_id,
        # RFC 3339 in UTC, to the microsecond the chain hashes.
        "time": event.recorded_at,
        "datacontenttype": "application/json",
        # Extensions: where it sits in the log and in its stream, and the chain.
        "position": event.position,
        "streamversion": event.stream_version,
        "streamhash": event.stream_hash.hex(),
        # Metadata holds only strings (EventMetadata), which orjson writes canonically.
        "metadata": orjson.dumps(metadata, option=orjson.OPT_SORT_KEYS).decode(),
    }
    if metadata.get("correlation_id") is not None:
        attributes["correlationid"] = metadata["correlation_id"]
    if metadata.get("causation_id") is not None:
        attributes["causationid"] = metadata["causation_id"]
    # The data goes in as the very bytes the log hashed, not re-encoded.
    return orjson.dumps(attributes, option=orjson.OPT_UTC_Z)[:-1] + b',"data":' + data + b"}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stream_link(previous: bytes, message: Mapping[str, Any]) -> bytes:
    """Recompute a published event's stream hash from the one before it in its stream.

    ``message`` is the parsed CloudEvent; its stream's first event follows 32 zero bytes.
    Equal to the message's ``streamhash`` when nothing was changed on the way.
    """
    name, _, version = message["type"].removeprefix(TYPE_PREFIX).rpartition(".v")
    at = datetime.fromisoformat(message["time"].replace("Z", "+00:00"))
    micros = (at - _EPOCH) // timedelta(microseconds=1)
    digest = event_digest(
        UUID(message["id"]),
        message["subject"],
        name,
        int(version),
        canonical_json(message["data"]).encode(),
        message["metadata"].encode(),
    )
    return chain_stream_hash(previous, int(message["streamversion"]), micros, digest)
