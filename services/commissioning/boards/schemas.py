"""Requests and views of advisory boards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool

from shared.contracts.boards import BoardMemberKind
from shared.contracts.identifiers import CaseId, RegionCode, Subject
from shared.http.fields import (
    IsoDate,
    Paragraph,
    PersonName,
    Reference,
    StrictGroupUid,
    StrictUrn,
    Title,
)
from shared.http.models import RequestModel, ViewModel

Notes = Annotated[str, Field(min_length=1, max_length=20000)]


class BoardPlanning(RequestModel):
    """A board for a region, on a date."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "region_code": "D",
                    "board_date": "2026-12-10",
                    "title": "Yorkshire and the Humber advisory board, December 2026",
                }
            ]
        },
    )

    region_code: RegionCode
    board_date: IsoDate
    title: Title


class MemberAppointment(RequestModel):
    """A member: their name, the token subject they act as, and their kind."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Helen Head", "subject": "helen.head", "kind": "elected_head"}]
        },
    )

    name: PersonName
    subject: Subject
    kind: BoardMemberKind


class InterestDeclaration(RequestModel):
    """A member's interest in a trust (``trust_uid``) or a school (``urn``), from a day."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "helen.head",
                    "trust_uid": 5002,
                    "interest": "Trustee of the trust since 2021.",
                    "from_date": "2021-09-01",
                    "source": "Register of interests, quarter 3 2026",
                }
            ]
        },
    )

    subject: Subject
    trust_uid: StrictGroupUid | None = None
    urn: StrictUrn | None = None
    interest: Paragraph
    from_date: IsoDate
    to_date: IsoDate | None = None
    source: Reference | None = None


class AgendaItem(RequestModel):
    """A case to put on the board's agenda (a case of the board's region)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"case_id": "0" * 32}]}
    )

    case_id: CaseId


class NotesRecording(RequestModel):
    """The board's notes, and whether they are published (the schools and trusts told)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"notes": "The board advised approval.", "published": False}]
        },
    )

    notes: Notes
    published: StrictBool = False


class BoardWritten(ViewModel):
    """The board written to, and its version (its ETag)."""

    board_id: str
    version: int


class MemberView(ViewModel):
    """A member of the board."""

    subject: str
    name: str
    kind: BoardMemberKind


class InterestView(ViewModel):
    """A declared interest, and whether it stands on the board's date."""

    subject: str
    trust_uid: int | None
    urn: int | None
    interest: str
    from_date: date
    to_date: date | None
    source: str | None
    in_force_on_board_date: bool


class ConflictView(ViewModel):
    """A member with an interest in a school or trust the case concerns."""

    subject: str
    name: str
    trust_uid: int | None
    urn: int | None
    interest: str


class AgendaCaseView(ViewModel):
    """A case on the agenda, with its conflicts."""

    case_id: str
    conflicts: list[ConflictView]


class BoardView(ViewModel):
    """A board: members, register of interests, agenda with conflicts, notes."""

    board_id: str
    region_code: str
    board_date: date
    title: str
    members: list[MemberView]
    interests: list[InterestView]
    agenda: list[AgendaCaseView]
    agenda_status: str = Field(description="draft or published")
    agenda_published_on: date | None
    notes: str | None
    notes_status: str = Field(description="none, draft or published")
    version: int


class CaseBoardView(ViewModel):
    """A board the case is on, and the conflicts its members have on it."""

    board_id: str
    board_date: date
    title: str
    conflicts: list[ConflictView]


class CaseBoardsView(ViewModel):
    """The boards a case is on, with every conflict."""

    case_id: str
    boards: list[CaseBoardView]


class BoardSummary(ViewModel):
    """A board in a list."""

    board_id: str
    region_code: str
    board_date: date
    title: str
    members: int = Field(description="How many members it has.")
    agenda_cases: int = Field(description="How many cases are on its agenda.")
    agenda_status: str = Field(description="draft or published")
    notes_status: str = Field(description="none, draft or published")
    version: int


class BoardList(ViewModel):
    """The boards where the caller acts, newest date first (not paginated: a region has
    about one board a month)."""

    items: list[BoardSummary]
