"""Signed checkpoints of the global hash chain, and checking the log against one offline.

The hash chains show that stored history is consistent with itself; someone with superuser
access could still rewrite an event and recompute every hash after it. A checkpoint signed
with a key the database never sees, kept outside it, closes that gap: the chain at the
checkpoint's seal must recompute, from today's stored content, to the hash that was signed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared.eventlog.canonical import canonical_bytes
from shared.eventlog.verify import Progress, VerifyReport, verify_log
from shared.keyfiles import generated_secret
from shared.settings import Settings

CHECKPOINT_FORMAT = "strongtrusts-checkpoint/1"
KEY_FILE_NAME = "audit_signing_key"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key, or in development and test one generated into data_dir."""
    encoded = settings.audit_signing_key
    if not encoded:
        if settings.environment not in ("development", "test"):
            raise RuntimeError("STRONGTRUSTS_AUDIT_SIGNING_KEY must be set outside development")
        encoded = generated_secret(
            settings.data_dir / KEY_FILE_NAME, lambda: _b64(secrets.token_bytes(32))
        )
    seed = _unb64(encoded)
    if len(seed) != 32:
        raise ValueError("the audit signing key is the base64url of a 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_text(key: Ed25519PublicKey) -> str:
    """A public key as base64url of its 32 raw bytes: what to publish and pin."""
    return _b64(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def key_id(public_key: str) -> str:
    """A short, stable name for a public key."""
    return hashlib.sha256(_unb64(public_key)).hexdigest()[:16]


@dataclass(frozen=True)
class SignedCheckpoint:
    """The global chain's hash at one seal, signed."""

    seq: int
    position: int
    chain_hash: str
    sealed_at: str
    signed_at: str
    public_key: str
    signature: str

    def payload(self) -> dict[str, Any]:
        """What the signature covers: everything but the signature."""
        return {
            "format": CHECKPOINT_FORMAT,
            "seq": self.seq,
            "position": self.position,
            "chain_hash": self.chain_hash,
            "sealed_at": self.sealed_at,
            "signed_at": self.signed_at,
            "public_key": self.public_key,
            "key_id": key_id(self.public_key),
        }

    def as_dict(self) -> dict[str, Any]:
        """The exported form (JSON)."""
        return {**self.payload(), "signature": self.signature}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignedCheckpoint:
        """Read an exported checkpoint; ValueError if it is not one."""
        if data.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a {CHECKPOINT_FORMAT} document")
        try:
            return cls(
                seq=int(data["seq"]),
                position=int(data["position"]),
                chain_hash=str(data["chain_hash"]),
                sealed_at=str(data["sealed_at"]),
                signed_at=str(data["signed_at"]),
                public_key=str(data["public_key"]),
                signature=str(data["signature"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"checkpoint is missing or mangles {exc}") from None

    def signature_valid(self, trusted_public_key: str | None = None) -> bool:
        """Whether the signature holds, under the pinned key if given, else the embedded one."""
        if trusted_public_key is not None and trusted_public_key != self.public_key:
            return False
        key = Ed25519PublicKey.from_public_bytes(_unb64(self.public_key))
        try:
            key.verify(_unb64(self.signature), canonical_bytes(self.payload()))
        except InvalidSignature:
            return False
        return True


async def verify_and_sign(
    conn: asyncpg.Connection, key: Ed25519PrivateKey, *, progress: Progress | None = None
) -> tuple[VerifyReport, SignedCheckpoint | None]:
    """Verify both chains, then sign the newest seal verification covered.

    Nothing is signed when a chain is broken: a signature vouches for history someone
    checked. None too while nothing is sealed.
    """
    report = await verify_log(conn, progress=progress)
    if not report.ok or report.seals_checked == 0:
        return report, None
    return report, await _sign_seal(conn, key, report.seals_checked)


async def sign_latest(conn: asyncpg.Connection, key: Ed25519PrivateKey) -> SignedCheckpoint | None:
    """Sign the newest seal without verifying first (for tests that tamper afterwards)."""
    seq = await conn.fetchval("SELECT max(seq) FROM event_seals")
    return None if seq is None else await _sign_seal(conn, key, seq)


async def _sign_seal(
    conn: asyncpg.Connection, key: Ed25519PrivateKey, seq: int
) -> SignedCheckpoint:
    row = await conn.fetchrow(
        "SELECT seq, position, chain_hash, sealed_at FROM event_seals WHERE seq = $1", seq
    )
    assert row is not None, f"seal {seq} was verified and seals are never removed"
    unsigned = SignedCheckpoint(
        seq=row["seq"],
        position=row["position"],
        chain_hash=bytes(row["chain_hash"]).hex(),
        sealed_at=row["sealed_at"].isoformat(),
        signed_at=datetime.now(UTC).isoformat(),
        public_key=public_key_text(key.public_key()),
        signature="",
    )
    signature = _b64(key.sign(canonical_bytes(unsigned.payload())))
    return SignedCheckpoint(**{**unsigned.__dict__, "signature": signature})


@dataclass
class AnchorReport:
    """What checking the log against a signed checkpoint found."""

    signature_valid: bool
    key_pinned: bool
    chains: VerifyReport
    checkpoint_seq: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The signature holds, the chains are whole, and history up to the checkpoint stands."""
        return self.signature_valid and self.chains.ok and not self.problems

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "ok": self.ok,
            "signature_valid": self.signature_valid,
            "key_pinned": self.key_pinned,
            "checkpoint_seq": self.checkpoint_seq,
            "problems": self.problems,
            "chains": self.chains.as_dict(),
        }


async def check_anchor(
    conn: asyncpg.Connection,
    checkpoint: SignedCheckpoint,
    *,
    trusted_public_key: str | None = None,
    progress: Progress | None = None,
) -> AnchorReport:
    """Verify the chains, then that the chain at the checkpoint's seal is the signed hash."""
    chains = await verify_log(conn, progress=progress)
    report = AnchorReport(
        signature_valid=checkpoint.signature_valid(trusted_public_key),
        key_pinned=trusted_public_key is not None,
        chains=chains,
        checkpoint_seq=checkpoint.seq,
    )
    if not report.signature_valid:
        report.problems.append("the checkpoint's signature does not hold")
    # verify_log has recomputed every seal from stored content, so when the chains are whole
    # the stored seal is what today's content gives; it must still be the signed hash.
    row = await conn.fetchrow(
        "SELECT position, chain_hash FROM event_seals WHERE seq = $1", checkpoint.seq
    )
    if row is None:
        report.problems.append(f"seal {checkpoint.seq} of the checkpoint is not in the log")
    elif row["position"] != checkpoint.position:
        report.problems.append(
            f"seal {checkpoint.seq} now names position {row['position']}, "
            f"the checkpoint signed position {checkpoint.position}"
        )
    elif bytes(row["chain_hash"]).hex() != checkpoint.chain_hash:
        report.problems.append(
            f"history up to position {checkpoint.position} was rewritten after the checkpoint "
            "was signed: the chain no longer recomputes to the signed hash"
        )
    return report


def load_checkpoint(text: str) -> SignedCheckpoint:
    """Parse an exported checkpoint file's text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("a checkpoint is a JSON object")
    return SignedCheckpoint.from_dict(data)
