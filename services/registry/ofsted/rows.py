"""One row of Ofsted's management information, read in the terms of its own era.

A file may hold rows of every era. A row with any report-card grade is a report card; else
one with an overall effectiveness grade is a single-grade inspection (with its key
judgements); else one with key judgements is a 2024/25 inspection; else one with an ungraded
outcome is an ungraded (section 8, monitoring) inspection. Column names are matched without
regard to case, spacing or punctuation, since Ofsted's spreadsheets spell them more than one
way. Whether the category fits the grades and the date fits the era is the policy's to say
(``categories.py``); this module reads only what the row says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from services.registry.gias.csvfile import Row
from shared.contracts.registry import KeyJudgement, OfstedFramework, OfstedGrade, ReportCardGrade

ONE_TO_FOUR: dict[str, OfstedGrade] = {
    "1": "outstanding",
    "2": "good",
    "3": "requires_improvement",
    "4": "inadequate",
    "outstanding": "outstanding",
    "good": "good",
    "requires improvement": "requires_improvement",
    "inadequate": "inadequate",
}
REPORT_CARD_GRADES: dict[str, ReportCardGrade] = {
    "exceptional": "exceptional",
    "strong standard": "strong_standard",
    "expected standard": "expected_standard",
    "needs attention": "needs_attention",
    "urgent improvement": "urgent_improvement",
}
# Evaluation areas of the report card, keyed by their normalised column names.
REPORT_CARD_AREAS = {
    "curriculumandteaching": "curriculum_and_teaching",
    "attendanceandbehaviour": "attendance_and_behaviour",
    "personaldevelopmentandwellbeing": "personal_development_and_well_being",
    "leadershipandgovernance": "leadership_and_governance",
    "inclusion": "inclusion",
    "achievement": "achievement",
    "earlyyears": "early_years",
    "post16": "post_16",
}
# Key judgements by their normalised column names (the report card's "Early years" is an
# evaluation area; the key judgement is "Early years provision").
KEY_JUDGEMENTS: dict[str, KeyJudgement] = {
    "qualityofeducation": "quality_of_education",
    "behaviourandattitudes": "behaviour_and_attitudes",
    "personaldevelopment": "personal_development",
    "effectivenessofleadershipandmanagement": "leadership_and_management",
    "leadershipandmanagement": "leadership_and_management",
    "earlyyearsprovisionwhereapplicable": "early_years",
    "earlyyearsprovision": "early_years",
    "sixthformprovisionwhereapplicable": "sixth_form",
    "sixthformprovision": "sixth_form",
}
NOT_APPLICABLE = {"not applicable", "n/a", "na", "null", "9", "-"}
UNGRADED_OUTCOME = ("Ungraded inspection overall outcome", "Ungraded outcome", "Outcome")


def norm(column: str) -> str:
    """A column name without case, spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", column.lower())


class Columns:
    """The file's own spelling of each column we read."""

    def __init__(self, header: list[str]) -> None:
        self.by_norm = {norm(h): h for h in header}

    def get(self, *names: str) -> str | None:
        """The file's column for the first of ``names`` it has."""
        for name in names:
            found = self.by_norm.get(norm(name))
            if found is not None:
                return found
        return None

    def shape_problem(self) -> str | None:
        """Why no row of a file with these columns could be an inspection, if none could."""
        if self.get("Inspection start date") is None:
            return "is missing required columns: Inspection start date"
        grades = [*REPORT_CARD_AREAS, *KEY_JUDGEMENTS, norm("Overall effectiveness")]
        if not any(n in self.by_norm for n in grades) and self.get(*UNGRADED_OUTCOME) is None:
            return (
                "has no recognisable Ofsted shape: no Overall effectiveness, key judgement,"
                " report-card or ungraded outcome column"
            )
        return None


