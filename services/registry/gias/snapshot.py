"""Reading a GIAS snapshot: the four files parsed into schools, trusts and their links.

Bad rows are set aside with their file, line, column and reason; a file that cannot be read
at all raises ``UnusableInput`` before anything is applied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import orjson

from services.registry.domain import Membership
from services.registry.gias import records
from services.registry.gias.csvfile import Row, RowProblem, Table, read_rows, read_table
from services.registry.gias.fingerprints import digest, row_hasher
from shared.contracts.feeds import RejectedRow

_SNAPSHOT_IN_NAME = re.compile(r"(\d{4})(\d{2})(\d{2})")
# GIAS publishes no snapshot date inside its files: the establishments file's name is it.
NO_SNAPSHOT_DATE = "has no snapshot date in its name (GIAS names it edubasealldataYYYYMMDD.csv)"


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


@dataclass(frozen=True)
class Unparsed:
    """An establishments row byte for byte as it was when last applied: parsed only if needed."""

    urn: int
    line: int


@dataclass
class Snapshot:
    """A parsed snapshot, with its bad rows already set aside."""

    establishments: dict[int, records.Establishment | Unparsed]
    trusts: dict[int, records.Group]
    memberships: dict[int, Membership]
    predecessors: dict[int, list[tuple[int, str, date | None]]]
    # Each school's and trust's row digest, by stream id.
    row_digests: dict[str, bytes] = field(default_factory=dict)

    def inputs(self, stream_id: str) -> bytes:
        """The digest of everything a stream's events are decided from."""
        row = self.row_digests[stream_id]
        kind, key = stream_id.split("-", 1)
        if kind == "trust":
            return row
        urn = int(key)
        membership = self.memberships.get(urn)
        return digest(
            row,
            orjson.dumps(
                [
                    None if membership is None else [membership.trust_uid, membership.joined_on],
                    self.predecessors.get(urn, []),
                ]
            ),
        )


def read_snapshot(
    files: GiasFiles, report: ImportReport, known_rows: Mapping[int, bytes] | None = None
) -> Snapshot:
    """Parse every file; raises UnusableInput before anything is applied.

    An establishments row whose digest is in ``known_rows`` (by URN) parsed before, by this
    same code: it is kept ``Unparsed``.
    """
    # Open every file first, so a missing column anywhere stops the import before any work.
    est_rows = read_table(files.establishments, records.ESTABLISHMENT_COLUMNS)
    group_rows = read_table(files.groups, records.GROUP_COLUMNS)
    link_rows = read_rows(files.links, records.LINK_COLUMNS)
    pred_rows = (
        read_rows(files.predecessor_links, records.PREDECESSOR_COLUMNS)
        if files.predecessor_links
        else None
    )
    digests: dict[str, bytes] = {}
    establishments = _first_establishments(est_rows, known_rows or {}, report, digests)
    groups = _first_groups(group_rows, report, digests)
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
    digests = {
        k: v for k, v in digests.items() if not k.startswith("trust-") or int(k[6:]) in trusts
    }
    return Snapshot(establishments, trusts, memberships, predecessors, digests)


def _first_establishments(
    table: Table,
    known_rows: Mapping[int, bytes],
    report: ImportReport,
    digests: dict[str, bytes],
) -> dict[int, records.Establishment | Unparsed]:
    """Establishments by URN; a repeated URN keeps the first row that parses."""
    out: dict[int, records.Establishment | Unparsed] = {}
    count = 0
    digest_of = row_hasher(table.columns)
    urn_at = table.columns.index("URN")
    for line, values in table.lines:
        count += 1
        digest = digest_of(values)
        known = _known_urn(values, urn_at, digest, known_rows)
        try:
            est = (
                Unparsed(known, line)
                if known is not None
                else records.establishment(table.row(line, values))
            )
        except RowProblem as problem:
            report.rejected.append(problem)
            continue
        first = out.get(est.urn)
        if first is not None:
            report.rejected.append(
                RowProblem(
                    table.file,
                    line,
                    "URN",
                    str(est.urn),
                    f"URN repeated (first on line {first.line})",
                )
            )
            continue
        out[est.urn] = est
        digests[f"school-{est.urn}"] = digest
    report.rows_read["establishments"] = count
    return out


def _known_urn(
    values: list[str], urn_at: int, digest: bytes, known_rows: Mapping[int, bytes]
) -> int | None:
    # The same bytes parsed by the same code give the same school: no need to parse them.
    if not known_rows or urn_at >= len(values):
        return None
    text = values[urn_at].strip()
    if not text.isascii() or not text.isdigit():
        return None
    urn = int(text)
    return urn if known_rows.get(urn) == digest else None


def _first_groups(
    table: Table, report: ImportReport, digests: dict[str, bytes]
) -> dict[int, records.Group]:
    """Groups by UID; a repeated UID keeps the first row that parses."""
    out: dict[int, records.Group] = {}
    count = 0
    digest_of = row_hasher(table.columns)
    for line, values in table.lines:
        count += 1
        try:
            group = records.group(table.row(line, values))
        except RowProblem as problem:
            report.rejected.append(problem)
            continue
        first = out.get(group.uid)
        if first is not None:
            report.rejected.append(
                RowProblem(
                    table.file,
                    line,
                    "Group UID",
                    str(group.uid),
                    f"Group UID repeated (first on line {first.line})",
                )
            )
            continue
        out[group.uid] = group
        digests[f"trust-{group.uid}"] = digest_of(values)
    report.rows_read["groups"] = count
    return out


def parse_lines(path: Path, lines: Collection[int]) -> dict[int, records.Establishment]:
    """The establishments on ``lines`` of the file, parsed (rows known to parse)."""
    out: dict[int, records.Establishment] = {}
    for row in read_rows(path, records.ESTABLISHMENT_COLUMNS):
        if row.line in lines:
            est = records.establishment(row)
            out[est.urn] = est
    return out


def rejected_row(problem: RowProblem) -> RejectedRow:
    """A row problem as it is recorded in an import's report event."""
    return RejectedRow(
        file=problem.file,
        line=problem.line,
        column=problem.column,
        value=problem.value,
        reason=problem.reason,
    )
