"""What commissioning's authority checks read: where a trust or a notice is, and the
delegations in force, straight from the knowledge it holds and from the log itself (so a
decision sees a revocation the moment it commits)."""

from __future__ import annotations

import json
from typing import TypeAlias

import asyncpg

from services.commissioning.domain import delegations
from services.commissioning.domain.delegations import DelegationState
from services.commissioning.knowledge import school_facts
from shared.authority.rules import Delegation
from shared.authority.scope import Place, place_of_schools
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract, EventRegistry
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork

Db: TypeAlias = asyncpg.Connection | asyncpg.Pool

# ------------------------------------------------------------------- places

_TRUST_SCHOOLS_SQL = """
SELECT region_code, la_code FROM commissioning_school_facts WHERE trust_uid = $1 AND NOT closed
"""


async def trust_place(db: Db, trust_uid: int) -> Place:
    """Where a trust is: the region most of its open schools are in, and all their LAs."""
    rows = await db.fetch(_TRUST_SCHOOLS_SQL, trust_uid)
    return place_of_schools((r["region_code"], r["la_code"]) for r in rows)


async def intervention_place(db: Db, *, trust_uid: int, urn: int | None) -> Place:
    """Where an intervention is: its academy's place, or its trust's when it names none."""
    if urn is None:
        return await trust_place(db, trust_uid)
    school = (await school_facts(db, [urn])).get(urn)
    if school is None:
        return Place()
    return Place(region=school.region_code, las=frozenset({school.la_code}))


# ------------------------------------------------------------------- delegations

# Delegations, straight from the log (they are few: a handful per region a year), so a
# decision sees a revocation the moment it commits. The partial expression index
# events_delegates (migration 0011) finds a person's grants.
_DELEGATIONS_TO_SQL = """
SELECT e.event_type, e.schema_version, e.data::text AS data
  FROM events e
 WHERE e.category = 'delegation'
   AND e.stream_id IN (
       SELECT g.stream_id FROM events g
        WHERE g.event_type = 'commissioning.DelegationGranted' AND g.data->>'delegate' = $1)
 ORDER BY e.stream_id, e.stream_version
"""
_ALL_DELEGATIONS_SQL = """
SELECT e.event_type, e.schema_version, e.data::text AS data
  FROM events e WHERE e.category = 'delegation'
 ORDER BY e.stream_id, e.stream_version
"""


async def delegation_states(
    db: Db, registry: EventRegistry, *, delegate: str | None = None
) -> list[DelegationState]:
    """Every delegation (to ``delegate``, if given) as its stream now tells it."""
    rows = await (
        db.fetch(_ALL_DELEGATIONS_SQL)
        if delegate is None
        else db.fetch(_DELEGATIONS_TO_SQL, delegate)
    )
    streams: dict[str, list[EventContract]] = {}
    for row in rows:
        event = registry.decode(row["event_type"], row["schema_version"], json.loads(row["data"]))
        streams.setdefault(str(getattr(event, "delegation_id", "")), []).append(event)
    states = [delegations.fold(events) for events in streams.values()]
    return [s for s in states if s is not None]


async def delegations_to(uow: UnitOfWork, subject: str) -> list[Delegation]:
    """Every delegation ever granted to ``subject``, read in the unit's transaction."""
    return [s.delegation for s in await delegation_states(uow.conn, uow.registry, delegate=subject)]


async def load_delegation(source: EventStore | UnitOfWork, delegation_id: str) -> DelegationState:
    """A delegation as its stream tells it; 404 when there is none."""
    stream = f"delegation-{delegation_id}"
    recorded = await (
        source.read_for_change(stream)
        if isinstance(source, UnitOfWork)
        else source.read_stream(stream)
    )
    state = delegations.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no delegation {delegation_id}.")
    return state
