"""Timelines: every event about one subject, across all services, in log order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from shared.audit.subjects import RELATED, SubjectKind, subjects_of
from shared.errors import NotFound
from shared.http.paging import decode_cursor, encode_cursor


class Link(BaseModel):
    """Where to read more about something an event names, and which service serves it."""

    rel: str
    service: str
    href: str


class TimelineEntry(BaseModel):
    """One event as an auditor reads it: what, when, who, why, and what led to it."""

    position: int
    recorded_at: datetime
    service: str
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    event_id: UUID
    actor: str
    reason: str | None = None
    correlation_id: str | None = None
    causation_id: UUID | None = None
    source: str | None = None
    # A person's write: where they acted, and the authority they wrote it under (step,
    # authority table version, place, and by role, delegation or referral).
    scope: list[str] | None = None
    authority: dict[str, Any] | None = None
    data: dict[str, Any]
    links: list[Link] = Field(default_factory=list)


class Timeline(BaseModel):
    """One page of a subject's timeline, oldest first."""

    subject: str
    entries: list[TimelineEntry]
    next_cursor: str | None = None


_TIMELINE_SQL = """
WITH related AS (
    SELECT DISTINCT r.kind, r.key
      FROM audit_subjects s JOIN audit_subjects r ON r.position = s.position
     WHERE s.kind = $1 AND s.key = $2 AND r.kind = ANY($3::text[])
), positions AS (
    SELECT position FROM audit_subjects WHERE kind = $1 AND key = $2
    UNION
    SELECT a.position FROM audit_subjects a JOIN related USING (kind, key)
)
SELECT e.position, e.era, e.tx_id, e.event_id, e.stream_id, e.stream_version, e.event_type,
       e.schema_version, e.data::text AS data, e.metadata::text AS metadata, e.recorded_at
  FROM events e JOIN positions p ON p.position = e.position
 WHERE (e.era, e.tx_id, e.position) > ($4, $5::xid8, $6)
 ORDER BY e.era, e.tx_id, e.position
 LIMIT $7
"""

_LINKS: dict[SubjectKind, tuple[str, str]] = {
    "school": ("registry", "/schools/{}"),
    "trust": ("registry", "/trusts/{}"),
    "case": ("commissioning", "/cases/{}"),
    "assessment": ("assessment", "/assessments/{}"),
    # Read by its stream's category: see intervention_href.
    "intervention": ("commissioning", "/interventions/{}"),
    "delegation": ("commissioning", "/delegations/{}"),
    "concern": ("commissioning", "/concerns/{}"),
    "board": ("commissioning", "/boards/{}"),
    "significant_change": ("commissioning", "/significant-changes/{}"),
}


# Three kinds of intervention share the ``intervention_id`` field, each with its own stream
# category and its own route: a notice, a school in a category of concern, a whole trust.
INTERVENTION_PAGES: dict[str, str] = {
    "intervention": "/interventions/{}",
    "school_intervention": "/school-interventions/{}",
    "trust_intervention": "/trust-interventions/{}",
}


def intervention_href(stream_id: str, key: str, categories: Mapping[str, str]) -> str:
    """Where intervention ``key``, named by an event on ``stream_id``, is read.

    An event on an intervention's stream names only interventions of its own kind (itself,
    or the notice it escalates from); an event elsewhere (a case one opened) names it by id
    alone, so ``categories`` says which category holds that id (a notice when unknown).
    """
    category = stream_id.split("-", 1)[0]
    if category not in INTERVENTION_PAGES:
        category = categories.get(key, "intervention")
    return INTERVENTION_PAGES[category].format(key)


def links_of(
    event_type: str,
    data: dict[str, Any],
    case_of_decision: Mapping[str, str],
    *,
    stream_id: str,
    intervention_categories: Mapping[str, str] | None = None,
) -> list[Link]:
    """Links to the decisions, evidence, schools, trusts and interventions an event names.

    A decision is read in its case; the registry's events name only the decision, so
    ``case_of_decision`` says which case each decision belongs to. An intervention is read
    where its kind is (``intervention_href``).
    """
    links: list[Link] = []
    for kind, key in subjects_of(event_type, data):
        if kind == "decision":
            case_id = case_of_decision.get(key)
            if case_id is not None:
                links.append(
                    Link(rel="decision", service="commissioning", href=f"/cases/{case_id}")
                )
            continue
        if kind == "intervention":
            href = intervention_href(stream_id, key, intervention_categories or {})
            links.append(Link(rel=kind, service="commissioning", href=href))
            continue
        service, template = _LINKS[kind]
        links.append(Link(rel=kind, service=service, href=template.format(key)))
    assessment_id = data.get("assessment_id")
    evidence_ids = [data["evidence_id"]] if "evidence_id" in data else data.get("evidence_ids", [])
    if isinstance(assessment_id, str) and isinstance(evidence_ids, list):
        for evidence_id in evidence_ids:
            links.append(
                Link(
                    rel="evidence",
                    service="assessment",
                    href=f"/assessments/{assessment_id}#evidence-{evidence_id}",
                )
            )
    return links


