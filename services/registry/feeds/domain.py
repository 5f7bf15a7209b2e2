"""The feeds' pure rules: a feed's state from its stream, the drift guard, what a person may
do with a held snapshot, and when the next pull is due. No I/O and no clock: times are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from shared.contracts.feeds import (
    FeedChecked,
    FeedFetchFailed,
    FeedName,
    FeedSnapshotAccepted,
    FeedSnapshotApplied,
    FeedSnapshotDiscarded,
    FeedSnapshotFailed,
    FeedSnapshotHeld,
    FeedSnapshotReleased,
    FeedSnapshotUnusable,
    FetchedFile,
    SnapshotSummary,
)
from shared.contracts.registry import (
    SchoolClosed,
    SchoolDetailsChanged,
    SchoolJoinedTrust,
    SchoolLeftTrust,
    SchoolLinkedToPredecessor,
    SchoolRegistered,
    SchoolTransferred,
    TrustClosed,
    TrustDetailsChanged,
    TrustIncorporated,
)
from shared.errors import Conflict, NotFound
from shared.eventlog.contracts import EventContract

ENGLAND = ZoneInfo("Europe/London")
SAMPLES = 10


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class Snapshot:
    """A set of files of one date that a pull fetched."""

    run_id: str
    snapshot_date: date
    files: tuple[FetchedFile, ...]

    def digests(self) -> dict[str, str]:
        """Each file's role and SHA-256."""
        return {f.role: f.sha256 for f in self.files}


@dataclass(frozen=True)
class Held:
    """A snapshot waiting for a person: why, and what it would change."""

    snapshot: Snapshot
    missing: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class FeedState:
    """A feed as its stream tells it."""

    feed: FeedName
    version: int = 0
    last_attempt_at: datetime | None = None
    # The newest set a pull decided something about (held, accepted, unusable): a pull that
    # finds the same files again has nothing to do.
    seen: Snapshot | None = None
    applied: Snapshot | None = None
    applied_at: datetime | None = None
    held: Held | None = None
    # Accepted or released, and not yet applied: the next pull finishes it first.
    pending: Snapshot | None = None


def _snapshot(event: FeedSnapshotHeld | FeedSnapshotAccepted | FeedSnapshotUnusable) -> Snapshot:
    return Snapshot(event.run_id, event.snapshot_date, tuple(event.files))


def evolve_feed(state: FeedState, event: EventContract, at: datetime) -> FeedState:
    """The feed after one more of its events, recorded at ``at``."""
    s = replace(state, version=state.version + 1)
    match event:
        case FeedChecked() | FeedFetchFailed():
            return replace(s, last_attempt_at=at)
        case FeedSnapshotHeld(missing=missing, reasons=reasons):
            held = Held(_snapshot(event), tuple(missing), tuple(reasons))
            return replace(s, last_attempt_at=at, seen=held.snapshot, held=held)
        case FeedSnapshotUnusable():
            return replace(s, last_attempt_at=at, seen=_snapshot(event))
        case FeedSnapshotAccepted():
            snap = _snapshot(event)
            # A newer snapshot that passes supersedes one still held.
            return replace(s, last_attempt_at=at, seen=snap, pending=snap, held=None)
        case FeedSnapshotReleased(run_id=run_id):
            if s.held is None or s.held.snapshot.run_id != run_id:
                return s
            return replace(s, pending=s.held.snapshot, held=None)
        case FeedSnapshotDiscarded(run_id=run_id):
            if s.held is None or s.held.snapshot.run_id != run_id:
                return s
            return replace(s, held=None)
        case FeedSnapshotApplied(run_id=run_id):
            done = s.pending if s.pending is not None and s.pending.run_id == run_id else None
            return replace(s, applied=done or s.applied, applied_at=at, pending=None)
        case FeedSnapshotFailed():
            # Seen no more: the next pull fetches the same set again and finishes it.
            return replace(s, pending=None, seen=s.applied)
        case _:
            return s


def fold_feed(feed: FeedName, events: Iterable[tuple[EventContract, datetime]]) -> FeedState:
    """A feed's state from its events, oldest first."""
    state = FeedState(feed)
    for event, at in events:
        state = evolve_feed(state, event, at)
    return state


