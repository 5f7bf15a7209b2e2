"""Advisory boards, pure: a board's state from its events, its commands, and conflicts.

A conflict is a member with an interest, in force on the board's date, in a school of a
case on its agenda or in a trust that case has shortlisted (or approved).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.commissioning.domain.duties import DeclaredInterest
from shared.contracts.boards import (
    AdvisoryBoardPlanned,
    BoardAgendaPublished,
    BoardInterestDeclared,
    BoardMemberAppointed,
    BoardMemberKind,
    BoardNotesRecorded,
    CasePutOnBoardAgenda,
)
from shared.errors import Conflict, UnprocessableContent
from shared.eventlog.contracts import EventContract


@dataclass(frozen=True, slots=True)
class Member:
    """A person on the board."""

    subject: str
    name: str
    kind: BoardMemberKind


@dataclass(frozen=True, slots=True)
class Interest:
    """A member's declared interest in a trust or a school, for a period."""

    subject: str
    trust_uid: int | None
    urn: int | None
    interest: str
    from_date: date
    to_date: date | None
    source: str | None

    def in_force(self, on: date) -> bool:
        """Whether the interest stands on ``on``."""
        return self.from_date <= on and (self.to_date is None or on <= self.to_date)


@dataclass(frozen=True, slots=True)
class BoardState:
    """A board as its stream tells it."""

    board_id: str
    version: int
    region_code: str
    board_date: date
    title: str
    members: tuple[Member, ...] = ()
    interests: tuple[Interest, ...] = ()
    agenda: tuple[str, ...] = ()
    agenda_published_on: date | None = None
    notes: str | None = None
    notes_published: bool = False

    def member(self, subject: str) -> Member | None:
        """The member acting as ``subject``, if any."""
        return next((m for m in self.members if m.subject == subject), None)


def evolve(state: BoardState | None, event: EventContract) -> BoardState:
    """The board after one more of its events."""
    if isinstance(event, AdvisoryBoardPlanned):
        return BoardState(
            board_id=event.board_id,
            version=1,
            region_code=event.region_code,
            board_date=event.board_date,
            title=event.title,
        )
    if state is None:
        raise ValueError(f"{type(event).__name__} before AdvisoryBoardPlanned")
    s = replace(state, version=state.version + 1)
    if isinstance(event, BoardMemberAppointed):
        return replace(s, members=(*s.members, Member(event.subject, event.name, event.kind)))
    if isinstance(event, BoardInterestDeclared):
        interest = Interest(
            subject=event.subject,
            trust_uid=event.trust_uid,
            urn=event.urn,
            interest=event.interest,
            from_date=event.from_date,
            to_date=event.to_date,
            source=event.source,
        )
        return replace(s, interests=(*s.interests, interest))
    if isinstance(event, CasePutOnBoardAgenda):
        return replace(s, agenda=(*s.agenda, event.case_id))
    if isinstance(event, BoardAgendaPublished):
        return replace(s, agenda_published_on=event.published_on)
    if isinstance(event, BoardNotesRecorded):
        return replace(s, notes=event.notes, notes_published=event.published)
    return s


def fold(events: Iterable[EventContract]) -> BoardState | None:
    """The board from its events, oldest first; None when there are none."""
    state: BoardState | None = None
    for event in events:
        state = evolve(state, event)
    return state


# ------------------------------------------------------------------ commands


def plan(board_id: str, *, region_code: str, board_date: date, title: str) -> list[EventContract]:
    """A new board for a region on a date."""
    return [
        AdvisoryBoardPlanned(
            board_id=board_id, region_code=region_code, board_date=board_date, title=title
        )
    ]


def appoint(
    state: BoardState, *, subject: str, name: str, kind: BoardMemberKind
) -> list[EventContract]:
    """A member joins the board; a subject sits on it once (409)."""
    if state.member(subject) is not None:
        raise Conflict(f"{subject} is already a member of this board.", extra={"subject": subject})
    return [BoardMemberAppointed(board_id=state.board_id, subject=subject, name=name, kind=kind)]


