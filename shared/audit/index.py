"""The audit index: for each subject (school, trust, case...), the log positions about it.

A consumer of the whole log, so it indexes every service's events in the one order they
happened; rebuilt from the log like any read model.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from shared.audit.subjects import subjects_of
from shared.eventlog.model import RecordedEvent
from shared.eventlog.subscriptions import HandlerContext

INDEX_NAME = "audit-index"


class AuditIndex:
    """Records which subjects each event names."""

    name = INDEX_NAME
    categories: Collection[str] | None = None

    async def handle(self, events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        """Index ``events`` with one statement; a replay writes nothing twice."""
        kinds: list[str] = []
        keys: list[str] = []
        positions: list[int] = []
        for event in events:
            for kind, key in subjects_of(event.type, event.data):
                kinds.append(kind)
                keys.append(key)
                positions.append(event.position)
        if positions:
            await ctx.conn.execute(
                """
                INSERT INTO audit_subjects (kind, key, position)
                SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
                ON CONFLICT DO NOTHING
                """,
                kinds,
                keys,
                positions,
            )
