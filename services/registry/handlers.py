"""Registry commands that do not come from a feed: registering a trust by hand."""

from __future__ import annotations

import random
from datetime import date

from shared.contracts.registry import (
    LocalAuthorityTrustEstablished,
    TrustDetails,
    TrustIncorporated,
)
from shared.errors import Conflict
from shared.eventlog.contracts import EventContract
from shared.eventlog.errors import WrongExpectedVersion
from shared.eventlog.model import NO_STREAM
from shared.eventlog.unit import UnitOfWork

# GIAS hands out group UIDs; a trust registered here before GIAS lists it gets a
# provisional one from a range GIAS does not use, and keeps it.
PROVISIONAL_UIDS = range(90_000_000, 100_000_000)
_ATTEMPTS = 5


async def register_trust(
    uow: UnitOfWork,
    *,
    details: TrustDetails,
    uid: int | None,
    founding_la_code: str | None,
    effective_on: date,
    rng: random.Random | None = None,
) -> int:
    """Record a new academy trust (and the LA that founded it, if any); returns its UID."""
    pick = rng or random.SystemRandom()
    candidates = (
        [uid] if uid is not None else [pick.choice(PROVISIONAL_UIDS) for _ in range(_ATTEMPTS)]
    )
    for candidate in candidates:
        events: list[EventContract] = [
            TrustIncorporated(uid=candidate, details=details, effective_on=effective_on)
        ]
        if founding_la_code is not None:
            events.append(
                LocalAuthorityTrustEstablished(
                    uid=candidate, la_code=founding_la_code, established_on=effective_on
                )
            )
        try:
            # A savepoint: a UID taken by a concurrent writer must not abort the whole unit.
            async with uow.conn.transaction():
                await uow.append(f"trust-{candidate}", events, expected_version=NO_STREAM)
        except WrongExpectedVersion:
            if uid is not None:
                raise Conflict(f"trust {uid} is already registered", extra={"uid": uid}) from None
            continue
        return candidate
    raise Conflict("could not allocate a provisional trust UID; try again")
