"""Commissioning's events of advisory boards (stream ``board-{id}``): a board planned for a
region and date, its members and their declared interests, the cases on its agenda, and the
agenda and notes as published.

They are commissioning's events (its ``contracts`` take these in, and it alone appends to
``board``); a member's declared interest in a trust keeps them from deciding on it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from shared.contracts.identifiers import CaseId, GroupUid, RegionCode, Subject, Urn
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()

# --------------------------------------------------------------------------- boards

BoardId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="uuid4 hex")]
# DOMAIN.md: a board's members are elected headteachers, appointed or co-opted.
BoardMemberKind = Literal["elected_head", "appointed", "co_opted"]


@contracts.register
class AdvisoryBoardPlanned(EventContract):
    """An advisory board for a region meets on this date (stream ``board-{board_id}``)."""

    type_name = "commissioning.AdvisoryBoardPlanned"
    board_id: BoardId
    region_code: RegionCode
    board_date: date
    title: str = Field(min_length=1, max_length=300)


@contracts.register
class BoardMemberAppointed(EventContract):
    """A person sits on the board: their name, the token subject they act as, their kind."""

    type_name = "commissioning.BoardMemberAppointed"
    board_id: BoardId
    subject: Subject
    name: str = Field(min_length=1, max_length=200)
    kind: BoardMemberKind


@contracts.register
class BoardInterestDeclared(EventContract):
    """A member's declared interest in a trust or a school, from a day (to a day), as the
    register of interests (``source``) records it."""

    type_name = "commissioning.BoardInterestDeclared"
    board_id: BoardId
    subject: Subject
    trust_uid: GroupUid | None = None
    urn: Urn | None = None
    interest: str = Field(min_length=1, max_length=2000)
    from_date: date
    to_date: date | None = None
    source: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one_party(self) -> BoardInterestDeclared:
        if (self.trust_uid is None) == (self.urn is None):
            raise ValueError("an interest names either a trust_uid or a urn")
        return self


@contracts.register
class CasePutOnBoardAgenda(EventContract):
    """A case goes on the board's agenda."""

    type_name = "commissioning.CasePutOnBoardAgenda"
    board_id: BoardId
    case_id: CaseId


@contracts.register
class BoardAgendaPublished(EventContract):
    """The board's agenda is published (it was a draft until now)."""

    type_name = "commissioning.BoardAgendaPublished"
    board_id: BoardId
    published_on: date


@contracts.register
class BoardNotesRecorded(EventContract):
    """The board's notes, in draft or published (once the schools and trusts affected have
    been told)."""

    type_name = "commissioning.BoardNotesRecorded"
    board_id: BoardId
    notes: str = Field(min_length=1, max_length=20000)
    published: StrictBool
    recorded_on: date


# Which events each of these stream categories holds (see shared/contracts/commissioning.py).
CATEGORY_EVENTS: dict[str, tuple[type[EventContract], ...]] = {
    "board": (
        AdvisoryBoardPlanned,
        BoardMemberAppointed,
        BoardInterestDeclared,
        CasePutOnBoardAgenda,
        BoardAgendaPublished,
        BoardNotesRecorded,
    ),
}
