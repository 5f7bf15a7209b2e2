"""Applying a GIAS snapshot: parse, compare with the log, append only the differences."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import sys
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple, TypeVar

import asyncpg
import orjson

from services.registry import domain
from services.registry.domain import (
    SNAPSHOT_NEUTRAL_EVENTS,
    Membership,
    SchoolState,
    TrustState,
    evolve_school,
    evolve_trust,
    school_snapshot_events,
    trust_snapshot_events,
)
from services.registry.gias import csvfile, records
from services.registry.gias.csvfile import (
    Row,
    RowProblem,
    Table,
    UnusableInput,
    read_rows,
    read_table,
)
from shared.contracts.registry import GiasImportCompleted, RejectedRow
from shared.eventlog.contracts import EventContract, EventMetadata
from shared.eventlog.model import (
    ANY,
    RECORDED_COLUMNS,
    NewEvent,
    RecordedEvent,
    StreamAppend,
    new_event_ids,
)
from shared.eventlog.store import EventStore, PreparedAppends

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


# ------------------------------------------------------------------ fingerprints
#
# A re-import of an unchanged snapshot should read little and compare less. Each school and
# trust stream keeps (registry_gias_fingerprints, migration 0011) a digest of the GIAS row
# that last fed it, a digest of everything that decided its events (a school's row, trust
# link and predecessors) and the version the stream was left at. A row whose digests match,
# on a stream that has moved since only by events no snapshot compares
# (SNAPSHOT_NEUTRAL_EVENTS), would produce no events: it is neither parsed past its URN nor
# folded. Every other stream is folded and decided as before. The digests are keyed by the
# code that parses and decides, so a change to that code compares everything again, once.
# They are written in the same transaction as the events they describe, and a stream with no
# fingerprint is simply compared the slow way: the table can be emptied at any time.


def _code_key() -> bytes:
    digest = hashlib.sha256()
    for module in (csvfile, records, domain, sys.modules[__name__]):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            # Code that cannot be read cannot vouch for older fingerprints: match none.
            digest.update(uuid.uuid4().bytes)
    return digest.digest()


CODE_KEY = _code_key()
CODE = CODE_KEY.hex()[:32]
# Above this many streams to fold, one pass over the whole log costs less than reading each.
FOLD_ALL_ABOVE = 10_000

_FINGERPRINTS_SQL = """
SELECT f.stream_id, f.row_digest, f.inputs_digest
  FROM registry.registry_gias_fingerprints f
 WHERE f.code = $1
   AND NOT EXISTS (
       SELECT 1 FROM events e
        WHERE e.stream_id = f.stream_id AND e.stream_version > f.stream_version
          AND e.event_type <> ALL($2::text[]))
"""
_KEEP_FINGERPRINTS_SQL = """
INSERT INTO registry.registry_gias_fingerprints
       (stream_id, code, row_digest, inputs_digest, stream_version)
SELECT u.s, $1, u.r, u.i, u.v
  FROM unnest($2::text[], $3::bytea[], $4::bytea[], $5::bigint[]) AS u(s, r, i, v)
ON CONFLICT (stream_id) DO UPDATE
   SET code = EXCLUDED.code, row_digest = EXCLUDED.row_digest,
       inputs_digest = EXCLUDED.inputs_digest, stream_version = EXCLUDED.stream_version
"""
_STREAMS_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE stream_id = ANY($1::text[])
 ORDER BY stream_id, stream_version
"""


class Fingerprint(NamedTuple):
    """What a stream was last compared with: its GIAS row, and everything that decided it."""

    row: bytes
    inputs: bytes


class _Kept(NamedTuple):
    """A fingerprint to write, and the stream version it describes."""

    stream_id: str
    fingerprint: Fingerprint
    version: int


# Keyed once; each digest starts from a copy.
_HASHER = hashlib.blake2b(digest_size=16, key=CODE_KEY[:64])


def _digest(*parts: bytes) -> bytes:
    hasher = _HASHER.copy()
    for part in parts:
        hasher.update(part)
    return hasher.digest()


def _row_hasher(columns: list[str]) -> Callable[[list[str]], bytes]:
    """A file's row digest: its column names, then the row's values as read, unparsed."""
    base = _HASHER.copy()
    base.update(orjson.dumps(columns))

    def digest(values: list[str]) -> bytes:
        hasher = base.copy()
        hasher.update(orjson.dumps(values))
        return hasher.digest()

    return digest


