"""Separation of duties on a case, pure: who put a trust forward may not also decide on it.

A recommendation is a person putting a trust forward on a case. Today that is shortlisting
it (``CaseShortlisted``, its actor); presenting it to the advisory board is the next
(the boards work adds a row to ``RECOMMENDING``: the event type, the words, and which trusts
it names). The decision concerns the trust it approves, or, for any other outcome, every
trust on the shortlist: whoever recommended one of those may not record it.

Declared interests: a board member with a declared interest in a trust may not decide on
it. ``refuse_conflicts`` takes the interests as data (``DeclaredInterest``); the decision
handler passes those of every board with the case on its agenda (``boards/``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from shared.authority.rules import SeparationOfDuties
from shared.contracts.commissioning import CaseShortlisted
from shared.eventlog.contracts import EventContract


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Someone put a trust forward on a case."""

    trust_uid: int
    by: str
    how: str


@dataclass(frozen=True, slots=True)
class Recommending:
    """An event type that puts trusts forward: in what words, and which trusts it names."""

    event: type[EventContract]
    how: str
    trusts: Callable[[EventContract], Iterable[int]]


def _shortlisted(event: EventContract) -> Iterable[int]:
    assert isinstance(event, CaseShortlisted)
    return event.trust_uids


# Every way a person recommends a trust on a case; the boards work adds "presented".
RECOMMENDING: tuple[Recommending, ...] = (
    Recommending(CaseShortlisted, "shortlisted", _shortlisted),
)


@dataclass(frozen=True, slots=True)
class DeclaredInterest:
    """A person's declared interest in a trust (a board member's register of interests)."""

    subject: str
    trust_uid: int
    interest: str


def recommendations(events: Iterable[tuple[EventContract, str]]) -> list[Recommendation]:
    """Every recommendation in a case's events, given each event with its actor."""
    out: list[Recommendation] = []
    for event, actor in events:
        for kind in RECOMMENDING:
            if isinstance(event, kind.event):
                out += [Recommendation(uid, actor, kind.how) for uid in kind.trusts(event)]
    return out


def concerned_trusts(trust_uid: int | None, shortlist: Sequence[int]) -> frozenset[int]:
    """The trusts a decision is about: the one it approves, or the whole shortlist."""
    return frozenset({trust_uid}) if trust_uid is not None else frozenset(shortlist)


def refuse_recommender(
    decider: str, made: Iterable[Recommendation], *, trusts: Collection[int]
) -> None:
    """403 (rule ``recommender-may-not-decide``) if ``decider`` recommended one of ``trusts``."""
    theirs = sorted(
        {(r.trust_uid, r.how) for r in made if r.by == decider and r.trust_uid in trusts}
    )
    if theirs:
        what = ", ".join(f"{how} trust {uid}" for uid, how in theirs)
        raise SeparationOfDuties(
            f"You {what} on this case, so you may not also record the decision on it:"
            " someone else decides.",
            extra={
                "rule": "recommender-may-not-decide",
                "trust_uids": sorted({uid for uid, _ in theirs}),
            },
        )


def refuse_conflicts(
    decider: str, interests: Iterable[DeclaredInterest], *, trusts: Collection[int]
) -> None:
    """403 (rule ``declared-interest-may-not-decide``) if ``decider`` declared an interest in
    one of ``trusts``."""
    theirs = sorted(
        {i.trust_uid for i in interests if i.subject == decider and i.trust_uid in trusts}
    )
    if theirs:
        raise SeparationOfDuties(
            "You declared an interest in trust "
            + ", ".join(map(str, theirs))
            + ", so you may not decide on it.",
            extra={"rule": "declared-interest-may-not-decide", "trust_uids": theirs},
        )
