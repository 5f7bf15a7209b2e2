"""Applying a GIAS snapshot: parse, compare with the log, append only the differences."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from services.registry.domain import (
    Membership,
    SchoolState,
    TrustState,
    evolve_school,
    evolve_trust,
    school_snapshot_events,
    trust_snapshot_events,
)
from services.registry.gias import records
from services.registry.gias.csvfile import Row, RowProblem, UnusableInput, read_rows
from shared.contracts.registry import GiasImportCompleted, RejectedRow
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import ANY, NewEvent, StreamAppend
from shared.eventlog.store import EventStore

# Streams per transaction: large enough to keep round trips rare, small enough that no
# transaction holds readers' horizon back for long.
CHUNK_STREAMS = 500

_SNAPSHOT_IN_NAME = re.compile(r"(\d{4})(\d{2})(\d{2})")
# GIAS publishes no snapshot date inside its files: the establishments file's name is it.
NO_SNAPSHOT_DATE = "has no snapshot date in its name (GIAS names it edubasealldataYYYYMMDD.csv)"

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class GiasFiles:
    """The files of one GIAS snapshot."""

    establishments: Path
    groups: Path
    links: Path
    predecessor_links: Path | None = None


@dataclass
class ImportReport:
    """What an import did."""

    import_id: str
    snapshot_date: date
    rows_read: dict[str, int] = field(default_factory=dict)
    events_written: int = 0
    rejected: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready report (the CLI's --json and GET /imports/{id})."""
        return {
            "import_id": self.import_id,
            "snapshot_date": self.snapshot_date.isoformat(),
            "rows_read": self.rows_read,
            "events_written": self.events_written,
            "rejected": [rejected_row(p).model_dump() for p in self.rejected],
        }


def snapshot_date_of(path: Path) -> date | None:
    """The date in a GIAS file name (edubasealldata20261101.csv), if there is one."""
    match = _SNAPSHOT_IN_NAME.search(path.name)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


T = TypeVar("T")


def _parse(
    rows: Iterable[Row], parse: Callable[[Row], T | None], report: ImportReport, name: str
) -> Iterator[T]:
    count = 0
    for row in rows:
        count += 1
        try:
            value = parse(row)
        except RowProblem as problem:
            report.rejected.append(problem)
            continue
        if value is not None:
            yield value
    report.rows_read[name] = count


R = TypeVar("R", records.Establishment, records.Group)


def _first_of_each(
    rows: Iterable[R], key: Callable[[R], int], file: str, column: str, report: ImportReport
) -> dict[int, R]:
    """Rows by key; a repeated key keeps the first row and reports the others."""
    out: dict[int, R] = {}
    for row in rows:
        k = key(row)
        if k in out:
            report.rejected.append(
                RowProblem(
                    file,
                    row.line,
                    column,
                    str(k),
                    f"{column} repeated (first on line {out[k].line})",
                )
            )
            continue
        out[k] = row
    return out


@dataclass
class Snapshot:
    """A parsed snapshot, with its bad rows already set aside."""

    establishments: dict[int, records.Establishment]
    trusts: dict[int, records.Group]
    memberships: dict[int, Membership]
    predecessors: dict[int, list[tuple[int, str, date | None]]]


def read_snapshot(files: GiasFiles, report: ImportReport) -> Snapshot:
    """Parse every file; raises UnusableInput before anything is applied."""
    # Open every file first, so a missing column anywhere stops the import before any work.
    est_rows = read_rows(files.establishments, records.ESTABLISHMENT_COLUMNS)
    group_rows = read_rows(files.groups, records.GROUP_COLUMNS)
    link_rows = read_rows(files.links, records.LINK_COLUMNS)
    pred_rows = (
        read_rows(files.predecessor_links, records.PREDECESSOR_COLUMNS)
        if files.predecessor_links
        else None
    )
    establishments = _first_of_each(
        _parse(est_rows, records.establishment, report, "establishments"),
        lambda e: e.urn,
        files.establishments.name,
        "URN",
        report,
    )
    groups = _first_of_each(
        _parse(group_rows, records.group, report, "groups"),
        lambda g: g.uid,
        files.groups.name,
        "Group UID",
        report,
    )
    memberships: dict[int, Membership] = {}
    for link in _parse(link_rows, records.link, report, "links"):
        where = files.links.name
        if link.uid not in groups:
            report.rejected.append(
                RowProblem(
                    where,
                    link.line,
                    "Group UID",
                    str(link.uid),
                    "links to a group that is not in the groups file",
                )
            )
            continue
        if link.urn not in establishments:
            report.rejected.append(
                RowProblem(
                    where,
                    link.line,
                    "URN",
                    str(link.urn),
                    "links a URN that is not in the establishments file",
                )
            )
            continue
        if groups[link.uid].trust_type is None:
            continue  # federations, sponsors and the like are not trusts
        if link.urn in memberships:
            report.rejected.append(
                RowProblem(
                    where,
                    link.line,
                    "URN",
                    str(link.urn),
                    "school is linked to a second academy trust",
                )
            )
            continue
        memberships[link.urn] = Membership(link.uid, link.joined_on)
    predecessors: dict[int, list[tuple[int, str, date | None]]] = {}
    if pred_rows is not None and files.predecessor_links is not None:
        where = files.predecessor_links.name
        for p in _parse(pred_rows, records.predecessor_link, report, "predecessor_links"):
            missing = (
                p.urn
                if p.urn not in establishments
                else p.predecessor_urn
                if p.predecessor_urn not in establishments
                else None
            )
            if missing is not None:
                column = "URN" if missing == p.urn else "LinkURN"
                report.rejected.append(
                    RowProblem(
                        where,
                        p.line,
                        column,
                        str(missing),
                        "links a URN that is not in the establishments file",
                    )
                )
                continue
            predecessors.setdefault(p.urn, []).append(
                (p.predecessor_urn, p.link_type, p.established_on)
            )
    trusts = {uid: g for uid, g in groups.items() if g.trust_type is not None}
    return Snapshot(establishments, trusts, memberships, predecessors)