def unchanged(seen: Snapshot | None, snapshot_date: date, digests: Mapping[str, str]) -> bool:
    """True when a fetched set is the one already seen: the same date and the same bytes."""
    return seen is not None and seen.snapshot_date == snapshot_date and seen.digests() == digests


def probe_dates(state: FeedState, today: date, lookback_days: int) -> list[date]:
    """The dates to look for a set on, newest first: back to the one already seen, or as far
    as the feed's look-back reaches."""
    oldest = today - timedelta(days=lookback_days)
    if state.seen is not None:
        oldest = max(oldest, state.seen.snapshot_date)
    return [today - timedelta(days=n) for n in range((today - oldest).days + 1)]


# ------------------------------------------------------------------- held snapshots


class NothingHeld(NotFound):
    """The feed holds no snapshot."""


class NotTheHeldSnapshot(Conflict):
    """The snapshot named is not the one held (released, discarded or superseded since)."""


class CannotApply(Conflict):
    """The held snapshot lacks a file the importer cannot do without."""


def _held(state: FeedState, run_id: str) -> Held:
    if state.held is None:
        raise NothingHeld(f"the {state.feed} feed holds no snapshot")
    if state.held.snapshot.run_id != run_id:
        raise NotTheHeldSnapshot(
            f"snapshot {run_id} is not held; the {state.feed} feed holds"
            f" {state.held.snapshot.run_id}",
            extra={"held_run_id": state.held.snapshot.run_id},
        )
    return state.held


def decide_release(
    state: FeedState, run_id: str, reason: str, required: Sequence[str]
) -> FeedSnapshotReleased:
    """Release the held snapshot ``run_id`` to be applied, if it has every required file."""
    held = _held(state, run_id)
    roles = {f.role for f in held.snapshot.files}
    lacking = [role for role in required if role not in roles]
    if lacking:
        raise CannotApply(
            f"snapshot {run_id} cannot be applied without its {', '.join(lacking)} file;"
            " discard it, and the next pull fetches the set again",
            extra={"missing": lacking},
        )
    return FeedSnapshotReleased(feed=state.feed, run_id=run_id, reason=reason)


def decide_discard(state: FeedState, run_id: str, reason: str) -> FeedSnapshotDiscarded:
    """Discard the held snapshot ``run_id``: it is never applied."""
    _held(state, run_id)
    return FeedSnapshotDiscarded(feed=state.feed, run_id=run_id, reason=reason)


# ------------------------------------------------------------------------ drift guard


@dataclass(frozen=True)
class DriftLimits:
    """How much one snapshot may change before it is held for a person to look at."""

    # Of the open schools (and, separately, open trusts): the share it may close or remove.
    max_closed_share: float = 0.02
    # Schools it may move out of their trust (transferred to another, or left with none).
    max_moved_schools: int = 100


