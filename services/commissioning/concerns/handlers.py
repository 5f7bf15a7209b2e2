"""Load a concern, decide, append: each write checks the trust's place first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from services.commissioning.authority import trust_place
from services.commissioning.concerns import domain
from services.commissioning.knowledge import trust_fact
from shared.authority.acting import authorize
from shared.errors import NotFound, UnprocessableContent
from shared.eventlog.contracts import EventContract
from shared.eventlog.model import NO_STREAM
from shared.eventlog.unit import UnitOfWork


def stream(concern_id: str) -> str:
    """The stream of one concern."""
    return f"concern-{concern_id}"


@dataclass(frozen=True, slots=True)
class Result:
    """What a write did: the concern's new version (and the action it added, if any)."""

    concern_id: str
    version: int
    action_id: str | None = None


async def open_concern(uow: UnitOfWork, *, cmd: domain.OpenConcern, today: date) -> Result:
    """Open a concern about a trust the register knows, where the trust is."""
    trust = await trust_fact(uow.conn, cmd.trust_uid)
    if trust is None:
        raise UnprocessableContent(
            f"Trust {cmd.trust_uid} is not on the register.",
            extra={
                "errors": [
                    {
                        "loc": ["body", "trust_uid"],
                        "msg": "not on the register",
                        "type": "value_error",
                    }
                ]
            },
        )
    authorize(uow, await trust_place(uow.conn, cmd.trust_uid))
    events = domain.open_concern(cmd, today=today)
    (result,) = await uow.append_streams([(stream(cmd.concern_id), events, NO_STREAM)])
    return Result(cmd.concern_id, result.last_version)


async def change(
    uow: UnitOfWork,
    *,
    concern_id: str,
    decide: Callable[[domain.ConcernState], EventContract],
    action_id: str | None = None,
) -> Result:
    """Any change to a concern: ``decide`` gives its one event from the concern as it is,
    appended only if nobody changed it since the caller read it (If-Match)."""
    recorded = await uow.read_for_change(stream(concern_id))
    state = domain.fold(e.decode(uow.registry) for e in recorded)
    if state is None:
        raise NotFound(f"There is no concern {concern_id}.")
    authorize(uow, await trust_place(uow.conn, state.trust_uid))
    event = decide(state)
    (result,) = await uow.append_streams([(stream(concern_id), [event], uow.expect(state.version))])
    return Result(concern_id, result.last_version, action_id)
