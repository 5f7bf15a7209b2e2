"""Fingerprints of GIAS rows, so that re-importing an unchanged snapshot reads little.

A re-import of an unchanged snapshot should read little and compare less. Each school and
trust stream keeps (registry_gias_fingerprints, migration 0014) a digest of the GIAS row
that last fed it, a digest of everything that decided its events (a school's row, trust
link and predecessors) and the version the stream was left at. A row whose digests match,
on a stream that has moved since only by events no snapshot compares
(SNAPSHOT_NEUTRAL_EVENTS), would produce no events: it is neither parsed past its URN nor
folded. Every other stream is folded and decided as before. The digests are keyed by the
code that parses and decides, so a change to that code compares everything again, once.
They are written in the same transaction as the events they describe, and a stream with no
fingerprint is simply compared the slow way: the table can be emptied at any time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import uuid
from collections.abc import Callable, Collection
from pathlib import Path
from typing import NamedTuple

import asyncpg
import orjson

from services.registry.domain import SNAPSHOT_NEUTRAL_EVENTS
from shared.eventlog.store import EventStore

# The modules whose code turns rows into events. Named, not imported: the importer imports
# this module.
_DECIDING_MODULES = (
    "services.registry.gias.csvfile",
    "services.registry.gias.records",
    "services.registry.gias.snapshot",
    "services.registry.gias.fingerprints",
    "services.registry.domain",
    "services.registry.importer",
)


def _code_key() -> bytes:
    hasher = hashlib.sha256()
    for name in _DECIDING_MODULES:
        try:
            spec = importlib.util.find_spec(name)
            hasher.update(Path((spec and spec.origin) or "").read_bytes())
        except OSError:
            # Code that cannot be read cannot vouch for older fingerprints: match none.
            hasher.update(uuid.uuid4().bytes)
    return hasher.digest()


CODE_KEY = _code_key()
CODE = CODE_KEY.hex()[:32]
_FINGERPRINTS_SQL = """
SELECT f.stream_id, f.row_digest, f.inputs_digest
  FROM registry.registry_gias_fingerprints f
 WHERE f.code = $1
   AND NOT EXISTS (
       SELECT 1 FROM events e
        WHERE e.stream_id = f.stream_id AND e.stream_version > f.stream_version
          AND e.event_type <> ALL($2::text[]))
"""
_KEEP_FINGERPRINTS_SQL = """
INSERT INTO registry.registry_gias_fingerprints
       (stream_id, code, row_digest, inputs_digest, stream_version)
SELECT u.s, $1, u.r, u.i, u.v
  FROM unnest($2::text[], $3::bytea[], $4::bytea[], $5::bigint[]) AS u(s, r, i, v)
ON CONFLICT (stream_id) DO UPDATE
   SET code = EXCLUDED.code, row_digest = EXCLUDED.row_digest,
       inputs_digest = EXCLUDED.inputs_digest, stream_version = EXCLUDED.stream_version
"""


class Fingerprint(NamedTuple):
    """What a stream was last compared with: its GIAS row, and everything that decided it."""

    row: bytes
    inputs: bytes


class Kept(NamedTuple):
    """A fingerprint to write, and the stream version it describes."""

    stream_id: str
    fingerprint: Fingerprint
    version: int


# Keyed once; each digest starts from a copy.
_HASHER = hashlib.blake2b(digest_size=16, key=CODE_KEY[:64])


def digest(*parts: bytes) -> bytes:
    hasher = _HASHER.copy()
    for part in parts:
        hasher.update(part)
    return hasher.digest()


def row_hasher(columns: list[str]) -> Callable[[list[str]], bytes]:
    """A file's row digest: its column names, then the row's values as read, unparsed."""
    base = _HASHER.copy()
    base.update(orjson.dumps(columns))

    def of_row(values: list[str]) -> bytes:
        hasher = base.copy()
        hasher.update(orjson.dumps(values))
        return hasher.digest()

    return of_row


async def load_fingerprints(store: EventStore) -> dict[str, Fingerprint]:
    """The fingerprints of streams that have not moved since but for neutral events."""
    rows = await store.pool.fetch(_FINGERPRINTS_SQL, CODE, sorted(SNAPSHOT_NEUTRAL_EVENTS))
    return {r[0]: Fingerprint(bytes(r[1]), bytes(r[2])) for r in rows}


async def keep_fingerprints(conn: asyncpg.Connection, kept: Collection[Kept]) -> None:
    """Write the fingerprints, in the transaction of the events they describe."""
    if not kept:
        return
    await conn.execute(
        _KEEP_FINGERPRINTS_SQL,
        CODE,
        [k.stream_id for k in kept],
        [k.fingerprint.row for k in kept],
        [k.fingerprint.inputs for k in kept],
        [k.version for k in kept],
    )
