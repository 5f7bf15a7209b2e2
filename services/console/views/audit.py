"""Audit: a school's, trust's or case's timeline across services, and the chain's status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from commissioning_client.models import ChainStatus, Timeline

from services.console.views.common import (
    Pagination,
    SummaryRow,
    date_time,
    event_label,
    given,
    label,
    rows,
)

Subject = Literal["schools", "trusts", "cases"]
SUBJECT_NAMES: dict[str, str] = {"schools": "school", "trusts": "trust", "cases": "case"}
# API paths the console has pages for: the same shapes, so a link can be followed here.
_PAGES = (
    "/schools/",
    "/trusts/",
    "/cases/",
    "/assessments/",
    "/interventions/",
    "/school-interventions/",
    "/trust-interventions/",
)


@dataclass(frozen=True)
class EntryLink:
    """A link from an audit entry to what it names."""

    text: str
    href: str


@dataclass(frozen=True)
class AuditEntry:
    """One event: what, when, who, why, and where it came from."""

    what: str
    service: str
    when: str
    actor: str
    reason: str
    position: int
    correlation: str
    links: list[EntryLink]


@dataclass(frozen=True)
class AuditTimeline:
    """A subject's timeline, a page at a time, with its exports."""

    subject: Subject
    key: str
    title: str
    entries: list[AuditEntry]
    pagination: Pagination
    exports: list[EntryLink]
    subject_href: str

    @classmethod
    def build(cls, subject: Subject, key: str, timeline: Timeline, *, cursor: str) -> AuditTimeline:
        """From commissioning's audit timeline."""
        base = f"/audit/{subject}/{key}"
        entries = [
            AuditEntry(
                what=event_label(e.type_),
                service=label(e.service),
                when=date_time(e.recorded_at),
                actor=e.actor,
                reason=e.reason or "",
                position=e.position,
                correlation=e.correlation_id or "",
                links=[
                    EntryLink(label(link.rel), link.href)
                    for link in given(e.links) or []
                    if link.href.startswith(_PAGES)
                ],
            )
            for e in timeline.entries
        ]
        return cls(
            subject=subject,
            key=key,
            title=f"Audit timeline of {SUBJECT_NAMES[subject]} {key}",
            entries=entries,
            pagination=Pagination.build(base, {"cursor": cursor}, given(timeline.next_cursor)),
            exports=[
                EntryLink("Download as CSV", f"{base}/export?format=csv"),
                EntryLink("Download as JSON Lines", f"{base}/export?format=jsonl"),
            ],
            subject_href=f"/{subject}/{key}",
        )


@dataclass(frozen=True)
class ChainView:
    """Whether the log's hash chains verify, in words."""

    ok: bool
    headline: str
    details: list[SummaryRow]

    @classmethod
    def build(cls, status: ChainStatus) -> ChainView:
        """From the API's verification."""
        checkpoint = status.checkpoint
        return cls(
            ok=status.ok,
            headline="The event log verifies: no event has been altered or removed"
            if status.ok
            else f"The event log does not verify: first break at position {status.first_broken_position}",
            details=rows(
                [
                    ("Events checked", f"{status.events_checked:,}"),
                    ("Streams checked", f"{status.streams_checked:,}"),
                    ("Seals checked", f"{status.seals_checked:,}"),
                    ("Last sealed position", status.last_sealed_position),
                    ("Events not yet sealed", status.unsealed_events),
                    ("Verified at", date_time(status.verified_at)),
                    (
                        "Signed checkpoint",
                        f"sequence {checkpoint.seq}, key {checkpoint.key_id}" if checkpoint else "",
                    ),
                ]
            ),
        )
