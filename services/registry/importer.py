"""Applying a GIAS snapshot: parse, compare with the log, append only the differences."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from services.registry.domain import (
    SchoolState,
    TrustState,
    evolve_school,
    evolve_trust,
    school_snapshot_events,
    trust_snapshot_events,
)
from services.registry.gias import records
from services.registry.gias.csvfile import UnusableInput
from services.registry.gias.fingerprints import (
    Fingerprint,
    Kept,
    keep_fingerprints,
    load_fingerprints,
)
from services.registry.gias.snapshot import (
    NO_SNAPSHOT_DATE,
    GiasFiles,
    ImportReport,
    Snapshot,
    Unparsed,
    parse_lines,
    read_snapshot,
    rejected_row,
    snapshot_date_of,
)
from shared.contracts.feeds import GiasImportCompleted
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
# Above this many streams to fold, one pass over the whole log costs less than reading each.
FOLD_ALL_ABOVE = 10_000

_STREAMS_SQL = f"""
SELECT {RECORDED_COLUMNS} FROM events
 WHERE stream_id = ANY($1::text[])
 ORDER BY stream_id, stream_version
"""

Progress = Callable[[str, int], None]


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
    kept: dict[str, Kept] = {}
    unchanged: list[Kept] = []
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
            await keep_fingerprints(conn, unchanged[start : start + 10 * CHUNK_STREAMS])
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
        parsed.establishments.update(parse_lines(files.establishments, lines))


def _decided(
    stream_id: str,
    events: list[EventContract],
    version: int,
    fingerprints: Mapping[str, Fingerprint],
    meta: EventMetadata,
    kept: dict[str, Kept],
    unchanged: list[Kept],
) -> Iterator[StreamAppend]:
    # The stream's fingerprint describes it once these events are in: the same rows again
    # would decide no more (the domain's snapshot functions are idempotent).
    after = Kept(stream_id, fingerprints[stream_id], version + len(events))
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
    store: EventStore, prepared: PreparedAppends, kept: list[Kept], tick: Progress
) -> int:
    # The chunk's events and their streams' fingerprints, in one transaction.
    async with store.transaction() as conn:
        await store.append_prepared(prepared, conn=conn)
        await keep_fingerprints(conn, kept)
    written = sum(len(a.events) for a in prepared.appends)
    tick("appended", written)
    return written
