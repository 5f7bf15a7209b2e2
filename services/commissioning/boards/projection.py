"""The ``commissioning-boards`` consumer: one row per advisory board (``commissioning_boards``).

A consumer of its own, so the cases consumer is left as it is; its effect and checkpoint
commit together, and a replay from the start gives the same rows (times are the events').
The decision handler finds the boards a case is on here (``agenda``).
"""

from __future__ import annotations

import json
from typing import Any

from shared.contracts.boards import (
    AdvisoryBoardPlanned,
    BoardAgendaPublished,
    BoardInterestDeclared,
    BoardMemberAppointed,
    BoardNotesRecorded,
    CasePutOnBoardAgenda,
)
from shared.eventlog.model import RecordedEvent
from shared.eventlog.projection import Handlers, Projection
from shared.eventlog.subscriptions import HandlerContext

CONSUMER_NAME = "commissioning-boards"
TABLE = "commissioning_boards"
READ_MODEL_TABLES: tuple[str, ...] = (TABLE,)
HANDLERS = Handlers()


async def _update(
    ctx: HandlerContext, event: RecordedEvent, board_id: str, sets: str, *args: Any
) -> None:
    # ``sets`` uses $4 onwards. Guarded by the stream version, so a replayed event changes nothing.
    await ctx.conn.execute(
        f"UPDATE {TABLE} SET {sets}, version = $2, updated_at = $3"
        " WHERE board_id = $1 AND version < $2",
        board_id,
        event.stream_version,
        event.recorded_at,
        *args,
    )


@HANDLERS.on(AdvisoryBoardPlanned)
async def _planned(e: AdvisoryBoardPlanned, event: RecordedEvent, ctx: HandlerContext) -> None:
    await ctx.conn.execute(
        f"""
        INSERT INTO {TABLE} (board_id, region_code, board_date, title, version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (board_id) DO NOTHING
        """,
        e.board_id,
        e.region_code,
        e.board_date,
        e.title,
        event.stream_version,
        event.recorded_at,
    )


@HANDLERS.on(BoardMemberAppointed)
async def _member(e: BoardMemberAppointed, event: RecordedEvent, ctx: HandlerContext) -> None:
    member = {"subject": e.subject, "name": e.name, "kind": e.kind}
    await _update(ctx, event, e.board_id, "members = members || $4::jsonb", json.dumps([member]))


@HANDLERS.on(BoardInterestDeclared)
async def _interest(e: BoardInterestDeclared, event: RecordedEvent, ctx: HandlerContext) -> None:
    interest = e.model_dump(mode="json", exclude={"board_id"})
    await _update(
        ctx, event, e.board_id, "interests = interests || $4::jsonb", json.dumps([interest])
    )


@HANDLERS.on(CasePutOnBoardAgenda)
async def _agenda(e: CasePutOnBoardAgenda, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update(ctx, event, e.board_id, "agenda = array_append(agenda, $4::text)", e.case_id)


@HANDLERS.on(BoardAgendaPublished)
async def _published(e: BoardAgendaPublished, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update(ctx, event, e.board_id, "agenda_published_on = $4", e.published_on)


@HANDLERS.on(BoardNotesRecorded)
async def _notes(e: BoardNotesRecorded, event: RecordedEvent, ctx: HandlerContext) -> None:
    await _update(
        ctx,
        event,
        e.board_id,
        "notes = $4, notes_published_on = CASE WHEN $5 THEN coalesce(notes_published_on, $6)"
        " ELSE NULL END",
        e.notes,
        e.published,
        e.recorded_on,
    )


def boards_projection() -> Projection:
    """The consumer keeping the advisory boards' read model."""
    return Projection(name=CONSUMER_NAME, handlers=HANDLERS, categories=("board",))
