"""The ``ofsted_categories`` policy: which grades place a school in a category of concern.

Pure: the document's schema, the checks a version must pass, and the derivation. Each era
(``framework``) names its areas and grade words, the days its inspections start on, when a
category is possible at all (a category given in a file that its grades rule out is refused
as contradicting them), and ordered rules deriving the category when the file gives none.
A rule holds when any of its ``when_any`` clauses does; a clause when all its conditions do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from shared.contracts.registry import CategoryOfConcern, OfstedFramework
from shared.http.fields import IsoDate

CATEGORIES_POLICY = "ofsted_categories"

Name = Annotated[str, Field(min_length=1, max_length=100)]
Names = Annotated[list[Name], Field(max_length=50)]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Doc):
    """Every part given must hold: safeguarding as stated, and at least ``at_least`` of the
    areas named (``areas``), or of all graded areas but those named (``areas_except``),
    graded one of ``grades``. An empty condition always holds."""

    safeguarding_met: StrictBool | None = None
    areas: Names | None = None
    areas_except: Names | None = None
    grades: Names = Field(default_factory=list)
    at_least: StrictInt = Field(default=1, ge=1, le=50)


Clause = Annotated[list[Condition], Field(max_length=20)]
Clauses = Annotated[list[Clause], Field(max_length=20)]


class CategoryRule(_Doc):
    """The category a school is placed in when any clause holds."""

    category: CategoryOfConcern
    when_any: Clauses = Field(min_length=1)
    note: str | None = Field(default=None, max_length=2000)


class EraRules(_Doc):
    """One framework's shape and rules."""

    starts_from: IsoDate | None = None
    starts_before: IsoDate | None = None
    areas: Names = Field(default_factory=list)
    grades: Names = Field(default_factory=list)
    category_possible_when: Clauses = Field(default_factory=list)
    # In order: the first that holds gives the category. Empty: only the file can give one.
    derive: list[CategoryRule] = Field(default_factory=list, max_length=20)
    # Grades that put a school in a category the rules cannot choose (it turns on a
    # judgement the file does not grade, such as leaders' capacity to improve): a row with
    # these grades must give its category, or it is refused rather than recorded as none.
    must_be_given_when: Clauses = Field(default_factory=list)
    note: str | None = Field(default=None, max_length=2000)


class OfstedCategories(_Doc):
    """The whole policy document."""

    # A file's category words (lower case) and the category each is read as.
    read_as: dict[Name, CategoryOfConcern] = Field(min_length=1, max_length=50)
    frameworks: dict[OfstedFramework, EraRules] = Field(max_length=4)


def check(doc: OfstedCategories) -> list[str]:
    """Every problem of a well-formed document, in words a policy officer reads."""
    problems: list[str] = []
    for name in ("single_grade", "key_judgements", "report_card", "ungraded"):
        if name not in doc.frameworks:
            problems.append(f"framework {name} has no rules")
    for name, era in doc.frameworks.items():
        if era.starts_from and era.starts_before and era.starts_from >= era.starts_before:
            problems.append(f"framework {name}: starts_from is not before starts_before")
        clauses = [
            *era.category_possible_when,
            *(c for r in era.derive for c in r.when_any),
            *era.must_be_given_when,
        ]
        for clause in clauses:
            for cond in clause:
                for area in [*(cond.areas or []), *(cond.areas_except or [])]:
                    if area not in era.areas:
                        problems.append(f"framework {name}: condition names unknown area {area}")
                for grade in cond.grades:
                    if grade not in era.grades:
                        problems.append(f"framework {name}: condition names unknown grade {grade}")
                if cond.areas is not None and cond.areas_except is not None:
                    problems.append(
                        f"framework {name}: a condition gives both areas and areas_except"
                    )
                if (cond.areas is not None or cond.areas_except is not None) and not cond.grades:
                    problems.append(f"framework {name}: a condition names areas but no grades")
        if era.derive and not era.category_possible_when:
            problems.append(f"framework {name}: derives categories but none is ever possible")
        if era.must_be_given_when and not era.category_possible_when:
            problems.append(f"framework {name}: needs a given category but none is ever possible")
    return problems


@dataclass(frozen=True)
class Graded:
    """What an inspection's rules read: its framework's grades by area, and safeguarding."""

    framework: OfstedFramework
    grades: Mapping[str, str]
    safeguarding_met: bool | None


def holds(cond: Condition, g: Graded) -> bool:
    """Whether one condition holds for the inspection."""
    if cond.safeguarding_met is not None and g.safeguarding_met is not cond.safeguarding_met:
        return False
    if cond.areas is None and cond.areas_except is None:
        return True
    if cond.areas is not None:
        among = [a for a in cond.areas if a in g.grades]
    else:
        excluded = set(cond.areas_except or [])
        among = [a for a in g.grades if a not in excluded]
    return sum(g.grades[a] in cond.grades for a in among) >= cond.at_least


def any_clause(clauses: list[Clause], g: Graded) -> bool:
    """Whether any clause holds (all of its conditions)."""
    return any(all(holds(c, g) for c in clause) for clause in clauses)


def derive(doc: OfstedCategories, g: Graded) -> CategoryOfConcern | None:
    """The category the rules place the school in, or None."""
    era = doc.frameworks[g.framework]
    for rule in era.derive:
        if any_clause(rule.when_any, g):
            return rule.category
    return None


def possible(doc: OfstedCategories, g: Graded) -> bool:
    """Whether the grades allow any category (a given one that they do not contradicts them)."""
    return any_clause(doc.frameworks[g.framework].category_possible_when, g)


def era_problem(doc: OfstedCategories, framework: OfstedFramework, start: date) -> str | None:
    """Why an inspection of ``framework`` cannot have started on ``start``, if it cannot."""
    era = doc.frameworks[framework]
    if era.starts_from and start < era.starts_from:
        return f"is before {era.starts_from.isoformat()}, when {framework} inspections began"
    if era.starts_before and start >= era.starts_before:
        return f"is on or after {era.starts_before.isoformat()}, when {framework} inspections ended"
    return None


CategoryBasis = Literal["given", "derived"]


def category_of(
    doc: OfstedCategories, g: Graded, given: str | None
) -> tuple[CategoryOfConcern | None, CategoryBasis | None, str | None]:
    """The category, how it was known, and why the row's category cannot stand (else None).

    A given word the policy does not know, a given category the grades rule out, or no
    category where the grades need one the rules cannot derive, is a problem; the category
    given in the file is otherwise preferred to the derived one.
    """
    if given is not None:
        category = doc.read_as.get(given.strip().lower())
        if category is None:
            known = ", ".join(sorted(doc.read_as))
            return None, None, f"is not a category of concern (known: {known})"
        if not possible(doc, g):
            return (
                None,
                None,
                (
                    f"contradicts the grades: no {g.framework.replace('_', ' ')} inspection with"
                    " these grades is in a category of concern"
                ),
            )
        return category, "given", None
    derived = derive(doc, g)
    if derived is None and any_clause(doc.frameworks[g.framework].must_be_given_when, g):
        return (
            None,
            None,
            (
                "is needed: these grades place the school in a category of concern, and"
                " which one turns on a judgement the grades do not record"
            ),
        )
    return derived, ("derived" if derived else None), None
