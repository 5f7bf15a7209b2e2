"""The ``intervention`` policy: pathways per category of concern and kind of school, pure.

A pathway is a small graph of steps: each step says which steps it may follow (none: it can
come first), who may decide it, and what it does (opens a case, starts the RISE window,
waits for the window to end, gives a notice with a response period in working days, needs a
coded reason or an outcome). A version is refused if any category and kind of school has
no pathway or any step has no decider (``check`` lists every problem). The notice ladder
against academies and trusts is the ``notices`` section (``interventions.policy``); the
whole-trust pathways the ``trust_pathways`` section (``trust_interventions.policy``).
"""

from __future__ import annotations

from itertools import product
from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from services.commissioning.interventions.policy import NoticeRules, check_notices
from services.commissioning.pathways import allowed_after, step_problems
from services.commissioning.trust_interventions.policy import (
    TrustPathways,
    check_trust_pathways,
)
from shared.contracts.commissioning import CaseTrigger
from shared.contracts.interventions import CategoryOfConcern, SchoolKind

INTERVENTION_POLICY = "intervention"
SCHOOL_KINDS: tuple[SchoolKind, ...] = get_args(SchoolKind)
CATEGORIES: tuple[CategoryOfConcern, ...] = get_args(CategoryOfConcern)
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Codes = Annotated[list[Code], Field(max_length=30)]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(_Doc):
    """One step a case team may take on a pathway."""

    step: Code
    title: str = Field(min_length=1, max_length=200)
    after: Codes = Field(default_factory=list)
    deciders: Codes = Field(default_factory=list)
    opens_case: CaseTrigger | None = None
    starts_rise_window: StrictBool = False
    needs_rise_window_ended: StrictBool = False
    notice_response_working_days: StrictInt | None = Field(default=None, ge=1, le=200)
    reason_codes: Codes = Field(default_factory=list)
    outcomes: Codes = Field(default_factory=list)
    note: str | None = Field(default=None, max_length=2000)


class Pathway(_Doc):
    """What a case team may do for one category of concern and kind of school."""

    category: CategoryOfConcern
    school_kind: SchoolKind
    steps: list[Step] = Field(max_length=30)
    note: str | None = Field(default=None, max_length=2000)

    def step(self, code: str) -> Step | None:
        """The step called ``code`` on this pathway, if any."""
        return next((s for s in self.steps if s.step == code), None)

    def allowed_after(self, last: str | None) -> list[str]:
        """The steps that may follow ``last`` (None: the first steps), in policy order."""
        return allowed_after(self.steps, last)


class InterventionPolicy(_Doc):
    """The whole policy document."""

    rise_window_months: StrictInt = Field(ge=1, le=60)
    decider_grades: Codes = Field(min_length=1)
    pathways: list[Pathway] = Field(max_length=30)
    # None (version 1): the notice ladder as it was before it was data (FIXED_NOTICES).
    notices: NoticeRules | None = None
    # None (versions 1-5): no whole-trust intervention could be recorded under them.
    trust_pathways: TrustPathways | None = None

    def pathway(self, category: str, school_kind: str) -> Pathway | None:
        """The pathway for a category of concern and kind of school, if there is one."""
        return next(
            (p for p in self.pathways if p.category == category and p.school_kind == school_kind),
            None,
        )


def check(doc: InterventionPolicy) -> list[str]:
    """Every problem of a well-formed document, in words a policy officer reads."""
    problems: list[str] = []
    for category, kind in product(CATEGORIES, SCHOOL_KINDS):
        found = [p for p in doc.pathways if p.category == category and p.school_kind == kind]
        if not found:
            problems.append(f"category {category} has no pathway for a {kind} school")
        elif len(found) > 1:
            problems.append(f"category {category} has {len(found)} pathways for a {kind} school")
    for p in doc.pathways:
        where = f"pathway {p.category}/{p.school_kind}"
        problems += step_problems(where, p.steps, doc.decider_grades)
        for s in p.steps:
            if s.needs_rise_window_ended and not any(x.starts_rise_window for x in p.steps):
                problems.append(f"{where}: step {s.step} waits for a RISE window never started")
    if doc.notices is not None:
        problems += check_notices(doc.notices, doc.decider_grades)
    if doc.trust_pathways is not None:
        problems += check_trust_pathways(doc.trust_pathways, doc.decider_grades)
    return problems
