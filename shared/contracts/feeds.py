"""Events of the registry's data feeds: each import's report (streams ``gias_import-{id}``,
``ofsted_import-{id}``) and each scheduled pull (``feed-{feed}``).

They are the registry's events (its ``contracts`` take these in, and it alone appends to
these categories), kept apart from the register's own events because they describe how
data came in, not schools or trusts: what an import read, wrote and refused; what a pull
found, what it held back or applied, and who released or discarded a held snapshot.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from shared.contracts.values import Value
from shared.eventlog.contracts import EventContract, EventRegistry

contracts = EventRegistry()


# --------------------------------------------------------------------------- imports


class RejectedRow(Value):
    """A row a feed could not use: where it is and why."""

    file: str
    line: int
    column: str | None = None
    value: str | None = None
    reason: str


@contracts.register
class GiasImportStarted(EventContract):
    """Someone handed in a GIAS snapshot to apply (over HTTP; the CLI applies at once)."""

    type_name = "registry.GiasImportStarted"
    import_id: str
    files: dict[str, str]


@contracts.register
class GiasImportFailed(EventContract):
    """A GIAS snapshot could not be used at all; nothing from it was applied."""

    type_name = "registry.GiasImportFailed"
    import_id: str
    file: str
    reason: str


@contracts.register
class GiasImportCompleted(EventContract):
    """A GIAS snapshot was applied: what was read, what was written, what was refused."""

    type_name = "registry.GiasImportCompleted"
    import_id: str
    snapshot_date: date
    files: dict[str, str]
    rows_read: dict[str, int]
    events_written: int
    rejected: list[RejectedRow]


@contracts.register
class OfstedImportCompleted(EventContract):
    """An Ofsted management-information file was applied."""

    type_name = "registry.OfstedImportCompleted"
    import_id: str
    file: str
    rows_read: int
    events_written: int
    rejected: list[RejectedRow]


# --------------------------------------------------------------------- scheduled pulls
# Stream ``feed-{feed}``: one per feed, so its state (what was last seen, what is held, what
# is being applied) is a fold of one stream and concurrent writers meet its version.

FeedName = Literal["gias", "ofsted"]
RunId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="The pull's id (uuid4 hex)")]


class FetchedFile(Value):
    """One file of a snapshot as it was fetched: where from, its size, digest and validators."""

    role: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    url: str = Field(min_length=1, max_length=2000)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    etag: str | None = Field(default=None, max_length=1000)
    last_modified: str | None = Field(default=None, max_length=100)


class SnapshotSummary(Value):
    """What applying a snapshot would change: a count per kind of change and a few examples
    (URNs or UIDs) of each, beside the open schools and trusts the register held before."""

    counts: dict[str, int]
    samples: dict[str, list[int]]
    # What the drift guard measures shares against; None where it does not apply (Ofsted).
    open_schools_before: int | None = Field(default=None, ge=0)
    open_trusts_before: int | None = Field(default=None, ge=0)


@contracts.register
class FeedChecked(EventContract):
    """A pull found nothing new to apply: the newest set is one already seen, or none is published."""

    type_name = "registry.FeedChecked"
    feed: FeedName
    run_id: RunId
    outcome: Literal["unchanged", "nothing_published"]
    snapshot_date: date | None = None
    detail: str = Field(max_length=2000)


@contracts.register
class FeedFetchFailed(EventContract):
    """A pull could not fetch a file it needed, even after retrying; nothing was applied."""

    type_name = "registry.FeedFetchFailed"
    feed: FeedName
    run_id: RunId
    snapshot_date: date | None = None
    url: str | None = Field(default=None, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000)
    attempts: int = Field(ge=0)


@contracts.register
class FeedSnapshotHeld(EventContract):
    """A fetched snapshot was held back: it lacks a file, or would change more than the drift
    guard allows. It waits for a data-feed user to release or discard it."""

    type_name = "registry.FeedSnapshotHeld"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    files: list[FetchedFile]
    missing: list[str]
    reasons: list[str] = Field(min_length=1)
    summary: SnapshotSummary | None = None
    superseded_run_id: RunId | None = None


@contracts.register
class FeedSnapshotUnusable(EventContract):
    """A fetched file is not in the expected format: nothing from the snapshot was applied."""

    type_name = "registry.FeedSnapshotUnusable"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    files: list[FetchedFile]
    file: str = Field(max_length=300)
    reason: str = Field(min_length=1, max_length=2000)


@contracts.register
class FeedSnapshotAccepted(EventContract):
    """A fetched snapshot passed the drift guard and is being applied."""

    type_name = "registry.FeedSnapshotAccepted"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    files: list[FetchedFile]
    summary: SnapshotSummary | None = None
    superseded_run_id: RunId | None = None


@contracts.register
class FeedSnapshotReleased(EventContract):
    """A data-feed user released a held snapshot: it is applied as it is."""

    type_name = "registry.FeedSnapshotReleased"
    feed: FeedName
    run_id: RunId
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class FeedSnapshotDiscarded(EventContract):
    """A data-feed user discarded a held snapshot: it is never applied."""

    type_name = "registry.FeedSnapshotDiscarded"
    feed: FeedName
    run_id: RunId
    reason: str = Field(min_length=1, max_length=4000)


@contracts.register
class FeedSnapshotApplied(EventContract):
    """An accepted or released snapshot was applied through the registry's importers."""

    type_name = "registry.FeedSnapshotApplied"
    feed: FeedName
    run_id: RunId
    snapshot_date: date
    import_ids: list[str]
    events_written: int = Field(ge=0)
    rows_rejected: int = Field(ge=0)


@contracts.register
class FeedSnapshotFailed(EventContract):
    """Applying an accepted or released snapshot failed part-way; the next pull tries again
    (imports write only what the log lacks, so nothing is applied twice)."""

    type_name = "registry.FeedSnapshotFailed"
    feed: FeedName
    run_id: RunId
    reason: str = Field(min_length=1, max_length=2000)