async def load_fingerprints(store: EventStore) -> dict[str, Fingerprint]:
    """The fingerprints of streams that have not moved since but for neutral events."""
    rows = await store.pool.fetch(_FINGERPRINTS_SQL, CODE, sorted(SNAPSHOT_NEUTRAL_EVENTS))
    return {r[0]: Fingerprint(bytes(r[1]), bytes(r[2])) for r in rows}


async def _keep(conn: asyncpg.Connection, kept: Collection[_Kept]) -> None:
    if not kept:
        return
    await conn.execute(
        _KEEP_FINGERPRINTS_SQL,
        CODE,
        [k.stream_id for k in kept],
        [k.fingerprint.row for k in kept],
        [k.fingerprint.inputs for k in kept],
        [k.version for k in kept],
    )


# ------------------------------------------------------------------ reading a snapshot


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
        return _digest(
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
    digest_of = _row_hasher(table.columns)
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
    digest_of = _row_hasher(table.columns)
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


def _parse_lines(path: Path, lines: Collection[int]) -> dict[int, records.Establishment]:
    """The establishments on ``lines`` of the file, parsed (rows known to parse)."""
    out: dict[int, records.Establishment] = {}
    for row in read_rows(path, records.ESTABLISHMENT_COLUMNS):
        if row.line in lines:
            est = records.establishment(row)
            out[est.urn] = est
    return out


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
        _fold(store, batch, schools, trusts)
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


async def load_streams(
    store: EventStore, stream_ids: Collection[str]
) -> tuple[dict[int, SchoolState], dict[int, TrustState]]:
    """The state of the given school and trust streams (every committed event of each)."""
    if len(stream_ids) > FOLD_ALL_ABOVE:
        return await load_state(store)
    schools: dict[int, SchoolState] = {}
    trusts: dict[int, TrustState] = {}
    ordered = sorted(stream_ids)
    async with (
        store.pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        for start in range(0, len(ordered), 2000):
            rows = await conn.fetch(_STREAMS_SQL, ordered[start : start + 2000])
            _fold(store, [RecordedEvent.from_row(r) for r in rows], schools, trusts)
    return schools, trusts


def _fold(
    store: EventStore,
    events: Iterable[RecordedEvent],
    schools: dict[int, SchoolState],
    trusts: dict[int, TrustState],
) -> None:
    for event in events:
        key = int(event.stream_id.split("-", 1)[1])
        decoded = event.decode(store.registry)
        # Every event of each stream, in order, so a state's version is its stream's.
        if event.category == "school":
            schools[key] = evolve_school(schools.get(key), decoded)
        elif event.category == "trust":
            trusts[key] = evolve_trust(trusts.get(key), decoded)


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

    ``before_apply`` sees the whole plan before anything is written and may raise to stop
    there (the scheduled feed's drift guard does); it weighs the whole register, so with
    it every stream is folded rather than only those whose fingerprint moved.
    """
    tick = progress or (lambda _stage, _n: None)
    import_id = import_id or uuid.uuid4().hex
    snapshot = snapshot or snapshot_date_of(files.establishments)
    if snapshot is None:
        raise UnusableInput(files.establishments.name, NO_SNAPSHOT_DATE)
    report = ImportReport(import_id=import_id, snapshot_date=snapshot)
    known = await load_fingerprints(store)
    parsed = read_snapshot(
        files,
        report,
        {int(k[7:]): f.row for k, f in known.items() if k.startswith("school-")},
    )
    tick("parsed", sum(report.rows_read.values()))
    # Which streams this snapshot may change: those whose inputs differ from last time.
    fingerprints = {
        stream_id: Fingerprint(row, parsed.inputs(stream_id))
        for stream_id, row in parsed.row_digests.items()
    }
    to_decide = {s for s, f in fingerprints.items() if known.get(s) != f}
    schools, trusts = (
        await load_state(store)
        if before_apply is not None
        else await load_streams(store, to_decide)
    )
    _parse_needed(files, parsed, to_decide)
    meta = EventMetadata(
        actor=actor,
        reason=f"GIAS snapshot of {snapshot.isoformat()}",
        correlation_id=import_id,
        source=f"gias-import:{import_id}",
    )
    # Fingerprints to write: with the events of their stream, or on their own.
    kept: dict[str, _Kept] = {}
    unchanged: list[_Kept] = []
    closed_now = frozenset(
        uid
        for uid, group in parsed.trusts.items()
        if group.details is not None and group.details.status == "Closed"
    )

    def decisions() -> Iterator[StreamAppend]:
        # Trusts first, so that readers meet a trust before the schools that join it.
        for uid, group in sorted(parsed.trusts.items()):
            stream_id = f"trust-{uid}"
            if stream_id in to_decide:
                assert group.details is not None
                state = trusts.get(uid)
                events = trust_snapshot_events(state, uid, group.details, snapshot)
                yield from _decided(
                    stream_id, events, state.version if state else 0, fingerprints, meta, kept,
                    unchanged,
                )  # fmt: skip
        for urn, est in sorted(parsed.establishments.items()):
            stream_id = f"school-{urn}"
            if stream_id in to_decide:
                assert isinstance(est, records.Establishment)
                school = schools.get(urn)
                events = school_snapshot_events(
                    school,
                    urn,
                    est.details,
                    parsed.memberships.get(urn),
                    parsed.predecessors.get(urn, []),
                    snapshot,
                    closed_now,
                )
                yield from _decided(
                    stream_id, events, school.version if school else 0, fingerprints, meta,
                    kept, unchanged,
                )  # fmt: skip

    # Each chunk is written while the next is decided and prepared: Python does the one and
    # PostgreSQL the other, each on a core of its own. Chunks still commit one after another.
    appends: Iterable[StreamAppend] = decisions()
    if before_apply is not None:
        # The whole plan first: the guard may stop the import before anything is written.
        appends = list(appends)
        changes: list[tuple[str, list[EventContract], int]] = []
        for a in appends:
            assert isinstance(a.expected_version, int)  # the importer always names a version
            changes.append((a.stream_id, [e.data for e in a.events], a.expected_version))
        await before_apply(GiasPlan(snapshot, parsed, schools, trusts, changes))
    writing: asyncio.Task[int] | None = None
    try:
        for chunk in _chunks(appends, CHUNK_STREAMS):
            prepared = await _prepare_yielding(store, chunk)
            if writing is not None:
                report.events_written += await writing
            writing = asyncio.create_task(
                _write_chunk(store, prepared, [kept[a.stream_id] for a in chunk], tick)
            )
        if writing is not None:
            report.events_written += await writing
            writing = None
    finally:
        if writing is not None:  # preparing a later chunk failed: the last one stops too
            writing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writing
    for start in range(0, len(unchanged), 10 * CHUNK_STREAMS):
        async with store.pool.acquire() as conn:
            await _keep(conn, unchanged[start : start + 10 * CHUNK_STREAMS])
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


def _parse_needed(files: GiasFiles, parsed: Snapshot, to_decide: Collection[str]) -> None:
    # Rows kept unparsed whose trust link or predecessors changed: parse them after all.
    lines = {
        est.line
        for urn, est in parsed.establishments.items()
        if isinstance(est, Unparsed) and f"school-{urn}" in to_decide
    }
    if lines:
        parsed.establishments.update(_parse_lines(files.establishments, lines))


def _decided(
    stream_id: str,
    events: list[EventContract],
    version: int,
    fingerprints: Mapping[str, Fingerprint],
    meta: EventMetadata,
    kept: dict[str, _Kept],
    unchanged: list[_Kept],
) -> Iterator[StreamAppend]:
    # The stream's fingerprint describes it once these events are in: the same rows again
    # would decide no more (the domain's snapshot functions are idempotent).
    after = _Kept(stream_id, fingerprints[stream_id], version + len(events))
    if events:
        kept[stream_id] = after
        yield StreamAppend(stream_id, [NewEvent(e, meta, next(_IDS)) for e in events], version)
    else:
        unchanged.append(after)


# Event ids for every import this process runs, drawn from the system's randomness in bulk.
_IDS = new_event_ids()


def _chunks(appends: Iterable[StreamAppend], size: int) -> Iterator[list[StreamAppend]]:
    chunk: list[StreamAppend] = []
    for a in appends:
        chunk.append(a)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _prepare_yielding(store: EventStore, chunk: list[StreamAppend]) -> PreparedAppends:
    # In slices, letting the chunk being written send its next statement between them.
    prepared = PreparedAppends()
    for start in range(0, len(chunk), 50):
        prepared.extend(store.prepare_streams(chunk[start : start + 50]))
        await asyncio.sleep(0)
    return prepared


async def _write_chunk(
    store: EventStore, prepared: PreparedAppends, kept: list[_Kept], tick: Progress
) -> int:
    # The chunk's events and their streams' fingerprints, in one transaction.
    async with store.transaction() as conn:
        await store.append_prepared(prepared, conn=conn)
        await _keep(conn, kept)
    written = sum(len(a.events) for a in prepared.appends)
    tick("appended", written)
    return written


def rejected_row(problem: RowProblem) -> RejectedRow:
    """A row problem as it is recorded in an import's report event."""
    return RejectedRow(
        file=problem.file,
        line=problem.line,
        column=problem.column,
        value=problem.value,
        reason=problem.reason,
    )
