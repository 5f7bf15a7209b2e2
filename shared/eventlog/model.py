"""The values the event log deals in: events to append, recorded events, checkpoints."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, NamedTuple
from uuid import UUID, uuid4

import orjson

from shared.eventlog.canonical import DIGITS_TO_ZERO
from shared.eventlog.contracts import EventContract, EventMetadata, EventRegistry
from shared.eventlog.errors import InvalidStreamId

ExpectedVersion = int | Literal["any", "no_stream", "exists"]
ANY: Literal["any"] = "any"
NO_STREAM: Literal["no_stream"] = "no_stream"
STREAM_EXISTS: Literal["exists"] = "exists"

GENESIS_HASH = bytes(32)
_STREAM_ID = re.compile(r"^[a-z][a-z0-9_]*-[A-Za-z0-9_.:-]{1,200}$")


def category_of(stream_id: str) -> str:
    """A stream's category is the part of its id before the first hyphen."""
    if not _STREAM_ID.match(stream_id):
        raise InvalidStreamId(f"stream id {stream_id!r} is not of the form category-identity")
    return stream_id.split("-", 1)[0]


class Checkpoint(NamedTuple):
    """A place in the log order (era, transaction id, position); compared as a row."""

    era: int = 0
    tx_id: int = 0
    position: int = 0


START = Checkpoint()


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: its contract data, who and why, and an id that makes retries safe."""

    data: EventContract
    metadata: EventMetadata
    event_id: UUID = field(default_factory=uuid4)


def new_event_ids(batch: int = 1024) -> Iterator[UUID]:
    """Fresh event ids without end, random like ``uuid4``'s, read from the system's
    randomness ``batch`` at a time rather than one each (for a feed writing tens of
    thousands of events)."""
    while True:
        random = os.urandom(16 * batch)
        for start in range(0, 16 * batch, 16):
            yield UUID(bytes=random[start : start + 16], version=4)


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream within a multi-stream append."""

    stream_id: str
    events: Sequence[NewEvent]
    expected_version: ExpectedVersion


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Where an append landed. ``duplicate`` means the same events were already stored."""

    stream_id: str
    positions: tuple[int, ...]
    first_version: int
    last_version: int
    duplicate: bool = False
    # The log-order place of its last event: a reader that has reached it has seen them all.
    last: Checkpoint = START


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: decoded JSON, upcast to the current contract only on ``decode``."""

    position: int
    era: int
    tx_id: int
    event_id: UUID
    stream_id: str
    category: str
    stream_version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    # Kept as stored and parsed on demand: most consumers never look at it, and parsing
    # it for every event read was a tenth of a replay's time.
    metadata_json: str
    recorded_at: datetime
    # Its link in the stream's hash chain: the sealer extends the global chain with it, the
    # publisher hands it on.
    stream_hash: bytes

    @property
    def checkpoint(self) -> Checkpoint:
        """The log-order position just after which a reader resumes."""
        return Checkpoint(self.era, self.tx_id, self.position)

    @property
    def metadata(self) -> dict[str, Any]:
        """The metadata as stored (actor, reason, correlation and causation ids, source)."""
        value: dict[str, Any] = json.loads(self.metadata_json)
        return value

    @property
    def meta(self) -> EventMetadata:
        """The metadata as a validated model."""
        return EventMetadata.model_validate_json(self.metadata_json)

    def decode(self, registry: EventRegistry) -> EventContract:
        """The data as the current version of its contract (upcast if stored older)."""
        return registry.decode(self.type, self.schema_version, self.data)

    def current(self, registry: EventRegistry) -> RecordedEvent:
        """This event with its data in the current contract's shape (its stored version kept).

        For projections that read the JSON directly: an event stored under an older contract
        is upcast, validated and given its defaults; a current one is returned as it is.
        """
        if self.schema_version == registry.contract(self.type).version:
            return self
        return replace(self, data=self.decode(registry).model_dump(mode="json"))

    @classmethod
    def from_row(cls, row: Any) -> RecordedEvent:
        """Build from a row of ``RECORDED_COLUMNS``."""
        return cls(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            _loads(row[9]),
            row[10],
            row[11],
            row[12],
        )


# orjson parses two to three times faster, but reads integers beyond 64 bits as floats;
# any run of 19 or more digits (even inside a string) sends the text to the json module,
# which reads them exactly. The run is found by mapping every digit to 0 and searching for
# nineteen of them: a tenth of the cost of a regular expression over a whole event.
_LONG_DIGITS = b"0" * 19


def _loads(text: str) -> dict[str, Any]:
    if _LONG_DIGITS in text.encode().translate(DIGITS_TO_ZERO):
        exact: dict[str, Any] = json.loads(text)
        return exact
    value: dict[str, Any] = orjson.loads(text)
    return value


RECORDED_COLUMNS = (
    "position, era, tx_id, event_id, stream_id, category, stream_version, event_type,"
    " schema_version, data, metadata, recorded_at, stream_hash"
)


def event_digest(
    event_id: UUID,
    stream_id: str,
    event_type: str,
    schema_version: int,
    data: bytes,
    metadata: bytes,
) -> bytes:
    """SHA-256 over an event's identity and canonical content, each part length-prefixed."""
    stream = stream_id.encode()
    type_ = event_type.encode()
    version = str(schema_version).encode()
    # Each part preceded by its length as 8 bytes, big-endian; the id is always 16 bytes.
    return hashlib.sha256(
        b"".join(
            (
                _ID_PREFIX,
                event_id.bytes,
                _LENGTH.pack(len(stream)),
                stream,
                _LENGTH.pack(len(type_)),
                type_,
                _LENGTH.pack(len(version)),
                version,
                _LENGTH.pack(len(data)),
                data,
                _LENGTH.pack(len(metadata)),
                metadata,
            )
        )
    ).digest()


_LENGTH = struct.Struct(">Q")
_ID_PREFIX = _LENGTH.pack(16)


def chain_stream_hash(previous: bytes, version: int, recorded_micros: int, digest: bytes) -> bytes:
    """The per-stream chain link; the same formula runs inside ``eventlog_append``."""
    return hashlib.sha256(
        previous
        + version.to_bytes(8, "big", signed=True)
        + recorded_micros.to_bytes(8, "big", signed=True)
        + digest
    ).digest()


def chain_global_hash(previous: bytes, position: int, stream_hash: bytes) -> bytes:
    """The global chain link the sealer extends in log order."""
    return hashlib.sha256(
        previous + position.to_bytes(8, "big", signed=True) + stream_hash
    ).digest()
