"""Load a significant change, decide, append; a change is where its academy is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from services.commissioning.knowledge import school_facts
from services.commissioning.policy_book import POLICIES
from services.commissioning.significant_changes import domain
from services.commissioning.significant_changes.policy import (
    SIGNIFICANT_CHANGE_TYPES,
    SignificantChangeTypes,
)
from shared.authority.acting import authorize
from shared.authority.scope import Place
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork
from shared.policy.store import policy_in_force


def stream(change_id: str) -> str:
    """The stream of one significant change."""
    return f"significant_change-{change_id}"


async def school_place(db: asyncpg.Connection | asyncpg.Pool, urn: int) -> Place:
    """Where a change is: its academy's region and LA."""
    school = (await school_facts(db, [urn])).get(urn)
    if school is None:
        return Place()
    return Place(region=school.region_code, las=frozenset({school.la_code}))


@dataclass(frozen=True, slots=True)
class Written:
    """A change's id and its version after a write."""

    significant_change_id: str
    version: int


async def load(source: EventStore | UnitOfWork, change_id: str) -> domain.ChangeState:
    """The change as its stream tells it (in a unit of work: the one being changed, where
    the caller must act); 404 when there is none."""
    recorded = await (
        source.read_for_change(stream(change_id))
        if isinstance(source, UnitOfWork)
        else source.read_stream(stream(change_id))
    )
    state = domain.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no significant change {change_id}.")
    if isinstance(source, UnitOfWork):
        authorize(source, await school_place(source.conn, state.urn))
    return state


async def trust_of(uow: UnitOfWork, urn: int) -> int | None:
    """The academy's trust, from commissioning's knowledge (404 for an unknown school), once
    the caller is allowed where it is."""
    school = (await school_facts(uow.conn, [urn])).get(urn)
    if school is None:
        raise NotFound(f"School {urn} is not on the register.")
    authorize(uow, await school_place(uow.conn, urn))
    return school.trust_uid


async def create(uow: UnitOfWork, change_id: str, events: list[EventContract]) -> Written:
    """Append a new change's first events."""
    result = await uow.append(stream(change_id), events, expected_version=NO_STREAM)
    return Written(change_id, result.last_version)


async def append(
    uow: UnitOfWork, state: domain.ChangeState, events: list[EventContract]
) -> Written:
    """Append to a loaded change at the version read (If-Match) or loaded."""
    result = await uow.append(
        stream(state.significant_change_id), events, expected_version=uow.expect(state.version)
    )
    return Written(state.significant_change_id, result.last_version)


async def change_types(uow: UnitOfWork, on: date) -> domain.ChangeTypes:
    """The significant_change_types version in force on ``on``."""
    found = await policy_in_force(
        uow, POLICIES, SIGNIFICANT_CHANGE_TYPES, on, SignificantChangeTypes
    )
    return domain.ChangeTypes(found.document, found.number)
