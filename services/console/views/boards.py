"""Advisory boards: the list by region, and a board with its members, register of interests,
agenda (each case's conflicts highlighted) and notes, as commissioning's API gives them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from commissioning_client.models import BoardList, BoardView

from services.console.views.common import Choice, SummaryRow, label, long_date, rows
from shared import reference


def region_name(code: str) -> str:
    """A GOR code as its region's name, the code where it is not one."""
    found = reference.regions().get(code)
    return found.name if found else code


def region_choices(region: str) -> list[Choice]:
    """The region filter: all the regions where you act, or one."""
    return [
        Choice("", "Everywhere you act", region == ""),
        *(Choice(code, r.name, code == region) for code, r in sorted(reference.regions().items())),
    ]


@dataclass(frozen=True)
class BoardRow:
    """A board in the list."""

    title: str
    href: str
    date: str
    region: str
    members: int
    cases: int
    agenda: str
    notes: str


@dataclass(frozen=True)
class BoardListView:
    """The boards where the user acts, newest date first."""

    region: str
    regions: list[Choice]
    boards: list[BoardRow]

    @classmethod
    def build(cls, found: BoardList, *, region: str) -> BoardListView:
        """From commissioning's ``GET /boards``."""
        return cls(
            region=region,
            regions=region_choices(region),
            boards=[
                BoardRow(
                    title=b.title,
                    href=f"/boards/{b.board_id}",
                    date=long_date(b.board_date),
                    region=region_name(b.region_code),
                    members=b.members,
                    cases=b.agenda_cases,
                    agenda=label(b.agenda_status),
                    notes=label(b.notes_status),
                )
                for b in found.items
            ],
        )


@dataclass(frozen=True)
class MemberRow:
    """A member of the board."""

    name: str
    kind: str
    subject: str


@dataclass(frozen=True)
class InterestRow:
    """A declared interest in the register, and whether it stands on the board's date."""

    member: str
    interest: str
    what: str
    href: str
    dates: str
    source: str
    in_force: bool


@dataclass(frozen=True)
class AgendaRow:
    """A case on the agenda, with every member's conflict on it."""

    title: str
    href: str
    conflicts: list[str]


@dataclass(frozen=True)
class BoardPageView:
    """One advisory board."""

    title: str
    details: list[SummaryRow]
    members: list[MemberRow]
    interests: list[InterestRow]
    agenda: list[AgendaRow]
    conflicted: int
    notes: str | None
    notes_status: str

    @classmethod
    def build(cls, board: BoardView, case_titles: Mapping[str, str]) -> BoardPageView:
        """From commissioning's board and the titles of the cases on its agenda (a case the
        user may not read is shown by its id)."""
        names = {m.subject: m.name for m in board.members}

        def about(trust_uid: int | None, urn: int | None) -> tuple[str, str]:
            if trust_uid is not None:
                return f"Trust {trust_uid}", f"/trusts/{trust_uid}"
            return f"School {urn}", f"/schools/{urn}"

        interests = []
        for i in board.interests:
            what, href = about(i.trust_uid, i.urn)
            interests.append(
                InterestRow(
                    member=names.get(i.subject, i.subject),
                    interest=i.interest,
                    what=what,
                    href=href,
                    dates=f"{long_date(i.from_date)} to "
                    + (long_date(i.to_date) if i.to_date else "now"),
                    source=i.source or "",
                    in_force=i.in_force_on_board_date,
                )
            )
        agenda = [
            AgendaRow(
                title=case_titles.get(a.case_id, f"Case {a.case_id}"),
                href=f"/cases/{a.case_id}",
                conflicts=[
                    f"{c.name}: {c.interest} of {about(c.trust_uid, c.urn)[0].lower()}"
                    for c in a.conflicts
                ],
            )
            for a in board.agenda
        ]
        notes_status = label(board.notes_status)
        return cls(
            title=board.title,
            details=rows(
                [
                    ("Region", region_name(board.region_code)),
                    ("Meets on", long_date(board.board_date)),
                    (
                        "Agenda",
                        f"Published on {long_date(board.agenda_published_on)}"
                        if board.agenda_published_on
                        else label(board.agenda_status),
                    ),
                    ("Notes", notes_status),
                ]
            ),
            members=[MemberRow(m.name, label(m.kind), m.subject) for m in board.members],
            interests=interests,
            agenda=agenda,
            conflicted=sum(1 for a in agenda if a.conflicts),
            notes=board.notes,
            notes_status=notes_status,
        )


def agenda_case_ids(board: BoardView) -> Sequence[str]:
    """The cases whose titles the board's page shows."""
    return [a.case_id for a in board.agenda]