def declare(
    state: BoardState,
    *,
    subject: str,
    trust_uid: int | None,
    urn: int | None,
    interest: str,
    from_date: date,
    to_date: date | None,
    source: str | None,
) -> list[EventContract]:
    """A member declares an interest: only a member may (422 naming ``subject``)."""
    errors: list[dict[str, object]] = []
    if state.member(subject) is None:
        errors.append(
            {"loc": ["body", "subject"], "msg": f"{subject} is not a member of this board."}
        )
    if (trust_uid is None) == (urn is None):
        errors.append(
            {"loc": ["body", "trust_uid"], "msg": "Name either a trust_uid or a urn, not both."}
        )
    if to_date is not None and to_date < from_date:
        errors.append({"loc": ["body", "to_date"], "msg": "to_date is before from_date."})
    if errors:
        raise UnprocessableContent("The interest cannot be declared.", extra={"errors": errors})
    return [
        BoardInterestDeclared(
            board_id=state.board_id,
            subject=subject,
            trust_uid=trust_uid,
            urn=urn,
            interest=interest,
            from_date=from_date,
            to_date=to_date,
            source=source,
        )
    ]


def put_on_agenda(
    state: BoardState, *, case_id: str, case_region: str | None
) -> list[EventContract]:
    """A case of the board's region goes on its agenda, once."""
    if case_id in state.agenda:
        raise Conflict(f"Case {case_id} is on this board's agenda already.")
    if case_region != state.region_code:
        raise UnprocessableContent(
            f"Case {case_id} is in region {case_region}, not the board's ({state.region_code}).",
            extra={
                "errors": [{"loc": ["body", "case_id"], "msg": "The case is in another region."}]
            },
        )
    return [CasePutOnBoardAgenda(board_id=state.board_id, case_id=case_id)]


def publish_agenda(state: BoardState, *, on: date) -> list[EventContract]:
    """Publish the agenda (409 once published)."""
    if state.agenda_published_on is not None:
        raise Conflict("This board's agenda is published already.")
    return [BoardAgendaPublished(board_id=state.board_id, published_on=on)]


def record_notes(
    state: BoardState, *, notes: str, published: bool, on: date
) -> list[EventContract]:
    """Record the notes, in draft or published; published notes are not unpublished (409)."""
    if state.notes_published and not published:
        raise Conflict("This board's notes are published: they cannot go back to draft.")
    return [
        BoardNotesRecorded(
            board_id=state.board_id, notes=notes, published=published, recorded_on=on
        )
    ]


# ------------------------------------------------------------------ conflicts


@dataclass(frozen=True, slots=True)
class CaseConflict:
    """A member with an interest in a school or trust a case on the agenda concerns."""

    case_id: str
    subject: str
    name: str
    trust_uid: int | None
    urn: int | None
    interest: str


def conflicts(
    state: BoardState, case_id: str, *, urns: Sequence[int], trusts: Iterable[int]
) -> list[CaseConflict]:
    """The members' interests, in force on the board's date, in the case's schools or in
    the trusts it concerns."""
    trust_set = set(trusts)
    out: list[CaseConflict] = []
    for i in state.interests:
        if not i.in_force(state.board_date):
            continue
        if (i.urn is not None and i.urn in urns) or (
            i.trust_uid is not None and i.trust_uid in trust_set
        ):
            member = state.member(i.subject)
            out.append(
                CaseConflict(
                    case_id=case_id,
                    subject=i.subject,
                    name=member.name if member else i.subject,
                    trust_uid=i.trust_uid,
                    urn=i.urn,
                    interest=i.interest,
                )
            )
    return out


def declared_interests(state: BoardState) -> list[DeclaredInterest]:
    """The members' interests in trusts in force on the board's date, for the separation of
    duties when a case on its agenda is decided."""
    return [
        DeclaredInterest(subject=i.subject, trust_uid=i.trust_uid, interest=i.interest)
        for i in state.interests
        if i.trust_uid is not None and i.in_force(state.board_date)
    ]
