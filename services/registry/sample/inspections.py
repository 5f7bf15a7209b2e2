"""Ofsted inspections for the open synthetic schools, in the format of their date.

Each school has a hidden quality score; grades follow it with some noise, so the single-grade
mix comes out near 15% Outstanding, 70% Good, 12% Requires improvement, 3% Inadequate.
Schools are inspected about every four years; the few whose latest inspection started on or
after 10 November 2025 get a report card, and their previous graded inspection stays in the
legacy file.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from services.registry.sample import gias_format as g
from services.registry.sample import ofsted_format as of
from services.registry.sample.model import Inspection, School
from services.registry.sample.schools import rand_date

# Quality cut points (standard normal) for Outstanding | Good | RI | Inadequate.
LEGACY_CUTS = (1.036, -1.036, -1.881)
# ... and for Exceptional | Strong | Expected | Needs attention | Urgent improvement.
REPORT_CARD_CUTS = (1.75, 0.7, -1.1, -1.9)
CYCLE_DAYS = round(4.5 * 365)


def _legacy_grade(score: float) -> int:
    for grade, cut in enumerate(LEGACY_CUTS, start=1):
        if score > cut:
            return grade
    return 4


def _card_grade(score: float) -> str:
    for grade, cut in zip(of.REPORT_CARD_GRADES, REPORT_CARD_CUTS, strict=False):
        if score > cut:
            return grade
    return of.REPORT_CARD_GRADES[-1]


def has_early_years(s: School) -> bool:
    """Whether the school teaches under-fives (nursery or reception)."""
    return s.low_age <= 4 and s.category != "ap"


class Inspector:
    """Makes inspections; numbers them uniquely and in order of creation."""

    def __init__(self, rng: Random, snapshot: date) -> None:
        self.rng = rng
        self.snapshot = snapshot
        self.number = 10_000_000

    def _next_number(self) -> str:
        self.number += self.rng.randint(1, 40)
        return str(self.number)

    def inspect(self, s: School) -> list[Inspection]:
        """Zero, one or two inspections of an open school (latest, and the graded one before)."""
        rng, snapshot = self.rng, self.snapshot
        opened = s.open_date or date(1990, 1, 1)
        first_possible = opened + timedelta(days=180)
        latest_possible = snapshot - timedelta(days=rng.randint(25, 45))
        if first_possible >= latest_possible or rng.random() < 0.03:
            return []
        if (snapshot - opened).days < 3 * 365 and rng.random() < 0.5:
            return []
        start = rand_date(
            rng, max(first_possible, snapshot - timedelta(days=CYCLE_DAYS)), latest_possible
        )
        # Inspections start Monday to Thursday.
        start -= timedelta(days=max(0, start.weekday() - 3))
        out = []
        if start >= of.REPORT_CARDS_FROM:
            out.append(self._report_card(s, start))
            previous = start - timedelta(days=rng.randint(3 * 365, 5 * 365))
            if previous >= first_possible:
                out.append(self._legacy(s, min(previous, of.REPORT_CARDS_FROM - timedelta(days=1))))
        else:
            out.append(self._legacy(s, start))
        return out

    def _published(self, start: date) -> tuple[date, date]:
        end = start + timedelta(days=self.rng.choice((1, 1, 2, 2, 3)))
        published = end + timedelta(days=self.rng.randint(18, 40))
        return end, min(published, self.snapshot)

    def _report_card(self, s: School, start: date) -> Inspection:
        rng = self.rng
        end, published = self._published(start)
        grades = {}
        for area in of.REPORT_CARD_AREAS:
            applies = {
                "Early years": has_early_years(s),
                "Post-16": s.sixth_form or s.high_age >= 18,
            }.get(area, True)
            grades[area] = _card_grade(s.quality + rng.gauss(0.0, 0.5)) if applies else ""
        met = not (s.quality < -1.9 and rng.random() < 0.5)
        return Inspection(
            school=s,
            number=self._next_number(),
            start=start,
            end=end,
            published=published,
            report_card=True,
            inspection_type="Full inspection",
            grades=grades,
            safeguarding="Met" if met else "Not met",
        )

    def _legacy(self, s: School, start: date) -> Inspection:
        rng = self.rng
        end, published = self._published(start)
        score = s.quality + rng.gauss(0.0, 0.3)
        overall = _legacy_grade(score)
        grades = {}
        for judgement in of.LEGACY_KEY_JUDGEMENTS:
            nudge = rng.choice((-1, 0, 0, 0, 0, 0, 0, 0, 1))
            grades[judgement] = str(min(4, max(1, overall + nudge)))
        early, sixth = of.LEGACY_OPTIONAL_JUDGEMENTS
        grades[early] = (
            str(min(4, max(1, overall + rng.choice((-1, 0, 0, 0))))) if has_early_years(s) else ""
        )
        grades[sixth] = (
            str(min(4, max(1, overall + rng.choice((-1, 0, 0, 1))))) if s.sixth_form else ""
        )
        concern = ""
        if overall == 4:
            concern = "Special measures" if rng.random() < 0.6 else "Serious weaknesses"
        effective = not (overall == 4 and rng.random() < 0.4) and rng.random() > 0.003
        shown = str(overall)
        if start >= of.KEY_JUDGEMENTS_ONLY_FROM:
            # September 2024 to November 2025: key judgements only; a school in a category
            # had at least one inadequate, which leadership carries here.
            shown = ""
            if concern:
                grades[of.LEGACY_KEY_JUDGEMENTS[-1]] = "4"
            elif any(grades[j] == "4" for j in of.LEGACY_KEY_JUDGEMENTS):
                # Any inadequate key judgement placed the school in a category, and
                # Ofsted's file names which (no grade records leaders' capacity).
                concern = "Serious weaknesses"
        return Inspection(
            school=s,
            number=self._next_number(),
            start=start,
            end=end,
            published=published,
            report_card=False,
            inspection_type="Section 5" if rng.random() < 0.8 else "Section 8",
            grades=grades,
            safeguarding="Yes" if effective else "No",
            overall=shown,
            concern=concern,
        )


def inspect_all(rng: Random, schools: list[School], snapshot: date) -> list[Inspection]:
    """Inspections for every school open at the snapshot (Ofsted lists open schools only)."""
    inspector = Inspector(rng, snapshot)
    out: list[Inspection] = []
    for s in schools:
        if s.status in (g.OPEN, g.PROPOSED_TO_CLOSE) and (
            s.open_date is None or s.open_date <= snapshot
        ):
            out.extend(inspector.inspect(s))
    return out