_CASES_OF_DECISIONS_SQL = """
SELECT d.key AS decision_id, c.key AS case_id
  FROM audit_subjects d JOIN audit_subjects c ON c.position = d.position AND c.kind = 'case'
 WHERE d.kind = 'decision' AND d.key = ANY($1::text[])
"""


async def _cases_of_decisions(
    conn: asyncpg.Connection | asyncpg.Pool, rows: Sequence[asyncpg.Record]
) -> dict[str, str]:
    decisions = sorted(
        {
            key
            for row in rows
            for kind, key in subjects_of(row["event_type"], json.loads(row["data"]))
            if kind == "decision"
        }
    )
    if not decisions:
        return {}
    found = await conn.fetch(_CASES_OF_DECISIONS_SQL, decisions)
    return {r["decision_id"]: r["case_id"] for r in found}


async def _intervention_categories(
    conn: asyncpg.Connection | asyncpg.Pool, rows: Sequence[asyncpg.Record]
) -> dict[str, str]:
    """The stream category of each intervention named by an event not on an intervention's
    own stream (a case opened by one), found by which of the three streams exists."""
    keys = sorted(
        {
            key
            for row in rows
            if row["stream_id"].split("-", 1)[0] not in INTERVENTION_PAGES
            for kind, key in subjects_of(row["event_type"], json.loads(row["data"]))
            if kind == "intervention"
        }
    )
    if not keys:
        return {}
    candidates = [f"{category}-{key}" for category in INTERVENTION_PAGES for key in keys]
    found = await conn.fetch(
        "SELECT DISTINCT stream_id FROM events WHERE stream_id = ANY($1::text[])", candidates
    )
    return {r["stream_id"].split("-", 1)[1]: r["stream_id"].split("-", 1)[0] for r in found}


def _entry(
    row: asyncpg.Record,
    case_of_decision: Mapping[str, str],
    intervention_categories: Mapping[str, str],
) -> TimelineEntry:
    data: dict[str, Any] = json.loads(row["data"])
    meta: dict[str, Any] = json.loads(row["metadata"])
    event_type: str = row["event_type"]
    return TimelineEntry(
        position=row["position"],
        recorded_at=row["recorded_at"],
        service=event_type.split(".", 1)[0],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        type=event_type,
        schema_version=row["schema_version"],
        event_id=row["event_id"],
        actor=meta.get("actor", "unknown"),
        reason=meta.get("reason"),
        correlation_id=meta.get("correlation_id"),
        causation_id=meta.get("causation_id"),
        source=meta.get("source"),
        scope=meta.get("scope"),
        authority=meta.get("authority"),
        data=data,
        links=links_of(
            event_type,
            data,
            case_of_decision,
            stream_id=row["stream_id"],
            intervention_categories=intervention_categories,
        ),
    )


async def timeline(
    conn: asyncpg.Connection | asyncpg.Pool,
    kind: SubjectKind,
    key: str,
    *,
    limit: int,
    cursor: str | None = None,
) -> Timeline:
    """One page of everything about a subject; NotFound if the log names it nowhere."""
    era, tx_id, position = decode_cursor(cursor, parts=3) or (0, 0, 0)
    rows = await conn.fetch(
        _TIMELINE_SQL, kind, key, list(RELATED[kind]), era, tx_id, position, limit + 1
    )
    if not rows and cursor is None:
        raise NotFound(f"No event in the log is about {kind} {key}.")
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(last["era"], last["tx_id"], last["position"])
    cases = await _cases_of_decisions(conn, page)
    categories = await _intervention_categories(conn, page)
    return Timeline(
        subject=f"{kind}:{key}",
        entries=[_entry(r, cases, categories) for r in page],
        next_cursor=next_cursor,
    )


async def all_entries(
    pool: asyncpg.Pool, kind: SubjectKind, key: str, *, page_size: int = 1000
) -> AsyncIterator[TimelineEntry]:
    """Every entry of a timeline, fetched a page at a time (for streamed exports)."""
    cursor: str | None = None
    while True:
        page = await timeline(pool, kind, key, limit=page_size, cursor=cursor)
        for entry in page.entries:
            yield entry
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


CSV_COLUMNS = (
    "position",
    "recorded_at",
    "service",
    "stream_id",
    "stream_version",
    "type",
    "actor",
    "reason",
    "correlation_id",
    "causation_id",
    "event_id",
    "scope",
    "authority",
    "data",
)


def jsonl_line(entry: TimelineEntry) -> str:
    """One JSON Lines record."""
    return entry.model_dump_json() + "\n"


def csv_lines(entry: TimelineEntry | None) -> Iterator[str]:
    """The header (for None), or one entry as a CSV record; data is its JSON text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if entry is None:
        writer.writerow(CSV_COLUMNS)
    else:
        values = entry.model_dump(mode="json")
        values["data"] = json.dumps(values["data"], ensure_ascii=False, sort_keys=True)
        if values["scope"] is not None:
            values["scope"] = " ".join(values["scope"])
        if values["authority"] is not None:
            values["authority"] = json.dumps(values["authority"], sort_keys=True)
        writer.writerow(["" if values[c] is None else values[c] for c in CSV_COLUMNS])
    yield buffer.getvalue()
