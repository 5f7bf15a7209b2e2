"""A recorded event as a CloudEvent: attributes, the log's own data bytes, and the chain."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from shared.contracts import all_contracts
from shared.contracts.registry import SchoolDetails, SchoolRegistered
from shared.eventlog.canonical import canonical_json
from shared.eventlog.contracts import ContractError, EventMetadata, UnknownEventType
from shared.eventlog.model import GENESIS_HASH, RecordedEvent, chain_stream_hash, event_digest
from shared.publisher.envelope import cloud_event, stream_link, subject

AT = datetime(2026, 12, 6, 3, 4, 5, 678901, tzinfo=UTC)


def recorded_school() -> RecordedEvent:
    data = SchoolRegistered(
        urn=100001,
        details=SchoolDetails(
            name="Brontë Primary", la_code="383", la_name="Leeds", status="Open", fsm_percent=21.5
        ),
        effective_on=date(2026, 11, 1),
    ).model_dump(mode="json")
    meta = EventMetadata(actor="alice", correlation_id="req-1", causation_id=uuid.UUID(int=7))
    meta_json = canonical_json(meta.model_dump(mode="json", exclude_none=True))
    event_id = uuid.UUID(int=42)
    digest = event_digest(
        event_id,
        "school-100001",
        "registry.SchoolRegistered",
        1,
        canonical_json(data).encode(),
        meta_json.encode(),
    )
    micros = int(AT.timestamp()) * 1_000_000 + AT.microsecond
    stream_hash = chain_stream_hash(GENESIS_HASH, 1, micros, digest)
    event = RecordedEvent(
        position=9,
        era=1,
        tx_id=100,
        event_id=event_id,
        stream_id="school-100001",
        category="school",
        stream_version=1,
        type="registry.SchoolRegistered",
        schema_version=1,
        data=data,
        # As PostgreSQL renders jsonb: not canonical, which the envelope must not pass on.
        metadata_json=json.dumps(meta.model_dump(mode="json", exclude_none=True), indent=1),
        recorded_at=AT,
        stream_hash=stream_hash,
    )
    return event


def test_an_event_becomes_a_cloudevent_whose_data_is_the_logs_own_bytes() -> None:
    event = recorded_school()
    body = cloud_event(event, all_contracts())
    assert body.endswith(b',"data":' + canonical_json(event.data).encode() + b"}")
    ce = json.loads(body)
    assert {k: v for k, v in ce.items() if k not in ("data", "metadata")} == {
        "specversion": "1.0",
        "id": str(uuid.UUID(int=42)),
        "source": "/strongtrusts/registry",
        "type": "strongtrusts.registry.SchoolRegistered.v1",
        "subject": "school-100001",
        "time": "2026-12-06T03:04:05.678901Z",
        "datacontenttype": "application/json",
        "position": 9,
        "streamversion": 1,
        "streamhash": event.stream_hash.hex(),
        "correlationid": "req-1",
        "causationid": str(uuid.UUID(int=7)),
    }
    assert subject("strongtrusts", event.type, event.category) == "strongtrusts.registry.school"


def test_a_consumer_recomputes_the_stream_hash_from_the_message_alone() -> None:
    event = recorded_school()
    message = json.loads(cloud_event(event, all_contracts()))
    assert stream_link(GENESIS_HASH, message) == event.stream_hash
    message["data"]["details"]["name"] = "Bronte Primary"
    assert stream_link(GENESIS_HASH, message) != event.stream_hash


def test_an_event_no_contract_describes_is_not_published() -> None:
    event = recorded_school()
    with pytest.raises(UnknownEventType):
        cloud_event(replace(event, type="registry.SchoolRenamed"), all_contracts())
    with pytest.raises(ContractError, match="newer than this code"):
        cloud_event(replace(event, schema_version=2), all_contracts())
