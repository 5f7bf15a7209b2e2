"""Concerns as read: the list from the read model, one concern whole from its stream."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from services.commissioning.concerns.schemas import (
    ActionView,
    ConcernPage,
    ConcernSummary,
    ConcernView,
    RatingView,
)
from services.commissioning.concerns.vocabulary import SOURCES
from services.commissioning.queries import Visibility
from shared.contracts.concerns import (
    ConcernActionAdded,
    ConcernActionStatusChanged,
    ConcernClosed,
    ConcernDeEscalated,
    ConcernOpened,
    ConcernRag,
    ConcernRated,
    ConcernStatus,
)
from shared.db import SqlParams
from shared.eventlog.contracts import EventContract
from shared.http.paging import decode_key, encode_cursor

# A concern is where its trust is: the region most of its open schools are in, or, for a
# caller acting in LAs only, every LA of them (as ``shared.authority.scope`` says in Python).
_TRUST_OPEN_SCHOOLS = (
    "SELECT 1 FROM commissioning_school_facts f WHERE f.trust_uid = c.trust_uid AND NOT f.closed"
)
_TRUST_HOME_REGION = """
SELECT f.region_code FROM commissioning_school_facts f
 WHERE f.trust_uid = c.trust_uid AND NOT f.closed AND f.region_code IS NOT NULL
 GROUP BY f.region_code ORDER BY count(*) DESC, f.region_code LIMIT 1
"""


async def list_concerns(
    pool: asyncpg.Pool,
    *,
    trust_uid: int | None,
    status: ConcernStatus | None,
    rag: ConcernRag | None,
    limit: int,
    cursor: str | None,
    visible: Visibility | None,
) -> ConcernPage:
    """Concerns matching the filters (and ``visible``, unless None), newest first, one page
    after ``cursor``."""
    p = SqlParams()
    where: list[str] = []
    before = decode_key(cursor)
    if before is not None:
        where.append(f"c.opened_position < {p(before)}")
    if trust_uid is not None:
        where.append(f"c.trust_uid = {p(trust_uid)}")
    if status is not None:
        where.append(f"c.status = {p(status)}")
    if rag is not None:
        where.append(f"c.rag = {p(rag)}")
    if visible is not None:
        regions, las = p(visible.regions), p(visible.las)
        where.append(
            f"""(({_TRUST_HOME_REGION}) = ANY({regions}::text[])
                OR (EXISTS ({_TRUST_OPEN_SCHOOLS})
                    AND NOT EXISTS ({_TRUST_OPEN_SCHOOLS} AND NOT f.la_code = ANY({las}::text[]))))"""
        )
    sql = (
        "SELECT c.*, t.name AS trust_name FROM commissioning_trust_concerns c"
        " LEFT JOIN commissioning_trust_facts t ON t.uid = c.trust_uid"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY c.opened_position DESC LIMIT {p(limit + 1)}"
    )
    rows = await pool.fetch(sql, *p.values)
    more = len(rows) > limit
    rows = rows[:limit]
    return ConcernPage(
        items=[
            ConcernSummary(
                concern_id=r["concern_id"],
                trust_uid=r["trust_uid"],
                trust_name=r["trust_name"],
                concern_type=r["concern_type"],
                referral=r["referral"],
                rag=r["rag"],
                status=r["status"],
                opened_on=r["opened_on"],
                review_on=r["review_on"],
                closed_on=r["closed_on"],
                version=r["version"],
            )
            for r in rows
        ],
        next_cursor=encode_cursor(rows[-1]["opened_position"]) if more else None,
    )


def concern_view(events: Iterable[EventContract], trust_name: str | None) -> ConcernView | None:
    """A concern whole, from its events oldest first; None when there are none."""
    opened: ConcernOpened | None = None
    ratings: list[RatingView] = []
    actions: dict[str, ActionView] = {}
    status: ConcernStatus = "open"
    closed_on = None
    version = 0
    for e in events:
        version += 1
        if isinstance(e, ConcernOpened):
            opened = e
            ratings.append(
                RatingView(
                    rag=e.rag,
                    rated_on=e.opened_on,
                    review_on=e.review_on,
                    how="opened",
                    reason=e.summary,
                )
            )
        elif isinstance(e, ConcernRated):
            ratings.append(
                RatingView(
                    rag=e.rag,
                    rated_on=e.rated_on,
                    review_on=e.review_on,
                    how="rated",
                    reason=e.reason,
                )
            )
        elif isinstance(e, ConcernDeEscalated):
            status = "de_escalated"
            ratings.append(
                RatingView(
                    rag=e.rag,
                    rated_on=e.de_escalated_on,
                    review_on=e.review_on,
                    how="de_escalated",
                    reason=e.reason,
                )
            )
        elif isinstance(e, ConcernActionAdded):
            actions[e.action_id] = ActionView(
                action_id=e.action_id,
                action_type=e.action_type,
                status=e.status,
                added_on=e.added_on,
                note=e.note,
            )
        elif isinstance(e, ConcernActionStatusChanged):
            was = actions[e.action_id]
            change = {
                "status": e.status,
                "changed_on": e.changed_on.isoformat(),
                "reason": e.reason,
            }
            actions[e.action_id] = was.model_copy(
                update={"status": e.status, "history": [*was.history, change]}
            )
        elif isinstance(e, ConcernClosed):
            status, closed_on = "closed", e.closed_on
    if opened is None:
        return None
    return ConcernView(
        concern_id=opened.concern_id,
        trust_uid=opened.trust_uid,
        trust_name=trust_name,
        concern_type=opened.concern_type,
        referral=opened.referral,
        referred_by=opened.referred_by,
        rag=ratings[-1].rag,
        status=status,
        opened_on=opened.opened_on,
        review_on=None if status == "closed" else ratings[-1].review_on,
        closed_on=closed_on,
        version=version,
        summary=opened.summary,
        ratings=ratings,
        actions=list(actions.values()),
        sources=[dict(s) for s in SOURCES],
    )
