"""Import Ofsted's management information: every era of school inspection, one file or many.

Rows are read in their own era's terms (``rows.py``); the registry's ``ofsted_categories``
policy says whether each row's date fits its era and which category of concern its grades
give (``categories.py``). Bad rows are reported with file, line, column, value and reason
while the good ones apply; a file of no recognisable shape applies nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from services.registry.gias.csvfile import Row, RowProblem, UnusableInput, read_rows
from services.registry.gias.snapshot import rejected_row
from services.registry.importer import load_state
from services.registry.ofsted.categories import (
    CATEGORIES_POLICY,
    Graded,
    OfstedCategories,
    category_of,
    era_problem,
)
from services.registry.ofsted.rows import Columns, ParsedInspection, parse_row
from services.registry.policy_book import POLICIES
from shared.clock import today_in_england
from shared.contracts.feeds import OfstedImportCompleted
from shared.contracts.registry import OfstedInspectionRecorded
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import ANY, NewEvent, StreamAppend
from shared.eventlog.store import EventStore
from shared.policy.store import InForce, policy_in_force, seed

CHUNK_STREAMS = 500


@dataclass
class OfstedReport:
    """What an Ofsted import did."""

    import_id: str
    rows_read: int = 0
    events_written: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    category_rule_version: int | None = None
    # A trust-inspection file's: the trust_inspection_format version that read it.
    format_version: int | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready report."""
        return {
            "import_id": self.import_id,
            "rows_read": self.rows_read,
            "events_written": self.events_written,
            "category_rule_version": self.category_rule_version,
            "format_version": self.format_version,
            "rejected": [rejected_row(p).model_dump() for p in self.rejected],
        }


def read_inspections(path: Path, report: OfstedReport) -> list[tuple[Row, ParsedInspection]]:
    """Every readable row of the file as an inspection; bad rows go to ``report``.

    Raises UnusableInput, before anything is applied, for a file of no recognisable shape.
    """
    rows = read_rows(path, ["URN"])
    first = next(rows, None)
    inspections: list[tuple[Row, ParsedInspection]] = []
    if first is not None:
        cols = Columns(list(first.fields))
        problem = cols.shape_problem()
        if problem is not None:
            raise UnusableInput(path.name, problem)
        for row in [first, *rows]:
            report.rows_read += 1
            try:
                inspections.append((row, parse_row(row, cols)))
            except RowProblem as bad:
                report.rejected.append(bad)
    return inspections


def recorded(
    row: Row, parsed: ParsedInspection, rules: InForce[OfstedCategories]
) -> OfstedInspectionRecorded:
    """The inspection as an event, its era and category read by the policy; or RowProblem."""
    doc = rules.document
    wrong_date = era_problem(doc, parsed.framework, parsed.inspection_start)
    if wrong_date is not None:
        raise row.problem(
            parsed.start_column,
            parsed.inspection_start.isoformat(),
            f"{wrong_date} (ofsted_categories v{rules.number})",
        )
    graded = Graded(parsed.framework, parsed.grades(), parsed.safeguarding_effective)
    category, basis, problem = category_of(doc, graded, parsed.category_text)
    if problem is not None:
        raise row.problem(
            parsed.category_column or "Category of concern",
            parsed.category_text,
            f"{problem} (ofsted_categories v{rules.number})",
        )
    return OfstedInspectionRecorded(
        urn=parsed.urn,
        framework=parsed.framework,
        inspection_start=parsed.inspection_start,
        publication_date=parsed.publication_date,
        inspection_type=parsed.inspection_type,
        overall_effectiveness=parsed.overall_effectiveness,
        key_judgements=parsed.key_judgements,
        report_card=parsed.report_card,
        safeguarding_effective=parsed.safeguarding_effective,
        ungraded_outcome=parsed.ungraded_outcome,
        category_of_concern=category,
        category_as_published=parsed.category_text,
        category_basis=basis,
        category_rule_version=rules.number,
    )


async def category_rules(store: EventStore, on: date) -> InForce[OfstedCategories]:
    """The ``ofsted_categories`` version in force on ``on`` (its shipped versions seeded
    first, so an import run before the service ever started still has them)."""
    await seed(store, POLICIES)
    return await policy_in_force(store, POLICIES, CATEGORIES_POLICY, on, OfstedCategories)


async def import_ofsted(
    store: EventStore,
    path: Path,
    *,
    actor: str,
    import_id: str | None = None,
    progress: Callable[[int], None] | None = None,
    on: date | None = None,
) -> OfstedReport:
    """Record each inspection not already on its school's stream; unusable input raises.

    Categories are read by the ``ofsted_categories`` policy in force on ``on`` (today in
    England unless given); each event records the version.
    """
    import_id = import_id or uuid.uuid4().hex
    report = OfstedReport(import_id)
    inspections = read_inspections(path, report)
    rules = await category_rules(store, on or today_in_england())
    report.category_rule_version = rules.number
    schools, _ = await load_state(store)
    meta = EventMetadata(
        actor=actor,
        reason="Ofsted management information",
        correlation_id=import_id,
        source=f"ofsted-import:{import_id}",
    )
    by_school: dict[int, list[OfstedInspectionRecorded]] = {}
    seen: set[tuple[int, date, str]] = set()
    for row, parsed in inspections:
        try:
            inspection = recorded(row, parsed, rules)
        except RowProblem as bad:
            report.rejected.append(bad)
            continue
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
    await record_import(store, appends, report=report, file=path.name, meta=meta, progress=progress)
    return report


async def record_import(
    store: EventStore,
    appends: list[StreamAppend],
    *,
    report: OfstedReport,
    file: str,
    meta: EventMetadata,
    progress: Callable[[int], None] | None,
) -> None:
    """Append an import's inspections a chunk of streams at a time (progress after each),
    then what the import did, on its own ``ofsted_import-{id}`` stream."""
    for start in range(0, len(appends), CHUNK_STREAMS):
        chunk = appends[start : start + CHUNK_STREAMS]
        await store.append_streams(chunk)
        written = sum(len(a.events) for a in chunk)
        report.events_written += written
        if progress:
            progress(written)
    completed = OfstedImportCompleted(
        import_id=report.import_id,
        file=file,
        rows_read=report.rows_read,
        events_written=report.events_written,
        rejected=[rejected_row(p) for p in report.rejected],
    )
    await store.append(
        f"ofsted_import-{report.import_id}", [NewEvent(completed, meta)], expected_version=ANY
    )