@dataclass(frozen=True)
class ParsedInspection:
    """What a row says, before the policy reads its category."""

    urn: int
    framework: OfstedFramework
    inspection_start: date
    start_column: str
    publication_date: date | None = None
    inspection_type: str | None = None
    overall_effectiveness: OfstedGrade | None = None
    key_judgements: dict[KeyJudgement, OfstedGrade] = field(default_factory=dict)
    report_card: dict[str, ReportCardGrade] = field(default_factory=dict)
    safeguarding_effective: bool | None = None
    ungraded_outcome: str | None = None
    category_text: str | None = None
    category_column: str | None = None

    def grades(self) -> dict[str, str]:
        """Its grades by area, as the policy's conditions name them."""
        if self.framework == "report_card":
            return dict(self.report_card)
        out: dict[str, str] = {k: v for k, v in self.key_judgements.items()}
        if self.overall_effectiveness is not None:
            out["overall_effectiveness"] = self.overall_effectiveness
        return out


def _absent(value: str | None) -> bool:
    return value is None or value.lower() in NOT_APPLICABLE


def _report_card(row: Row, cols: Columns) -> dict[str, ReportCardGrade]:
    card: dict[str, ReportCardGrade] = {}
    for key, area in REPORT_CARD_AREAS.items():
        column = cols.by_norm.get(key)
        value = row.text(column) if column else None
        if column is None or value is None or _absent(value):
            continue
        grade = REPORT_CARD_GRADES.get(value.lower())
        if grade is None:
            raise row.problem(column, value, "is not a report-card grade")
        card[area] = grade
    return card


def _key_judgements(row: Row, cols: Columns) -> dict[KeyJudgement, OfstedGrade]:
    out: dict[KeyJudgement, OfstedGrade] = {}
    for key, judgement in KEY_JUDGEMENTS.items():
        column = cols.by_norm.get(key)
        value = row.text(column) if column else None
        if column is None or value is None or _absent(value) or judgement in out:
            continue
        grade = ONE_TO_FOUR.get(value.lower())
        if grade is None:
            raise row.problem(column, value, "is not a key judgement grade (1-4)")
        out[judgement] = grade
    return out


def _safeguarding(row: Row, cols: Columns) -> bool | None:
    column = cols.get("Safeguarding", "Safeguarding standards", "Safeguarding is effective?")
    text = row.text(column) if column else None
    if column is None or text is None or _absent(text):
        return None
    lowered = text.lower()
    if lowered in {"met", "yes"}:
        return True
    if lowered in {"not met", "no"}:
        return False
    raise row.problem(column, text, "is not Met/Not met or Yes/No")


def parse_row(row: Row, cols: Columns) -> ParsedInspection:
    """One row as an inspection of its era, or RowProblem."""
    urn_col = cols.get("URN") or "URN"
    urn = row.integer(urn_col, low=100000, high=999999)
    if urn is None:
        raise row.problem(urn_col, None, "is empty")
    start_col = cols.get("Inspection start date") or "Inspection start date"
    start = row.day(start_col)
    if start is None:
        raise row.problem(start_col, None, "is empty")
    publication_col = cols.get("Publication date")
    type_col = cols.get("Inspection type")
    concern_col = cols.get("Category of concern")
    # Ungraded until the row shows grades of some era.
    base = ParsedInspection(
        urn=urn,
        framework="ungraded",
        inspection_start=start,
        start_column=start_col,
        publication_date=row.day(publication_col) if publication_col else None,
        inspection_type=row.text(type_col) if type_col else None,
        safeguarding_effective=_safeguarding(row, cols),
        category_text=row.text(concern_col) if concern_col else None,
        category_column=concern_col,
    )
    card = _report_card(row, cols)
    if card:
        return replace(base, framework="report_card", report_card=card)
    judgements = _key_judgements(row, cols)
    overall_col = cols.get("Overall effectiveness")
    overall = row.text(overall_col) if overall_col else None
    if overall_col is not None and overall is not None and not _absent(overall):
        grade = ONE_TO_FOUR.get(overall.lower())
        if grade is None:
            raise row.problem(overall_col, overall, "is not an overall effectiveness grade (1-4)")
        return replace(
            base, framework="single_grade", overall_effectiveness=grade, key_judgements=judgements
        )
    if judgements:
        return replace(base, framework="key_judgements", key_judgements=judgements)
    outcome_col = cols.get(*UNGRADED_OUTCOME)
    outcome = row.text(outcome_col) if outcome_col else None
    if outcome is not None:
        return replace(base, ungraded_outcome=outcome)
    raise row.problem(
        overall_col, None, "has no overall grade, key judgements, report-card grades or outcome"
    )
