"""The ``stuck_schools`` policy and the rule it states: pure.

DfE calls a school "stuck" (eligible for RISE targeted intervention) when its latest graded
inspection is requires improvement or equivalent, the one before it was below good or
equivalent, and it is still in the same structure. Each era says what counts as the
equivalent; this module reads an inspection as the registry's history keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from services.registry.ofsted.categories import Clauses, Graded, any_clause
from services.registry.ofsted.rows import KEY_JUDGEMENTS, REPORT_CARD_AREAS
from shared.contracts.registry import OfstedFramework, OfstedGrade, ReportCardGrade

STUCK_POLICY = "stuck_schools"
GRADED: tuple[OfstedFramework, ...] = ("single_grade", "key_judgements", "report_card")
# What each era's conditions may name.
AREAS: dict[str, set[str]] = {
    "single_grade": {"overall_effectiveness", *KEY_JUDGEMENTS.values()},
    "key_judgements": set(KEY_JUDGEMENTS.values()),
    "report_card": set(REPORT_CARD_AREAS.values()),
}
GRADES: dict[str, set[str]] = {
    "single_grade": set(get_args(OfstedGrade)),
    "key_judgements": set(get_args(OfstedGrade)),
    "report_card": set(get_args(ReportCardGrade)),
}


class StuckSchools(BaseModel):
    """The whole policy document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Per era: when the latest graded inspection is requires improvement or equivalent.
    latest: dict[OfstedFramework, Clauses] = Field(max_length=4)
    # Per era: when the graded inspection before it was below good or equivalent.
    previous: dict[OfstedFramework, Clauses] = Field(max_length=4)
    # A school whose latest inspection put it in a category of concern is for structural
    # intervention, not RISE.
    exclude_category_of_concern: StrictBool = True
    # "Still in the same structure": the same URN (a conversion or fresh start has a new one)
    # and, with this, the same trust (or none) now as at the previous inspection.
    same_trust: StrictBool = True


def check(doc: StuckSchools) -> list[str]:
    """Every problem of a well-formed document, in words a policy officer reads."""
    problems: list[str] = []
    for part, rules in (("latest", doc.latest), ("previous", doc.previous)):
        for framework in GRADED:
            if not rules.get(framework):
                problems.append(f"{part}: era {framework} has no rule")
        for framework, clauses in rules.items():
            if framework not in GRADED:
                problems.append(f"{part}: {framework} inspections are not graded")
                continue
            for clause in clauses:
                for cond in clause:
                    for area in [*(cond.areas or []), *(cond.areas_except or [])]:
                        if area not in AREAS[framework]:
                            problems.append(f"{part}: {framework} has no area {area}")
                    for grade in cond.grades:
                        if grade not in GRADES[framework]:
                            problems.append(f"{part}: {framework} has no grade {grade}")
    return problems


def graded(inspection: Mapping[str, Any]) -> Graded:
    """An inspection as the registry's history keeps it, as the rules read it."""
    framework: OfstedFramework = inspection["framework"]
    if framework == "report_card":
        grades = dict(inspection.get("report_card") or {})
    else:
        grades = dict(inspection.get("key_judgements") or {})
        if inspection.get("overall_effectiveness"):
            grades["overall_effectiveness"] = inspection["overall_effectiveness"]
    return Graded(framework, grades, inspection.get("safeguarding_effective"))


@dataclass(frozen=True)
class Stuck:
    """The two inspections that made a school stuck."""

    latest: Mapping[str, Any]
    previous: Mapping[str, Any]


def stuck(
    doc: StuckSchools,
    inspections: Sequence[Mapping[str, Any]],
    trust_on: Callable[[date], int | None],
    trust_now: int | None,
) -> Stuck | None:
    """Whether a school with these inspections (any order) is stuck, and by which two."""
    ordered = sorted(
        (i for i in inspections if i["framework"] in GRADED),
        key=lambda i: str(i["inspection_start"]),
    )
    if len(ordered) < 2:
        return None
    latest, previous = ordered[-1], ordered[-2]
    if doc.exclude_category_of_concern and latest.get("category_of_concern"):
        return None
    if not any_clause(doc.latest.get(latest["framework"], []), graded(latest)):
        return None
    if not any_clause(doc.previous.get(previous["framework"], []), graded(previous)):
        return None
    if doc.same_trust and trust_on(date.fromisoformat(str(previous["inspection_start"]))) != (
        trust_now
    ):
        return None
    return Stuck(latest, previous)
