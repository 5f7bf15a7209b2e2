"""Reading a trust's indicators: the stored figures, or computed there and then if stale."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.assessment.indicators.facts import compute_for
from services.assessment.indicators.schemas import TrustIndicators
from shared.clock import today_in_england
from shared.errors import NotFound

_KNOWN_SQL = "SELECT EXISTS (SELECT 1 FROM assessment_indicator_trusts WHERE uid = $1)"
_STORED_SQL = """
SELECT dirty, as_of, indicators::text FROM assessment_indicator_trusts WHERE uid = $1
"""


async def trust_is_known(conn: asyncpg.Connection | asyncpg.Pool, uid: int) -> bool:
    """Whether the registry's events have told this service of the trust (open or closed)."""
    return bool(await conn.fetchval(_KNOWN_SQL, uid))


async def load_indicators(
    conn: asyncpg.Connection | asyncpg.Pool, uid: int, *, as_of: date | None = None
) -> TrustIndicators:
    """A trust's indicators as of ``as_of`` (today in England when absent).

    The figures the consumer stored when they are current; when something they count has
    changed since (the consumer is still catching up) or they were counted on another day,
    computed from the facts now. Raises NotFound for a trust not on the register.
    """
    found = await _load(conn, uid, as_of or today_in_england())
    if isinstance(found, str):
        return TrustIndicators.model_validate_json(found)
    return found


async def load_indicators_json(
    conn: asyncpg.Connection | asyncpg.Pool, uid: int, *, as_of: date | None = None
) -> bytes:
    """``load_indicators`` as JSON: the stored text itself when current, for the API."""
    found = await _load(conn, uid, as_of or today_in_england())
    if isinstance(found, str):
        return found.encode()
    return found.model_dump_json().encode()


async def _load(
    conn: asyncpg.Connection | asyncpg.Pool, uid: int, day: date
) -> str | TrustIndicators:
    row = await conn.fetchrow(_STORED_SQL, uid)
    if row is None:
        raise NotFound(f"No academy trust with UID {uid} is known to the assessment service.")
    if not row["dirty"] and row["as_of"] == day and row["indicators"] is not None:
        stored: str = row["indicators"]
        return stored
    if isinstance(conn, asyncpg.Pool):
        # The trust and its schools read in one snapshot.
        async with conn.acquire() as c, c.transaction(isolation="repeatable_read", readonly=True):
            computed = await compute_for(c, [uid], day)
    else:
        computed = await compute_for(conn, [uid], day)
    if not computed:  # gone since the first read: only a rebuild empties the table
        raise NotFound(f"No academy trust with UID {uid} is known to the assessment service.")
    return computed[0]
