"""Recompute both hash chains and name the first place the stored log disagrees with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from shared.eventlog.canonical import NotCanonicalisable, canonical_bytes, loads_exact
from shared.eventlog.errors import InvalidStreamId
from shared.eventlog.model import (
    GENESIS_HASH,
    category_of,
    chain_global_hash,
    chain_stream_hash,
    event_digest,
)
from shared.ownership import ANY_CATEGORY, TEST_WRITER_ROLE, owner, stream_owners


@dataclass(frozen=True)
class Break:
    """One place where the log and its chains disagree."""

    position: int | None
    kind: str
    detail: str


@dataclass
class VerifyReport:
    """What verification found: counts, how far the global chain reaches, and breaks."""

    events_checked: int = 0
    streams_checked: int = 0
    seals_checked: int = 0
    last_sealed_position: int | None = None
    unsealed_events: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No break found."""
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        """The break at the lowest position (the earliest point history was changed)."""
        if not self.breaks:
            return None
        return min(self.breaks, key=lambda b: (b.position is None, b.position or 0))

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        first = self.first_break
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "streams_checked": self.streams_checked,
            "seals_checked": self.seals_checked,
            "last_sealed_position": self.last_sealed_position,
            "unsealed_events": self.unsealed_events,
            "first_broken_position": first.position if first else None,
            "breaks": [b.__dict__ for b in self.breaks],
        }


Progress = Callable[[int], None]


async def verify_log(
    conn: asyncpg.Connection, *, progress: Progress | None = None, batch: int = 5000
) -> VerifyReport:
    """Check every stream chain and the global chain in one consistent snapshot."""
    report = VerifyReport()
    tick = progress or (lambda _n: None)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        await _verify_streams(conn, report, tick, batch)
        await _verify_seals(conn, report, tick, batch)
    return report


async def count_events(conn: asyncpg.Connection) -> int:
    """How many events verification will read (for a progress bar)."""
    return int(await conn.fetchval("SELECT count(*) FROM events"))


async def _verify_streams(
    conn: asyncpg.Connection, report: VerifyReport, tick: Progress, batch: int
) -> None:
    appender = await _ownership(conn)
    streams = 0
    stream: str | None = None
    version = 0
    head = GENESIS_HASH
    broken_stream = False
    cursor = conn.cursor(
        """
        SELECT position, event_id, stream_id, category, stream_version, event_type,
               schema_version, data::text, metadata::text, stream_hash, appended_by,
               -- As the append hashed it; also survives a date Python cannot hold.
               CASE WHEN isfinite(recorded_at)
                    THEN extract(epoch FROM recorded_at) * 1000000 END AS micros
          FROM events ORDER BY stream_id, stream_version
        """,
        prefetch=batch,
    )
    async for row in cursor:
        report.events_checked += 1
        if report.events_checked % batch == 0:
            tick(batch)
        if row["stream_id"] != stream:
            stream, version, head, broken_stream = row["stream_id"], 0, GENESIS_HASH, False
            streams += 1
        wrong_writer = appender(row)
        if wrong_writer is not None:
            report.breaks.append(wrong_writer)
        if broken_stream:
            continue
        checked = _check_event(row, row["stream_id"], version + 1, head)
        if isinstance(checked, Break):
            report.breaks.append(checked)
            broken_stream = True  # one break per stream: the rest follows from it
            continue
        version, head = version + 1, checked
    tick(report.events_checked % batch)
    report.streams_checked = streams


async def _ownership(conn: asyncpg.Connection) -> Callable[[asyncpg.Record], Break | None]:
    """A check that each event was appended by the role the ownership declaration names.

    The declaration is the code's (``shared/ownership.py``), not the database's table, which
    whoever could rewrite the log could rewrite too. Events from before the database
    recorded who appended them (migration 0009's epoch) carry no role and are not checked.
    """
    epoch = int(await conn.fetchval("SELECT position FROM ownership_epoch") or 0)
    # The log's own tests append as a test role the test database alone allows anywhere.
    test_writer = await conn.fetchval(
        "SELECT role FROM stream_owners WHERE category = $1 AND role = $2",
        ANY_CATEGORY,
        TEST_WRITER_ROLE,
    )
    declared = stream_owners()

    def check(row: asyncpg.Record) -> Break | None:
        role, position = row["appended_by"], row["position"]
        if role is None:
            if position <= epoch:
                return None
            return Break(position, "owner", f"{row['stream_id']}: no appending role recorded")
        if test_writer is not None and role == test_writer:
            return None
        service = declared.get(row["category"])
        if (
            service is not None
            and role == owner(service).role
            and row["event_type"].startswith(service + ".")
        ):
            return None
        return Break(
            position,
            "owner",
            f"{row['stream_id']} v{row['stream_version']}: {row['event_type']} was appended by"
            f" {role}, but {row['category']} belongs to {service or 'no service'}",
        )

    return check


