"""Advisory boards, pure: conflicts in force on the board's date, and who may not decide."""

from __future__ import annotations

from datetime import date

import pytest

from services.commissioning.boards import domain
from shared.errors import Conflict, UnprocessableContent

BOARD = "b" * 32
CASE = "c" * 32
ON = date(2026, 12, 10)


def _board() -> domain.BoardState:
    events = domain.plan(BOARD, region_code="D", board_date=ON, title="December")
    state = domain.fold(events)
    assert state is not None
    for subject in ("ann", "ben"):
        (e,) = domain.appoint(state, subject=subject, name=subject.title(), kind="appointed")
        state = domain.evolve(state, e)
    return state


def _declare(state: domain.BoardState, **what: object) -> domain.BoardState:
    fields: dict[str, object] = {
        "subject": "ann",
        "trust_uid": None,
        "urn": None,
        "interest": "Trustee",
        "from_date": date(2020, 1, 1),
        "to_date": None,
        "source": None,
        **what,
    }
    (e,) = domain.declare(state, **fields)  # type: ignore[arg-type]
    return domain.evolve(state, e)


def test_only_interests_in_force_on_the_board_date_in_the_case_conflict() -> None:
    state = _declare(_board(), trust_uid=7)
    state = _declare(state, subject="ben", urn=123456, from_date=date(2027, 1, 1))  # later
    state = _declare(state, subject="ben", trust_uid=8, to_date=date(2026, 12, 9))  # ended
    state = _declare(state, subject="ben", trust_uid=9)  # another trust
    found = domain.conflicts(state, CASE, urns=[123456], trusts={7, 8})
    assert [(c.subject, c.trust_uid, c.urn) for c in found] == [("ann", 7, None)]
    assert {(i.subject, i.trust_uid) for i in domain.declared_interests(state)} == {
        ("ann", 7),
        ("ben", 9),
    }


def test_a_school_interest_conflicts_but_does_not_enter_the_trust_register() -> None:
    state = _declare(_board(), urn=123456)
    assert [c.urn for c in domain.conflicts(state, CASE, urns=[123456], trusts=())] == [123456]
    assert domain.declared_interests(state) == []


def test_refusals_name_what_is_wrong() -> None:
    state = _board()
    with pytest.raises(UnprocessableContent) as bad:
        domain.declare(
            state,
            subject="zed",
            trust_uid=1,
            urn=123456,
            interest="x",
            from_date=ON,
            to_date=date(2020, 1, 1),
            source=None,
        )
    locs = [e["loc"][1] for e in bad.value.extra["errors"]]
    assert locs == ["subject", "trust_uid", "to_date"]
    with pytest.raises(Conflict):
        domain.appoint(state, subject="ann", name="Ann", kind="co_opted")
    with pytest.raises(UnprocessableContent):
        domain.put_on_agenda(state, case_id=CASE, case_region="H")
    (on_agenda,) = domain.put_on_agenda(state, case_id=CASE, case_region="D")
    with pytest.raises(Conflict):
        domain.put_on_agenda(domain.evolve(state, on_agenda), case_id=CASE, case_region="D")
    (published,) = domain.record_notes(state, notes="n", published=True, on=ON)
    with pytest.raises(Conflict):
        domain.record_notes(domain.evolve(state, published), notes="n", published=False, on=ON)