async def load_state(
    store: EventStore,
) -> tuple[dict[int, SchoolState], dict[int, TrustState]]:
    """Fold every committed school and trust event into state, in log order.

    Every committed event, not only those below the horizon: state folded for a write must
    include what was appended a moment ago (the Ofsted feed right after a GIAS import, say).
    """
    schools: dict[int, SchoolState] = {}
    trusts: dict[int, TrustState] = {}
    async for batch in store.iterate_committed(categories={"school", "trust"}):
        for event in batch:
            key = int(event.stream_id.split("-", 1)[1])
            decoded = event.decode(store.registry)
            # Every event of each stream, in order, so a state's version is its stream's.
            if event.category == "school":
                schools[key] = evolve_school(schools.get(key), decoded)
            else:
                trusts[key] = evolve_trust(trusts.get(key), decoded)
    return schools, trusts


@dataclass(frozen=True)
class GiasPlan:
    """What a parsed snapshot would add to the log, worked out before anything is written."""

    snapshot_date: date
    parsed: Snapshot
    schools: dict[int, SchoolState]
    trusts: dict[int, TrustState]
    # (stream, its new events, the version it must be at), trusts first.
    changes: list[tuple[str, list[EventContract], int]]


def plan_snapshot(
    parsed: Snapshot,
    schools: dict[int, SchoolState],
    trusts: dict[int, TrustState],
    snapshot: date,
) -> GiasPlan:
    """Compare a parsed snapshot with the state the log holds: the events that bring it up to date."""
    changes: list[tuple[str, list[EventContract], int]] = []
    closed_now: set[int] = set()
    # Trusts first, so that readers meet a trust before the schools that join it.
    for uid, group in sorted(parsed.trusts.items()):
        assert group.details is not None
        state = trusts.get(uid)
        events = trust_snapshot_events(state, uid, group.details, snapshot)
        if group.details.status == "Closed":
            closed_now.add(uid)
        if events:
            changes.append((f"trust-{uid}", events, state.version if state else 0))
    for urn, est in sorted(parsed.establishments.items()):
        school = schools.get(urn)
        events = school_snapshot_events(
            school,
            urn,
            est.details,
            parsed.memberships.get(urn),
            parsed.predecessors.get(urn, []),
            snapshot,
            frozenset(closed_now),
        )
        if events:
            changes.append((f"school-{urn}", events, school.version if school else 0))
    return GiasPlan(snapshot, parsed, schools, trusts, changes)


async def import_gias(
    store: EventStore,
    files: GiasFiles,
    *,
    actor: str,
    import_id: str | None = None,
    snapshot: date | None = None,
    progress: Progress | None = None,
    before_apply: Callable[[GiasPlan], Awaitable[None]] | None = None,
) -> ImportReport:
    """Apply a GIAS snapshot. Unusable input raises UnusableInput and writes nothing.

    ``before_apply`` sees the plan before anything is written and may raise to stop there
    (the scheduled feed's drift guard does).
    """
    tick = progress or (lambda _stage, _n: None)
    import_id = import_id or uuid.uuid4().hex
    snapshot = snapshot or snapshot_date_of(files.establishments)
    if snapshot is None:
        raise UnusableInput(files.establishments.name, NO_SNAPSHOT_DATE)
    report = ImportReport(import_id=import_id, snapshot_date=snapshot)
    parsed = read_snapshot(files, report)
    tick("parsed", sum(report.rows_read.values()))
    schools, trusts = await load_state(store)
    plan = plan_snapshot(parsed, schools, trusts, snapshot)
    if before_apply is not None:
        await before_apply(plan)
    meta = EventMetadata(
        actor=actor,
        reason=f"GIAS snapshot of {snapshot.isoformat()}",
        correlation_id=import_id,
        source=f"gias-import:{import_id}",
    )
    appends = [
        StreamAppend(stream, [NewEvent(e, meta) for e in events], version)
        for stream, events, version in plan.changes
    ]
    for start in range(0, len(appends), CHUNK_STREAMS):
        chunk = appends[start : start + CHUNK_STREAMS]
        await store.append_streams(chunk)
        written = sum(len(a.events) for a in chunk)
        report.events_written += written
        tick("appended", written)
    completed = GiasImportCompleted(
        import_id=import_id,
        snapshot_date=snapshot,
        files={
            "establishments": files.establishments.name,
            "groups": files.groups.name,
            "links": files.links.name,
            **(
                {"predecessor_links": files.predecessor_links.name}
                if files.predecessor_links
                else {}
            ),
        },
        rows_read=report.rows_read,
        events_written=report.events_written,
        rejected=[rejected_row(p) for p in report.rejected],
    )
    # ANY: an import handed in over HTTP already has its GiasImportStarted there.
    await store.append(
        f"gias_import-{import_id}", [NewEvent(completed, meta)], expected_version=ANY
    )
    return report


def rejected_row(problem: RowProblem) -> RejectedRow:
    """A row problem as it is recorded in an import's report event."""
    return RejectedRow(
        file=problem.file,
        line=problem.line,
        column=problem.column,
        value=problem.value,
        reason=problem.reason,
    )