def _check_event(
    row: asyncpg.Record, stream: str, expected_version: int, head: bytes
) -> Break | bytes:
    position = row["position"]
    if row["stream_version"] != expected_version:
        return Break(
            position,
            "stream-gap",
            f"{stream}: version {row['stream_version']} follows {expected_version - 1}",
        )
    try:
        if category_of(stream) != row["category"]:
            return Break(position, "category", f"{stream} filed under {row['category']}")
        data = canonical_bytes(loads_exact(row["data"]))
        meta = canonical_bytes(loads_exact(row["metadata"]))
    except (InvalidStreamId, NotCanonicalisable, ValueError, RecursionError) as exc:
        return Break(position, "content", f"{stream} v{expected_version}: {exc}")
    digest = event_digest(
        row["event_id"], stream, row["event_type"], row["schema_version"], data, meta
    )
    try:
        computed = chain_stream_hash(head, expected_version, int(row["micros"]), digest)
    except (TypeError, OverflowError):  # an infinite or absurd recorded_at
        return Break(position, "stream-hash", f"{stream} v{expected_version}: time is out of range")
    if computed != bytes(row["stream_hash"]):
        return Break(
            position,
            "stream-hash",
            f"{stream} v{expected_version}: content or time differs from what was appended",
        )
    return computed


async def _verify_seals(
    conn: asyncpg.Connection, report: VerifyReport, tick: Progress, batch: int
) -> None:
    # Walk the seals in order beside the events in today's log order: the n-th seal must
    # name the n-th event, and the chain must recompute from that event's stream hash.
    chain = GENESIS_HASH
    expected_seq = 0
    cursor = conn.cursor(
        """
        SELECT s.seq, s.position, s.chain_hash, e.stream_hash, o.position AS in_place
          FROM event_seals s
          LEFT JOIN events e ON e.position = s.position
          LEFT JOIN (SELECT position, row_number() OVER (ORDER BY era, tx_id, position) AS rn
                       FROM events) o ON o.rn = s.seq
         ORDER BY s.seq
        """,
        prefetch=batch,
    )
    async for row in cursor:
        expected_seq += 1
        position = row["position"]
        if row["seq"] != expected_seq:
            report.breaks.append(Break(position, "seal-gap", f"seal {expected_seq} is missing"))
            break
        if row["stream_hash"] is None:
            report.breaks.append(
                Break(position, "deleted", f"sealed event at position {position} is gone")
            )
            break
        if row["in_place"] != position:
            report.breaks.append(
                Break(
                    position,
                    "reordered",
                    f"position {position} was sealed as event {expected_seq} of the log,"
                    f" which is now position {row['in_place']}",
                )
            )
            break
        chain = chain_global_hash(chain, position, bytes(row["stream_hash"]))
        if chain != bytes(row["chain_hash"]):
            report.breaks.append(
                Break(position, "global-hash", f"global chain breaks at position {position}")
            )
            break
        report.seals_checked += 1
        report.last_sealed_position = position
    end = await conn.fetchrow(
        """
        SELECT e.era, e.tx_id::text AS tx_id, e.position
          FROM event_seals s JOIN events e ON e.position = s.position
         ORDER BY e.era DESC, e.tx_id DESC, e.position DESC LIMIT 1
        """
    )
    if end is None:
        report.unsealed_events = report.events_checked
        return
    key = (end["era"], end["tx_id"], end["position"])
    # Anything in the sealed stretch of the log without a seal was put there afterwards.
    inserted = await conn.fetch(
        """
        SELECT e.position FROM events e
         WHERE (e.era, e.tx_id, e.position) <= ($1, $2::text::xid8, $3)
           AND NOT EXISTS (SELECT 1 FROM event_seals s WHERE s.position = e.position)
         ORDER BY e.position LIMIT 100
        """,
        *key,
    )
    for r in inserted:
        report.breaks.append(
            Break(r["position"], "inserted", f"position {r['position']} was never sealed in order")
        )
    report.unsealed_events = int(
        await conn.fetchval(
            "SELECT count(*) FROM events WHERE (era, tx_id, position) > ($1, $2::text::xid8, $3)",
            *key,
        )
    )