_SCHOOL_KINDS: dict[type[EventContract], str] = {
    SchoolRegistered: "schools_registered",
    SchoolDetailsChanged: "schools_changed",
    SchoolLinkedToPredecessor: "schools_linked",
    SchoolJoinedTrust: "schools_joined_trust",
    SchoolTransferred: "schools_transferred",
    SchoolLeftTrust: "schools_left_trust",
}
_TRUST_KINDS: dict[type[EventContract], str] = {
    TrustIncorporated: "trusts_incorporated",
    TrustDetailsChanged: "trusts_changed",
}


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.samples: dict[str, list[int]] = {}

    def add(self, kind: str, key: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        examples = self.samples.setdefault(kind, [])
        if len(examples) < SAMPLES:
            examples.append(key)


def summarise_gias(
    changes: Sequence[tuple[str, Sequence[EventContract], int]],
    open_schools: Iterable[int],
    open_trusts: Iterable[int],
    present_urns: Iterable[int],
    present_uids: Iterable[int],
) -> SnapshotSummary:
    """What a GIAS snapshot would change: counts by kind, with examples of each.

    ``changes`` is the importer's plan; ``open_*`` what the register holds open before it;
    ``present_*`` the URNs and UIDs the snapshot's files list. A school or trust open before
    and absent from the files counts as removed (the importer writes nothing for it, but a
    truncated file looks exactly like that).
    """
    open_school_set, open_trust_set = set(open_schools), set(open_trusts)
    tally = _Tally()
    for _stream, events, _version in changes:
        for event in events:
            if isinstance(event, SchoolClosed):
                if event.urn in open_school_set:
                    tally.add("schools_closed", event.urn)
            elif isinstance(event, TrustClosed):
                if event.uid in open_trust_set:
                    tally.add("trusts_closed", event.uid)
            elif type(event) in _SCHOOL_KINDS:
                tally.add(_SCHOOL_KINDS[type(event)], event.urn)  # type: ignore[attr-defined]
            elif type(event) in _TRUST_KINDS:
                tally.add(_TRUST_KINDS[type(event)], event.uid)  # type: ignore[attr-defined]
    for urn in sorted(open_school_set - set(present_urns)):
        tally.add("schools_removed", urn)
    for uid in sorted(open_trust_set - set(present_uids)):
        tally.add("trusts_removed", uid)
    return SnapshotSummary(
        counts=dict(sorted(tally.counts.items())),
        samples=dict(sorted(tally.samples.items())),
        open_schools_before=len(open_school_set),
        open_trusts_before=len(open_trust_set),
    )


def drift_reasons(summary: SnapshotSummary, limits: DriftLimits) -> list[str]:
    """Why a snapshot must be held, in words; none when it may be applied."""
    reasons: list[str] = []
    c = summary.counts
    for kind, before in (
        ("schools", summary.open_schools_before),
        ("trusts", summary.open_trusts_before),
    ):
        gone = c.get(f"{kind}_closed", 0) + c.get(f"{kind}_removed", 0)
        if before is not None and before > 0 and gone / before > limits.max_closed_share:
            reasons.append(
                f"would close or remove {gone} of {before} open {kind} ({gone / before:.1%}),"
                f" more than the {limits.max_closed_share:.1%} allowed"
            )
    moved = c.get("schools_transferred", 0) + c.get("schools_left_trust", 0)
    if moved > limits.max_moved_schools:
        reasons.append(
            f"would move {moved} schools out of their trust"
            f" ({c.get('schools_transferred', 0)} to another trust,"
            f" {c.get('schools_left_trust', 0)} to none), more than the"
            f" {limits.max_moved_schools} allowed"
        )
    return reasons


def missing_reasons(missing: Sequence[str]) -> list[str]:
    """Why a snapshot lacking files is held."""
    return [f"lacks {name}" for name in missing]


# --------------------------------------------------------------------------- schedule

_DAILY = re.compile(r"^daily (\d{1,2}):(\d{2})$")
_EVERY = re.compile(r"^every (\d+)([mh])$")


@dataclass(frozen=True)
class Schedule:
    """When a feed is pulled: ``daily HH:MM`` (in England) or ``every N{m,h}``."""

    text: str
    kind: Literal["daily", "every"]
    at: time | None = None
    every: timedelta | None = None

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """Read ``daily 06:30``, ``every 6h`` or ``every 30m``; ValueError for anything else."""
        spec = text.strip().lower()
        if m := _DAILY.match(spec):
            hour, minute = int(m[1]), int(m[2])
            if hour < 24 and minute < 60:
                return cls(text, "daily", at=time(hour, minute))
        elif m := _EVERY.match(spec):
            n = int(m[1])
            if n > 0:
                every = timedelta(hours=n) if m[2] == "h" else timedelta(minutes=n)
                return cls(text, "every", every=every)
        raise ValueError(f"schedule {text!r}: write 'daily HH:MM' or 'every N' with m or h")

    def next_run(self, last_attempt: datetime | None, now: datetime) -> datetime:
        """When the next pull is due (UTC): now if it never ran, else the first slot after the
        last attempt. Slots missed while nothing ran give one pull, not one per slot."""
        if last_attempt is None:
            return now
        if self.every is not None:
            return last_attempt + self.every
        assert self.at is not None
        local = last_attempt.astimezone(ENGLAND)
        day = local.date()
        while True:
            slot = datetime.combine(day, self.at, tzinfo=ENGLAND)
            if slot > local:
                return slot.astimezone(last_attempt.tzinfo)
            day += timedelta(days=1)
