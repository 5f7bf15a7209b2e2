"""Ofsted's management-information CSV: single grades before November 2025, report cards after.

A file may hold either kind of row, or both: a row with any report-card grade is a report
card; otherwise a row with an overall effectiveness grade is a single-grade inspection.
Column names are matched without regard to case, spacing or hyphens, since Ofsted's
spreadsheets have spelled them more than one way.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from services.registry.gias.csvfile import Row, RowProblem, UnusableInput, read_rows
from services.registry.gias.snapshot import rejected_row
from services.registry.importer import load_state
from shared.contracts.feeds import OfstedImportCompleted
from shared.contracts.registry import OfstedInspectionRecorded
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import ANY, NewEvent, StreamAppend
from shared.eventlog.store import EventStore

CHUNK_STREAMS = 500

SINGLE_GRADES = {"1": "outstanding", "2": "good", "3": "requires_improvement", "4": "inadequate"}
REPORT_CARD_GRADES = {
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
CONCERNS = {"special measures": "special_measures", "serious weaknesses": "serious_weaknesses"}


def _norm(column: str) -> str:
    return re.sub(r"[^a-z0-9]", "", column.lower())


@dataclass
class OfstedReport:
    """What an Ofsted import did."""

    import_id: str
    rows_read: int = 0
    events_written: int = 0
    rejected: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready report."""
        return {
            "import_id": self.import_id,
            "rows_read": self.rows_read,
            "events_written": self.events_written,
            "rejected": [rejected_row(p).model_dump() for p in self.rejected],
        }


class _Columns:
    """The file's own spelling of each column we read."""

    def __init__(self, header: list[str]) -> None:
        self.by_norm = {_norm(h): h for h in header}

    def get(self, *names: str) -> str | None:
        for name in names:
            found = self.by_norm.get(_norm(name))
            if found is not None:
                return found
        return None


def parse_inspection(row: Row, cols: _Columns) -> OfstedInspectionRecorded:
    """One row as an inspection, or RowProblem."""
    urn_col = cols.get("URN") or "URN"
    urn = row.integer(urn_col, low=100000, high=999999)
    if urn is None:
        raise row.problem(urn_col, None, "is empty")
    start_col = cols.get("Inspection start date") or "Inspection start date"
    start = row.day(start_col)
    if start is None:
        raise row.problem(start_col, None, "is empty")
    publication_col = cols.get("Publication date")
    published = row.day(publication_col) if publication_col else None
    card: dict[str, Any] = {}
    for norm, key in REPORT_CARD_AREAS.items():
        column = cols.by_norm.get(norm)
        value = row.text(column) if column else None
        if value is None or value.lower() in {"not applicable", "n/a", "na"}:
            continue
        grade = REPORT_CARD_GRADES.get(value.lower())
        if grade is None:
            raise row.problem(column, value, "is not a report-card grade")
        card[key] = grade
    safeguarding_col = cols.get(
        "Safeguarding", "Safeguarding standards", "Safeguarding is effective?"
    )
    safeguarding_text = row.text(safeguarding_col) if safeguarding_col else None
    safeguarding: bool | None = None
    if safeguarding_text is not None:
        lowered = safeguarding_text.lower()
        if lowered in {"met", "yes"}:
            safeguarding = True
        elif lowered in {"not met", "no"}:
            safeguarding = False
        else:
            raise row.problem(safeguarding_col, safeguarding_text, "is not Met/Not met or Yes/No")
    if card:
        return OfstedInspectionRecorded(
            urn=urn,
            framework="report_card",
            inspection_start=start,
            publication_date=published,
            safeguarding_effective=safeguarding,
            report_card=card,
        )
    overall_col = cols.get("Overall effectiveness")
    overall = row.text(overall_col) if overall_col else None
    if overall is None:
        raise row.problem(overall_col, None, "has neither an overall grade nor report-card grades")
    grade = SINGLE_GRADES.get(overall)
    if grade is None:
        raise row.problem(overall_col, overall, "is not an overall effectiveness grade (1-4)")
    concern_col = cols.get("Category of concern")
    concern_text = row.text(concern_col) if concern_col else None
    concern = CONCERNS.get(concern_text.lower()) if concern_text else None
    if concern_text and concern is None:
        raise row.problem(concern_col, concern_text, "is not a category of concern")
    return OfstedInspectionRecorded(
        urn=urn,
        framework="single_grade",
        inspection_start=start,
        publication_date=published,
        overall_effectiveness=grade,
        category_of_concern=concern,
        safeguarding_effective=safeguarding,
    )


def read_inspections(
    path: Path, report: OfstedReport
) -> list[tuple[Row, OfstedInspectionRecorded]]:
    """Every usable row of the file as an inspection; bad rows go to ``report``.

    Raises UnusableInput, before anything is applied, for a file that cannot be used at all.
    """
    rows = read_rows(path, ["URN"])
    first = next(rows, None)
    inspections: list[tuple[Row, OfstedInspectionRecorded]] = []
    if first is not None:
        cols = _Columns(list(first.fields))
        if cols.get("Inspection start date") is None:
            raise UnusableInput(path.name, "is missing required columns: Inspection start date")
        if cols.get("Overall effectiveness") is None and not any(
            n in cols.by_norm for n in REPORT_CARD_AREAS
        ):
            raise UnusableInput(
                path.name,
                "has neither an Overall effectiveness column nor report-card grade columns",
            )
        for row in [first, *rows]:
            report.rows_read += 1
            try:
                inspections.append((row, parse_inspection(row, cols)))
            except RowProblem as problem:
                report.rejected.append(problem)
    return inspections


async def import_ofsted(
    store: EventStore,
    path: Path,
    *,
    actor: str,
    import_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> OfstedReport:
    """Record each inspection not already on its school's stream; unusable input raises."""
    import_id = import_id or uuid.uuid4().hex
    report = OfstedReport(import_id)
    inspections = read_inspections(path, report)
    schools, _ = await load_state(store)
    meta = EventMetadata(
        actor=actor,
        reason="Ofsted management information",
        correlation_id=import_id,
        source=f"ofsted-import:{import_id}",
    )
    by_school: dict[int, list[OfstedInspectionRecorded]] = {}
    seen: set[tuple[int, date, str]] = set()
    for row, inspection in inspections:
        school = schools.get(inspection.urn)
        if school is None or school.details is None:
            report.rejected.append(
                row.problem("URN", str(inspection.urn), "is not a school on the register")
            )
            continue
        key = (inspection.urn, inspection.inspection_start, inspection.framework)
        if (inspection.inspection_start, inspection.framework) in school.inspections or key in seen:
            continue
        seen.add(key)
        by_school.setdefault(inspection.urn, []).append(inspection)
    appends = [
        StreamAppend(
            f"school-{urn}",
            [NewEvent(e, meta) for e in sorted(events, key=lambda e: e.inspection_start)],
            schools[urn].version,
        )
        for urn, events in sorted(by_school.items())
    ]
    for start in range(0, len(appends), CHUNK_STREAMS):
        chunk = appends[start : start + CHUNK_STREAMS]
        await store.append_streams(chunk)
        written = sum(len(a.events) for a in chunk)
        report.events_written += written
        if progress:
            progress(written)
    completed = OfstedImportCompleted(
        import_id=import_id,
        file=path.name,
        rows_read=report.rows_read,
        events_written=report.events_written,
        rejected=[rejected_row(p) for p in report.rejected],
    )
    await store.append(
        f"ofsted_import-{import_id}", [NewEvent(completed, meta)], expected_version=ANY
    )
    return report
