"""Pages of a ranking: ``limit`` candidates from an opaque ``cursor`` (the next one's rank)."""

from __future__ import annotations

import base64

from services.commissioning.candidates.schemas import CandidateList
from shared.errors import UnprocessableContent

DEFAULT_LIMIT = 10


def cursor_of(offset: int) -> str:
    """The opaque cursor of the page starting after ``offset`` candidates."""
    return base64.urlsafe_b64encode(f"rank:{offset + 1}".encode()).decode().rstrip("=")


def offset_of(cursor: str | None) -> int:
    """How many candidates the page of ``cursor`` skips; 422 for a cursor not ours."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        rank = int(text.removeprefix("rank:")) if text.startswith("rank:") else 0
    except (ValueError, UnicodeDecodeError):
        rank = 0
    if rank < 1:
        raise UnprocessableContent(
            "The cursor is not one this list gave.",
            extra={"errors": [{"loc": ["query", "cursor"], "msg": "not a cursor of this list"}]},
        )
    return rank - 1


def page_of(ranked: CandidateList, *, limit: int, offset: int) -> CandidateList:
    """``limit`` of ``ranked``'s candidates from ``offset`` on, with the next page's cursor."""
    shown = ranked.candidates[offset : offset + limit]
    more = offset + limit < ranked.total_candidates
    return ranked.model_copy(
        update={"candidates": shown, "next_cursor": cursor_of(offset + limit) if more else None}
    )
