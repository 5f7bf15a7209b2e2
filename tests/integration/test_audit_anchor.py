"""A signed checkpoint catches what the chains alone cannot: a superuser rewriting history and
recomputing every hash after it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from shared.audit import signing
from shared.db import asyncpg_dsn
from shared.eventlog.canonical import canonical_bytes, loads_exact
from shared.eventlog.model import (
    ANY,
    GENESIS_HASH,
    chain_global_hash,
    chain_stream_hash,
    event_digest,
)
from shared.eventlog.sealer import Sealer
from shared.eventlog.verify import verify_log
from shared.settings import PROJECT_ROOT, Settings
from tests.contracts import test_registry
from tests.dbutil import log_writer_runtime
from tests.integration.helpers import note, wait_until

pytestmark = pytest.mark.eventlog

EVENTS = 9


@pytest.fixture
async def sealed(
    fresh_database: Callable[..., Awaitable[str]], settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[str, asyncpg.Connection, Settings]]:
    """Three streams of three events, all sealed; a superuser connection; a signing key."""
    url = await fresh_database()
    keyed = settings.model_copy(update={"data_dir": tmp_path})
    runtime = log_writer_runtime(url, keyed, test_registry, [Sealer()])
    await runtime.start()
    try:
        for s in range(3):
            await runtime.store.append(
                f"anchor-{s}", [note(i, f"fact {s}.{i}") for i in range(3)], expected_version=ANY
            )

        async def all_sealed() -> bool:
            n = await runtime.store.pool.fetchval("SELECT count(*) FROM event_seals")
            return bool(n == EVENTS)

        await wait_until(all_sealed, what="the sealer to seal every event")
    finally:
        await runtime.stop()
    admin = await asyncpg.connect(asyncpg_dsn(url))
    try:
        yield url, admin, keyed
    finally:
        await admin.close()


async def _rewrite_consistently(admin: asyncpg.Connection, stream: str, version: int) -> int:
    """What an insider with superuser access could do: change an event's content, then
    recompute its stream hash, the stream's later hashes and every later seal, so that the
    chains agree with the new history. Returns the rewritten event's position."""
    await admin.execute("SET session_replication_role = replica")  # past the append-only guard
    rows = await admin.fetch(
        """
        SELECT position, event_id, stream_version, event_type, schema_version, data::text AS data,
               metadata::text AS metadata, extract(epoch FROM recorded_at) * 1000000 AS micros
          FROM events WHERE stream_id = $1 ORDER BY stream_version
        """,
        stream,
    )
    head = GENESIS_HASH
    target = 0
    for row in rows:
        data = loads_exact(row["data"])
        if row["stream_version"] == version:
            data["text"] = "what they wish had happened"
            target = row["position"]
            await admin.execute(
                "UPDATE events SET data = $2::jsonb WHERE position = $1",
                row["position"],
                json.dumps(data),
            )
        digest = event_digest(
            row["event_id"],
            stream,
            row["event_type"],
            row["schema_version"],
            canonical_bytes(data),
            canonical_bytes(loads_exact(row["metadata"])),
        )
        head = chain_stream_hash(head, row["stream_version"], int(row["micros"]), digest)
        await admin.execute(
            "UPDATE events SET stream_hash = $2 WHERE position = $1", row["position"], head
        )
    chain = GENESIS_HASH
    for seal in await admin.fetch(
        """
        SELECT s.seq, s.position, e.stream_hash FROM event_seals s
          JOIN events e ON e.position = s.position ORDER BY s.seq
        """
    ):
        chain = chain_global_hash(chain, seal["position"], bytes(seal["stream_hash"]))
        await admin.execute(
            "UPDATE event_seals SET chain_hash = $2 WHERE seq = $1", seal["seq"], chain
        )
    return target


async def test_an_untouched_log_matches_its_checkpoint(
    sealed: tuple[str, asyncpg.Connection, Settings],
) -> None:
    _, admin, settings = sealed
    checkpoint = await signing.sign_latest(admin, signing.signing_key(settings))
    assert checkpoint is not None and checkpoint.seq == EVENTS
    report = await signing.check_anchor(admin, checkpoint, trusted_public_key=checkpoint.public_key)
    assert report.ok, report.as_dict()


