"""Load a board, decide, append; and what boards tell the rest of commissioning: the
conflicts on a case, and the declared interests a decision on it must respect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.commissioning.boards import domain
from services.commissioning.boards.projection import TABLE
from services.commissioning.domain import cases
from services.commissioning.domain.duties import DeclaredInterest, concerned_trusts
from shared.authority.acting import authorize
from shared.authority.scope import Place
from shared.errors import NotFound
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM
from shared.eventlog.store import EventStore
from shared.eventlog.unit import UnitOfWork


def stream(board_id: str) -> str:
    """The stream of one advisory board."""
    return f"board-{board_id}"


def place(state: domain.BoardState) -> Place:
    """Where a board is: its region."""
    return Place(region=state.region_code)


@dataclass(frozen=True, slots=True)
class Written:
    """A board's id and its version after a write."""

    board_id: str
    version: int


async def load(source: EventStore | UnitOfWork, board_id: str) -> domain.BoardState:
    """The board as its stream tells it (in a unit of work: the one being changed, and the
    caller must act in its region); 404 when there is none."""
    recorded = await (
        source.read_for_change(stream(board_id))
        if isinstance(source, UnitOfWork)
        else source.read_stream(stream(board_id))
    )
    state = domain.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no board {board_id}.")
    if isinstance(source, UnitOfWork):
        authorize(source, place(state))
    return state


async def plan(
    uow: UnitOfWork, *, board_id: str, events: list[EventContract], region: str
) -> Written:
    """A new board, where the caller acts."""
    authorize(uow, Place(region=region))
    result = await uow.append(stream(board_id), events, expected_version=NO_STREAM)
    return Written(board_id, result.last_version)


async def append(uow: UnitOfWork, state: domain.BoardState, events: list[EventContract]) -> Written:
    """Append to a loaded board at the version read (If-Match) or loaded."""
    result = await uow.append(
        stream(state.board_id), events, expected_version=uow.expect(state.version)
    )
    return Written(state.board_id, result.last_version)


async def load_case_state(source: EventStore | UnitOfWork, case_id: str) -> cases.CaseState:
    """A case read only to be looked at (no authority asked for it here)."""
    recorded = await source.read_stream(f"case-{case_id}")
    state = cases.fold(e.decode(source.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no case {case_id}.")
    return state


def case_trusts(state: cases.CaseState) -> frozenset[int]:
    """The trusts a case concerns: its shortlist, and the trust it approved, if any."""
    return concerned_trusts(None, state.shortlist) | (
        frozenset({state.trust_uid}) if state.trust_uid is not None else frozenset()
    )


async def boards_of_case(db: asyncpg.Connection | asyncpg.Pool, case_id: str) -> list[str]:
    """The boards with the case on their agenda, from the read model, oldest date first."""
    rows = await db.fetch(
        f"SELECT board_id FROM {TABLE} WHERE $1 = ANY(agenda) ORDER BY board_date, board_id",
        case_id,
    )
    return [r["board_id"] for r in rows]


async def interests_for_case(uow: UnitOfWork, case_id: str) -> list[DeclaredInterest]:
    """The trust interests, in force on each board's date, of the members of every board
    with the case on its agenda: whom the separation of duties keeps from deciding it."""
    out: list[DeclaredInterest] = []
    for board_id in await boards_of_case(uow.conn, case_id):
        recorded = await uow.read_stream(stream(board_id))
        state = domain.fold(e.decode(uow.registry) for e in recorded)
        if state is not None:
            out += domain.declared_interests(state)
    return out


async def conflicts_of(
    source: EventStore, state: domain.BoardState, case_ids: Sequence[str]
) -> dict[str, list[domain.CaseConflict]]:
    """Each agenda case's conflicts on this board."""
    out: dict[str, list[domain.CaseConflict]] = {}
    for case_id in case_ids:
        case = await load_case_state(source, case_id)
        out[case_id] = domain.conflicts(state, case_id, urns=case.urns, trusts=case_trusts(case))
    return out
