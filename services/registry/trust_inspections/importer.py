"""Import Ofsted's inspections of academy trusts from a file in the registry's own format.

The ``trust_inspection_format`` policy in force says which columns the file must have and
what each may hold (``format.py``); rows are read by it (``rows.py``). As with the school
Ofsted import, bad rows are reported with file, line, column, value and reason while the
good ones apply; a file without the format's required columns applies nothing. Each
inspection goes on its trust's stream once (by its reference), so a file imported again adds
nothing; the import's report goes on ``ofsted_import-{id}`` like any Ofsted import's.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from services.registry.gias.csvfile import RowProblem, UnusableInput, read_table
from services.registry.importer import load_streams
from services.registry.ofsted.importer import OfstedReport, record_import
from services.registry.policy_book import POLICIES
from services.registry.trust_inspections.format import FORMAT_POLICY, TrustInspectionFormat
from services.registry.trust_inspections.rows import Header, parse_row
from shared.clock import today_in_england
from shared.contracts.trust_inspections import TrustInspectionRecorded
from shared.eventlog.contracts import EventMetadata
from shared.eventlog.model import NewEvent, StreamAppend
from shared.eventlog.store import EventStore
from shared.policy.store import InForce, policy_in_force, seed


async def trust_inspection_format(store: EventStore, on: date) -> InForce[TrustInspectionFormat]:
    """The ``trust_inspection_format`` version in force on ``on`` (shipped versions seeded
    first, so an import run before the service ever started still has them)."""
    await seed(store, POLICIES)
    return await policy_in_force(store, POLICIES, FORMAT_POLICY, on, TrustInspectionFormat)


def read_inspections(
    path: Path, fmt: InForce[TrustInspectionFormat], report: OfstedReport
) -> list[tuple[int, TrustInspectionRecorded]]:
    """Every readable row as (line, inspection); bad rows go to ``report``.

    Raises UnusableInput, before anything is applied, for a file the format cannot read.
    """
    table = read_table(path, [])
    header = Header.read(table.columns, fmt.document, fmt.number)
    problem = header.shape_problem()
    if problem is not None:
        raise UnusableInput(table.file, problem)
    out: list[tuple[int, TrustInspectionRecorded]] = []
    for row in table.rows():
        report.rows_read += 1
        try:
            out.append((row.line, parse_row(row, header)))
        except RowProblem as bad:
            report.rejected.append(bad)
    return out


async def import_trust_inspections(
    store: EventStore,
    path: Path,
    *,
    actor: str,
    import_id: str | None = None,
    progress: Callable[[int], None] | None = None,
    on: date | None = None,
) -> OfstedReport:
    """Record each inspection not already on its trust's stream; unusable input raises.

    Rows are read by the ``trust_inspection_format`` version in force on ``on`` (today in
    England unless given); each event records the version.
    """
    import_id = import_id or uuid.uuid4().hex
    report = OfstedReport(import_id)
    today = on or today_in_england()
    fmt = await trust_inspection_format(store, today)
    report.format_version = fmt.number
    inspections = read_inspections(path, fmt, report)
    uid_column = (fmt.document.column_of("trust_uid") or fmt.document.fields[0]).column
    _, trusts = await load_streams(store, {f"trust-{i.uid}" for _, i in inspections})
    meta = EventMetadata(
        actor=actor,
        reason="Ofsted trust inspections",
        correlation_id=import_id,
        source=f"ofsted-import:{import_id}",
    )
    by_trust: dict[int, list[TrustInspectionRecorded]] = {}
    seen: set[tuple[int, str]] = set()
    start_column = (fmt.document.column_of("inspection_start") or fmt.document.fields[0]).column
    for line, inspection in inspections:
        if inspection.inspection_start > today:
            # An inspection has happened before its report is imported: a later start is
            # a mistyped date, and would read as the trust's latest inspection.
            report.rejected.append(
                RowProblem(
                    path.name,
                    line,
                    start_column,
                    inspection.inspection_start.strftime("%d/%m/%Y"),
                    f"is after today ({today.isoformat()})",
                )
            )
            continue
        trust = trusts.get(inspection.uid)
        if trust is None or trust.details is None:
            report.rejected.append(
                RowProblem(
                    path.name,
                    line,
                    uid_column,
                    str(inspection.uid),
                    "is not a trust on the register",
                )
            )
            continue
        key = (inspection.uid, inspection.inspection_id)
        if inspection.inspection_id in trust.inspections or key in seen:
            continue  # recorded already: by an earlier import, or earlier in this file
        seen.add(key)
        by_trust.setdefault(inspection.uid, []).append(inspection)
    report.rejected.sort(key=lambda p: p.line)  # in file order, whichever check refused it
    appends = [
        StreamAppend(
            f"trust-{uid}",
            [NewEvent(e, meta) for e in sorted(events, key=lambda e: e.inspection_start)],
            trusts[uid].version,
        )
        for uid, events in sorted(by_trust.items())
    ]
    await record_import(store, appends, report=report, file=path.name, meta=meta, progress=progress)
    return report
