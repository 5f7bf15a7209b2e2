"""The global hash chain: one consumer seals every event in log order.

Each seal is sha256(previous seal, position, the event's stream hash), and the stream hash
already covers the event's content, version and time. Running as a consumer gives the
sealer what every consumer has: exactly one active instance, and seals that commit with
its checkpoint, so a crash can neither skip nor double-seal an event.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from shared.eventlog.model import GENESIS_HASH, RecordedEvent, chain_global_hash
from shared.eventlog.subscriptions import HandlerContext

SEALER_NAME = "eventlog-sealer"


class Sealer:
    """The consumer that extends the global chain."""

    name = SEALER_NAME
    categories: Collection[str] | None = None

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Seal ``events``, continuing the chain from the last seal."""
        last = await ctx.conn.fetchrow(
            "SELECT seq, chain_hash FROM event_seals ORDER BY seq DESC LIMIT 1"
        )
        seq, chain = (last["seq"], bytes(last["chain_hash"])) if last else (0, GENESIS_HASH)
        positions = [e.position for e in events]
        seqs: list[int] = []
        hashes: list[bytes] = []
        for event in events:
            seq += 1
            chain = chain_global_hash(chain, event.position, event.stream_hash)
            seqs.append(seq)
            hashes.append(chain)
        await ctx.conn.execute(
            """
            INSERT INTO event_seals (seq, position, chain_hash)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])
            """,
            seqs,
            positions,
            hashes,
        )
