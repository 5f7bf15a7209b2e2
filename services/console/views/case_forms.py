"""The forms of a case's steps before the decision: opening it, what matters (criteria
weights) and the advisory board's date; what the console checks before the API is asked."""

from __future__ import annotations

from dataclasses import dataclass, field

from commissioning_client.models import CaseView
from starlette.datastructures import FormData

from services.console.views.cases import FACTORS, PILLAR_NAMES, PILLARS, TRIGGERS
from services.console.views.common import Choice, FormErrors, form_text, label, parse_date


@dataclass
class OpenCaseForm:
    """A new case: the school(s), what triggered it and a title."""

    urns: str = ""
    trigger: str = ""
    title: str = ""
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData) -> OpenCaseForm:
        """The posted form, with what the console must check before the API can be asked."""
        form = cls(
            urns=form_text(data, "urns"),
            trigger=form_text(data, "trigger"),
            title=form_text(data, "title"),
        )
        if not form.urn_list():
            form.errors.add("urns", "Enter the URN of at least one school, 6 digits each")
        if form.trigger not in TRIGGERS:
            form.errors.add("trigger", "Select what triggered the case")
        return form

    def urn_list(self) -> list[int]:
        """The URNs typed, separated by commas or spaces; empty if any is not a number."""
        parts = self.urns.replace(",", " ").split()
        return [int(p) for p in parts] if parts and all(p.isdigit() for p in parts) else []

    def triggers(self) -> list[Choice]:
        """The trigger radios."""
        return [Choice(t, label(t), t == self.trigger) for t in TRIGGERS]


@dataclass
class CriteriaForm:
    """The weights of the pillars (0: not relevant) and of the other factors."""

    pillars: dict[str, str]
    factors: dict[str, str]
    version: int
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def from_case(cls, case: CaseView) -> CriteriaForm:
        """The case's current criteria, as the form shows them."""
        pillars = {p: "0" for p in PILLARS}
        pillars.update({p.pillar: f"{p.weight:g}" for p in case.criteria.pillars})
        factors = {k: f"{v:g}" for k, v in case.criteria.factors.to_dict().items()}
        return cls(pillars, factors, case.version)

    @classmethod
    def parse(cls, data: FormData) -> CriteriaForm:
        """The posted weights, each a number the console can send."""
        form = cls(
            pillars={p: form_text(data, f"pillar-{p}") or "0" for p in PILLARS},
            factors={f: form_text(data, f"factor-{f}") or "0" for f in FACTORS},
            version=int(form_text(data, "version") or 0),
        )
        for prefix, values in (("pillar", form.pillars), ("factor", form.factors)):
            for name, text in values.items():
                try:
                    float(text)
                except ValueError:
                    form.errors.add(
                        f"{prefix}-{name}", f"{label(name)} weight must be a number, like 2 or 1.5"
                    )
        if not form.errors and not any(float(v) > 0 for v in form.pillars.values()):
            form.errors.add("pillar-education", "Give at least one pillar a weight above 0")
        return form

    def pillar_weights(self) -> list[tuple[str, float]]:
        """The pillars that matter (weight above 0), with their weights."""
        return [(p, float(w)) for p, w in self.pillars.items() if float(w) > 0]

    def factor_weights(self) -> dict[str, float]:
        """Every factor's weight."""
        return {f: float(w) for f, w in self.factors.items()}

    def fields(self) -> list[tuple[str, str, str]]:
        """(field name, label, value) for each input."""
        return [(f"pillar-{p}", PILLAR_NAMES[p], v) for p, v in self.pillars.items()] + [
            (f"factor-{f}", label(f), v) for f, v in self.factors.items()
        ]


CRITERIA_FIELDS = {"pillars": "pillar-education", **{f: f"factor-{f}" for f in FACTORS}}


@dataclass
class BoardForm:
    """The advisory board's date."""

    board_date: str = ""
    version: int = 0
    errors: FormErrors = field(default_factory=FormErrors)

    @classmethod
    def parse(cls, data: FormData) -> BoardForm:
        """The posted date."""
        form = cls(form_text(data, "board_date"), int(form_text(data, "version") or 0))
        if parse_date(form.board_date) is None:
            form.errors.add("board_date", "Enter the board date as a real date, like 2027-01-14")
        return form
