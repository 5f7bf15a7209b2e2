"""Advisory boards as listed: the ``commissioning_boards`` read model, where the caller acts."""

from __future__ import annotations

import asyncpg

from services.commissioning.boards.projection import TABLE
from services.commissioning.boards.schemas import BoardList, BoardSummary
from services.commissioning.queries import Visibility


async def list_boards(
    pool: asyncpg.Pool, *, region: str | None, visible: Visibility | None
) -> BoardList:
    """Boards in ``region`` (any when None) that ``visible`` reaches (all when None): a board
    is where its region is, so only a region's scope, never an LA's, reaches one."""
    rows = await pool.fetch(
        f"""
        SELECT board_id, region_code, board_date, title, version,
               jsonb_array_length(members) AS members, cardinality(agenda) AS agenda_cases,
               agenda_published_on IS NOT NULL AS agenda_published,
               notes IS NOT NULL AS has_notes, notes_published_on IS NOT NULL AS notes_published
          FROM {TABLE}
         WHERE ($1::text IS NULL OR region_code = $1)
           AND ($2::text[] IS NULL OR region_code = ANY($2::text[]))
         ORDER BY board_date DESC, board_id
        """,
        region,
        None if visible is None else visible.regions,
    )
    return BoardList(
        items=[
            BoardSummary(
                board_id=r["board_id"],
                region_code=r["region_code"],
                board_date=r["board_date"],
                title=r["title"],
                members=r["members"],
                agenda_cases=r["agenda_cases"],
                agenda_status="published" if r["agenda_published"] else "draft",
                notes_status="none"
                if not r["has_notes"]
                else ("published" if r["notes_published"] else "draft"),
                version=r["version"],
            )
            for r in rows
        ]
    )