async def test_a_consistent_rewrite_passes_the_chains_but_not_the_checkpoint(
    sealed: tuple[str, asyncpg.Connection, Settings],
) -> None:
    _, admin, settings = sealed
    checkpoint = await signing.sign_latest(admin, signing.signing_key(settings))
    assert checkpoint is not None
    await _rewrite_consistently(admin, "anchor-1", 2)
    # The chains alone are fooled: everything recomputes...
    assert (await verify_log(admin)).ok
    # ...but not to the hash that was signed before the rewrite.
    report = await signing.check_anchor(admin, checkpoint)
    assert not report.ok
    assert report.signature_valid
    assert any("rewritten" in p for p in report.problems), report.problems


async def test_a_forged_or_re_keyed_checkpoint_is_refused(
    sealed: tuple[str, asyncpg.Connection, Settings], tmp_path: Path
) -> None:
    _, admin, settings = sealed
    checkpoint = await signing.sign_latest(admin, signing.signing_key(settings))
    assert checkpoint is not None
    forged = signing.SignedCheckpoint(**{**checkpoint.__dict__, "chain_hash": "00" * 32})
    assert not forged.signature_valid()
    # A checkpoint made with another key verifies only against that key, not the pinned one.
    other = signing.signing_key(settings.model_copy(update={"data_dir": tmp_path / "other"}))
    resigned = await signing.sign_latest(admin, other)
    assert resigned is not None and resigned.signature_valid()
    report = await signing.check_anchor(admin, resigned, trusted_public_key=checkpoint.public_key)
    assert not report.ok and not report.signature_valid


def _cli(url: str, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "STRONGTRUSTS_DATA_DIR": str(settings.data_dir),
        "STRONGTRUSTS_ENVIRONMENT": "test",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "shared.cli", "log", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_cli_exports_a_checkpoint_and_checks_the_log_against_it_offline(
    sealed: tuple[str, asyncpg.Connection, Settings], tmp_path: Path
) -> None:
    url, admin, settings = sealed
    anchor = tmp_path / "checkpoint.json"
    made = _cli(url, settings, "checkpoint", "--out", str(anchor))
    assert made.returncode == 0, made.stderr
    public_key = json.loads(anchor.read_text())["public_key"]

    clean = _cli(url, settings, "verify", "--anchor", str(anchor), f"--public-key={public_key}")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "anchor ok" in clean.stdout
    # Without --public-key the configured signing key is the trusted one, never the file's.
    assert _cli(url, settings, "verify", "--anchor", str(anchor)).returncode == 0
    elsewhere = settings.model_copy(update={"data_dir": tmp_path / "another-key"})
    foreign = _cli(url, elsewhere, "verify", "--anchor", str(anchor))
    assert foreign.returncode == 1 and "signature does not hold" in foreign.stdout

    position = await _rewrite_consistently(admin, "anchor-0", 1)
    caught = _cli(url, settings, "verify", "--anchor", str(anchor), f"--public-key={public_key}")
    assert caught.returncode == 1, caught.stdout + caught.stderr
    assert "chains whole" in caught.stdout  # the rewrite fooled the chains...
    assert "rewritten" in caught.stdout  # ...and not the anchor
    assert position > 0

    # A broken chain is not signed: a checkpoint vouches for history someone checked.
    await admin.execute(
        "UPDATE events SET data = jsonb_set(data, '{n}', '99') WHERE position = $1", position
    )
    refused = _cli(url, settings, "checkpoint", "--out", str(tmp_path / "never.json"))
    assert refused.returncode == 1 and "nothing signed" in refused.stderr
    assert not (tmp_path / "never.json").exists()

    anchor.write_text("{not json", encoding="utf-8")
    unusable = _cli(url, settings, "verify", "--anchor", str(anchor))
    assert unusable.returncode == 2
    assert str(anchor) in unusable.stderr
