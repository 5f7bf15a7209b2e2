"""Idempotency keys: a retried write gets the first answer again instead of a second effect.

A client that sends ``Idempotency-Key`` with a write may send it again after a timeout or a
503 without doing the thing twice. The key is claimed in the write's own transaction,
before anything else: a concurrent request with the same key waits on the claim's unique
index until the first commits (then answers with its stored response) or rolls back (then
goes ahead itself). Keys belong to the caller (the token's subject) and are kept for a day.
Only successful answers are kept: a refused write did nothing, and may be tried again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from shared.errors import IdempotencyKeyReused

KEEP_FOR = timedelta(hours=24)
# Expired keys are cleared by writes, at most this often per process.
_PRUNE_EVERY_S = 60.0
_last_pruned = 0.0


@dataclass(frozen=True)
class StoredAnswer:
    """The answer a write gave the first time its key was used."""

    status_code: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class IdempotencyKey:
    """A caller's key for one write, and what identifies the request it was first sent with."""

    subject: str
    key: str
    fingerprint: str

    @classmethod
    def of(cls, subject: str, key: str, method: str, target: str, body: bytes) -> IdempotencyKey:
        """The key as sent with this request (method, path and query, body)."""
        digest = hashlib.sha256()
        for part in (method.encode(), target.encode(), body):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return cls(subject, key, digest.hexdigest())

    async def answered(self, conn: asyncpg.Connection) -> StoredAnswer | None:
        """The stored answer to this key; IdempotencyKeyReused if it came with another request."""
        row = await conn.fetchrow(
            "SELECT fingerprint, status_code, body, headers FROM idempotency_keys"
            " WHERE subject = $1 AND key = $2 AND created_at > now() - $3::interval",
            self.subject,
            self.key,
            KEEP_FOR,
        )
        if row is None or row["status_code"] is None:
            return None
        if row["fingerprint"] != self.fingerprint:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {self.key!r} was first sent with a different request"
                " (method, path or body); use a new key for a new request",
                extra={"idempotency_key": self.key},
            )
        return StoredAnswer(row["status_code"], json.loads(row["body"]), json.loads(row["headers"]))

    async def claim(self, conn: asyncpg.Connection) -> bool:
        """Claim the key in ``conn``'s transaction; False if a concurrent request had it first.

        An expired claim of the same key is taken over.
        """
        await _prune(conn)
        claimed = await conn.fetchval(
            """
            INSERT INTO idempotency_keys (subject, key, fingerprint, created_at)
            VALUES ($1, $2, $3, now())
            ON CONFLICT (subject, key) DO UPDATE
               SET fingerprint = EXCLUDED.fingerprint, status_code = NULL, body = NULL,
                   headers = NULL, created_at = now()
             WHERE idempotency_keys.created_at <= now() - $4::interval
            RETURNING true
            """,
            self.subject,
            self.key,
            self.fingerprint,
            KEEP_FOR,
        )
        return bool(claimed)

    async def keep(self, conn: asyncpg.Connection, answer: StoredAnswer) -> None:
        """Store the answer with the claim, in the same transaction as the write."""
        await conn.execute(
            "UPDATE idempotency_keys SET status_code = $3, body = $4, headers = $5"
            " WHERE subject = $1 AND key = $2",
            self.subject,
            self.key,
            answer.status_code,
            json.dumps(answer.body),
            json.dumps(answer.headers),
        )


async def _prune(conn: asyncpg.Connection) -> None:
    global _last_pruned
    now = time.monotonic()
    if now - _last_pruned < _PRUNE_EVERY_S:
        return
    _last_pruned = now
    await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at <= now() - $1::interval", KEEP_FOR
    )
