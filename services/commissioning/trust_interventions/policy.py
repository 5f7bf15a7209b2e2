"""The ``trust_pathways`` section of the ``intervention`` policy: whole-trust steps, pure.

One pathway per trigger (a breach of the trust's academy arrangements; a trust inspection
that finds the trust failing): its steps, which each may follow, who may decide each, the
notices' response periods in working days, and the step that opens a rebrokerage case for
the trust's academies. What counts as a failing trust inspection is data too
(``failing_when``: an area and the outcomes, in Ofsted's words, that make it failing), over
the inspection areas the section names (as the registry's ``trust_inspection_format``
gives them: commissioning sees inspections only through the registry's events).
``check_trust_pathways`` lists every problem; versions without the section stay valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from services.commissioning.pathways import allowed_after, step_problems
from shared.contracts.commissioning import CaseTrigger
from shared.contracts.interventions import TrustInterventionTrigger

TRIGGERS: tuple[TrustInterventionTrigger, ...] = get_args(TrustInterventionTrigger)
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Codes = Annotated[list[Code], Field(max_length=30)]
Words = Annotated[str, Field(min_length=1, max_length=200)]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InspectionArea(_Doc):
    """An area a trust inspection reports on, and its outcomes in Ofsted's words."""

    area: Code
    outcomes: list[Words] = Field(min_length=1, max_length=20)


class FailingRule(_Doc):
    """A trust inspection is failing when this area's outcome is one of these words."""

    area: Code
    outcomes: list[Words] = Field(min_length=1, max_length=20)


class TrustStep(_Doc):
    """One step a case team may take on a whole-trust pathway."""

    step: Code
    title: str = Field(min_length=1, max_length=200)
    after: Codes = Field(default_factory=list)
    deciders: Codes = Field(default_factory=list)
    # Opens one case for all the trust's open academies (a termination notice: rebrokerage).
    opens_case: CaseTrigger | None = None
    notice_response_working_days: StrictInt | None = Field(default=None, ge=1, le=200)
    note: str | None = Field(default=None, max_length=2000)


class TrustPathway(_Doc):
    """What a case team may do to a whole trust after one trigger."""

    trigger: TrustInterventionTrigger
    title: str = Field(min_length=1, max_length=200)
    # Any one rule met makes an inspection failing; only the inspection trigger has rules.
    failing_when: list[FailingRule] = Field(default_factory=list, max_length=20)
    steps: list[TrustStep] = Field(max_length=30)
    note: str | None = Field(default=None, max_length=2000)

    def step(self, code: str) -> TrustStep | None:
        """The step called ``code`` on this pathway, if any."""
        return next((s for s in self.steps if s.step == code), None)

    def allowed_after(self, last: str | None) -> list[str]:
        """The steps that may follow ``last`` (None: the first steps), in policy order."""
        return allowed_after(self.steps, last)

    def failing_rules_met(self, outcomes: dict[str, str]) -> list[FailingRule]:
        """The rules an inspection with these outcomes (area -> words) meets."""
        return [r for r in self.failing_when if outcomes.get(r.area) in r.outcomes]


class TrustPathways(_Doc):
    """The whole-trust section: the inspection areas it may name, and one pathway a trigger."""

    inspection_areas: list[InspectionArea] = Field(min_length=1, max_length=20)
    pathways: list[TrustPathway] = Field(max_length=10)
    note: str | None = Field(default=None, max_length=2000)

    def pathway(self, trigger: str) -> TrustPathway | None:
        """The pathway for ``trigger``, if the version gives one."""
        return next((p for p in self.pathways if p.trigger == trigger), None)


def check_trust_pathways(doc: TrustPathways, decider_grades: Sequence[str]) -> list[str]:
    """Every problem of a section, in words a policy officer reads."""
    problems: list[str] = []
    areas = {a.area: a.outcomes for a in doc.inspection_areas}
    for trigger in TRIGGERS:
        found = [p for p in doc.pathways if p.trigger == trigger]
        if not found:
            problems.append(f"trust trigger {trigger} has no pathway")
        elif len(found) > 1:
            problems.append(f"trust trigger {trigger} has {len(found)} pathways")
    for p in doc.pathways:
        where = f"trust pathway {p.trigger}"
        problems += step_problems(where, p.steps, decider_grades)
        if p.trigger == "trust_inspection_failing" and not p.failing_when:
            problems.append(f"{where} says nothing of what counts as failing (failing_when)")
        if p.trigger != "trust_inspection_failing" and p.failing_when:
            problems.append(f"{where} has failing_when, but no inspection triggers it")
        for rule in p.failing_when:
            if rule.area not in areas:
                problems.append(f"{where}: failing_when names unknown area {rule.area}")
                continue
            for words in rule.outcomes:
                if words not in areas[rule.area]:
                    problems.append(
                        f"{where}: failing_when names outcome {words!r}, not one of {rule.area}'s"
                    )
    return problems
