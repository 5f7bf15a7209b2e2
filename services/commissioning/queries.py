"""Reads over commissioning's read models, and the audit trail read from the log itself.

Lists are newest first and paginated with an opaque cursor holding the log position of the
last item's first event, so pages stay stable while cases and notices are added. A caller
who does not act nationally sees, in a list, what is where they act (``Visibility``), what
was referred to them, and (asking for it) what is published: nothing unpublished from
another region.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.commissioning.decisions.schemas import DecisionRecordView
from services.commissioning.interventions.schemas import InterventionPage, InterventionView
from services.commissioning.schemas import (
    AuditTrail,
    CaseAuditEntry,
    CasePage,
    CaseSummary,
    CaseView,
    Criteria,
    DecisionView,
    TransferProgress,
)
from shared.authority.scope import Scope
from shared.db import SqlParams
from shared.errors import NotFound
from shared.http.paging import decode_key, encode_cursor

# Where the trail stops: a case's own events and what followed from them are a few dozen;
# the limit only guards against a correlation id shared by a whole feed run.
AUDIT_LIMIT = 2000


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# ------------------------------------------------------------------- visibility


@dataclass(frozen=True, kw_only=True)
class Visibility:
    """What a caller without national scope may see listed: their regions and LAs (a
    resource is theirs when its region is one of the regions, or all its LAs are among the
    LAs: ``shared.authority.scope.Scope.covers`` in SQL), the cases referred to them, and
    whether to add whatever is published."""

    regions: list[str]
    las: list[str]
    referred_to: str | None = None
    published: bool = False

    @classmethod
    def of(cls, scope: Scope, *, subject: str | None, published: bool) -> Visibility | None:
        """None for a national scope: it sees everything."""
        if scope.national:
            return None
        return cls(
            regions=sorted(scope.regions),
            las=sorted(scope.las),
            referred_to=subject,
            published=published,
        )


# The cases whose latest referral, or escalation or challenge of a decision, names this
# person (partial index events_case_referrals, migration 0017).
_REFEREE_EVENTS = "('commissioning.CaseReferred', 'commissioning.DecisionChallenged')"
_REFERRED_TO_SQL = f"""
SELECT r.data->>'case_id' FROM events r
 WHERE r.event_type IN {_REFEREE_EVENTS} AND r.data->>'referred_to' = {{subject}}
   AND NOT EXISTS (
       SELECT 1 FROM events later
        WHERE later.stream_id = r.stream_id AND later.stream_version > r.stream_version
          AND later.event_type IN {_REFEREE_EVENTS})
"""


# ------------------------------------------------------------------- cases


@dataclass(frozen=True, kw_only=True)
class CaseFilters:
    """Filters on the case list; None means any."""

    status: str | None = None
    region: str | None = None
    area: str | None = None
    trigger: str | None = None
    urn: int | None = None


def _summary(row: asyncpg.Record) -> CaseSummary:
    return CaseSummary(
        case_id=row["case_id"],
        urns=list(row["urns"]),
        trigger=row["trigger"],
        title=row["title"],
        status=row["status"],
        region_code=row["region_code"],
        area=row["area"],
        la_codes=list(row["la_codes"]),
        opened_on=row["opened_on"],
        board_date=row["board_date"],
        significant_date=row["significant_date"],
    )


async def list_cases(
    pool: asyncpg.Pool,
    *,
    filters: CaseFilters,
    limit: int,
    cursor: str | None,
    visible: Visibility | None = None,
) -> CasePage:
    """Cases matching ``filters`` (and ``visible``, unless None), newest first, one page
    after ``cursor``."""
    p = SqlParams()
    where: list[str] = []
    before = decode_key(cursor)
    if before is not None:
        where.append(f"opened_position < {p(before)}")
    if filters.status is not None:
        where.append(f"status = {p(filters.status)}")
    if filters.region is not None:
        where.append(f"region_code = {p(filters.region)}")
    if filters.area is not None:
        where.append(f"lower(area) = lower({p(filters.area)})")
    if filters.trigger is not None:
        where.append(f"trigger = {p(filters.trigger)}")
    if filters.urn is not None:
        where.append(f"urns @> ARRAY[{p(filters.urn)}::integer]")
    if visible is not None:
        mine = [
            f"region_code = ANY({p(visible.regions)}::text[])",
            f"(cardinality(la_codes) > 0 AND la_codes <@ {p(visible.las)}::text[])",
        ]
        if visible.referred_to is not None:
            referred = _REFERRED_TO_SQL.format(subject=p(visible.referred_to))
            mine.append(f"case_id IN ({referred})")
        # Cases are casework, never published: `published` adds nothing here.
        where.append("(" + " OR ".join(mine) + ")")
    sql = (
        "SELECT * FROM commissioning_cases"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY opened_position DESC LIMIT {p(limit + 1)}"
    )
    rows = await pool.fetch(sql, *p.values)
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(
        items=[_summary(r) for r in rows],
        next_cursor=encode_cursor(rows[-1]["opened_position"]) if more else None,
    )


def _decision(row: asyncpg.Record) -> DecisionView:
    return DecisionView(
        decision_id=row["decision_id"],
        outcome=row["outcome"],
        conditions=_json(row["conditions"]),
        decided_on=row["decided_on"],
        decision_maker_name=row["decision_maker_name"],
        decision_maker_capacity=row["decision_maker_capacity"],
        trust_uid=row["trust_uid"],
        rationale=row["rationale"],
        significant_date=row["significant_date"],
        reason_category=row["reason_category"],
        date_changes=_json(row["date_changes"]),
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
        record=DecisionRecordView.of(_json(row["record"])),
        condition_status=_json(row["condition_status"]),
        challenges=_json(row["challenges"]),
        superseded_by=row["superseded_by"],
    )


async def get_case(pool: asyncpg.Pool, case_id: str) -> CaseView:
    """A case with its decisions and the registry's progress on its transfer."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM commissioning_cases WHERE case_id = $1", case_id)
        if row is None:
            raise NotFound(f"There is no case {case_id}.")
        decisions = [
            _decision(d)
            for d in await conn.fetch(
                "SELECT * FROM commissioning_decisions WHERE case_id = $1 ORDER BY position",
                case_id,
            )
        ]
    criteria = _json(row["criteria"])
    current = next((d for d in decisions if d.decision_id == row["decision_id"]), None)
    transfer = None
    if row["transfer_kind"] is not None or row["rejections"] not in (None, "[]", []):
        transfer = TransferProgress(
            kind=row["transfer_kind"],
            to_trust_uid=row["trust_uid"],
            significant_date=row["significant_date"],
            applied_urns=sorted(row["applied_urns"]),
            rejections=_json(row["rejections"]),
        )
    base = _summary(row).model_dump()
    return CaseView(
        **base,
        opened_by=row["opened_by"],
        intervention_id=row["intervention_id"],
        criteria=Criteria(
            pillars=criteria["pillars"],
            factors=criteria["factors"],
            defaults=not row["criteria_set"],
        ),
        constraints=_json(row["constraints"]),
        shortlist=list(row["shortlist"]),
        decision=current,
        decisions=decisions,
        transfer=transfer,
        completed_on=row["completed_on"],
        closed_on=row["closed_on"],
        close_reason=row["close_reason"],
        version=row["version"],
    )


# ------------------------------------------------------------------- interventions


@dataclass(frozen=True, kw_only=True)
class InterventionFilters:
    """Filters on the intervention list; None means any."""

    trust_uid: int | None = None
    status: str | None = None
    kind: str | None = None
    active: bool | None = None


def _intervention(row: asyncpg.Record) -> InterventionView:
    return InterventionView(
        intervention_id=row["intervention_id"],
        kind=row["kind"],
        trust_uid=row["trust_uid"],
        urn=row["urn"],
        status=row["status"],
        active=row["active"],
        issued_on=row["issued_on"],
        response_due_on=row["response_due_on"],
        review_due_on=row["review_due_on"],
        policy_version=row["policy_version"],
        grounds=row["grounds"],
        conditions=_json(row["conditions"]),
        escalated_from=row["escalated_from"],
        published=row["published"],
        rebrokerage_case_id=row["case_id"],
        history=_json(row["history"]),
        issued_by=row["issued_by"],
        decided_by=row["decided_by"],
        decider_grade=row["decider_grade"],
        version=row["version"],
    )


# Where a notice against a whole trust is (handlers.trust_place, in SQL): the region most
# of the trust's open schools are in (ties to the first code), and all their LAs.
_TRUST_OPEN_SCHOOLS = (
    "SELECT 1 FROM commissioning_school_facts f WHERE f.trust_uid = i.trust_uid AND NOT f.closed"
)
_TRUST_HOME_REGION = """
SELECT f.region_code FROM commissioning_school_facts f
 WHERE f.trust_uid = i.trust_uid AND NOT f.closed AND f.region_code IS NOT NULL
 GROUP BY f.region_code ORDER BY count(*) DESC, f.region_code LIMIT 1
"""


async def list_interventions(
    pool: asyncpg.Pool,
    *,
    filters: InterventionFilters,
    limit: int,
    cursor: str | None,
    visible: Visibility | None = None,
) -> InterventionPage:
    """Interventions matching ``filters`` (and ``visible``, unless None), newest first, one
    page after ``cursor``."""
    p = SqlParams()
    where: list[str] = []
    before = decode_key(cursor)
    if before is not None:
        where.append(f"issued_position < {p(before)}")
    if filters.trust_uid is not None:
        where.append(f"trust_uid = {p(filters.trust_uid)}")
    if filters.status is not None:
        where.append(f"status = {p(filters.status)}")
    if filters.kind is not None:
        where.append(f"kind = {p(filters.kind)}")
    if filters.active is not None:
        where.append(f"active = {p(filters.active)}")
    if visible is not None:
        regions, las = p(visible.regions), p(visible.las)
        mine = [
            f"""(urn IS NOT NULL AND EXISTS (
                SELECT 1 FROM commissioning_school_facts s WHERE s.urn = i.urn
                   AND (s.region_code = ANY({regions}::text[]) OR s.la_code = ANY({las}::text[]))))""",
            f"""(urn IS NULL AND (
                ({_TRUST_HOME_REGION}) = ANY({regions}::text[])
                OR (EXISTS ({_TRUST_OPEN_SCHOOLS})
                    AND NOT EXISTS ({_TRUST_OPEN_SCHOOLS} AND NOT f.la_code = ANY({las}::text[])))))""",
        ]
        if visible.published:
            mine.append("published")
        where.append("(" + " OR ".join(mine) + ")")
    sql = (
        "SELECT * FROM commissioning_interventions i"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY issued_position DESC LIMIT {p(limit + 1)}"
    )
    rows = await pool.fetch(sql, *p.values)
    more = len(rows) > limit
    rows = rows[:limit]
    return InterventionPage(
        items=[_intervention(r) for r in rows],
        next_cursor=encode_cursor(rows[-1]["issued_position"]) if more else None,
    )


async def get_intervention(pool: asyncpg.Pool, intervention_id: str) -> InterventionView:
    """One intervention with its status history."""
    row = await pool.fetchrow(
        "SELECT * FROM commissioning_interventions WHERE intervention_id = $1", intervention_id
    )
    if row is None:
        raise NotFound(f"There is no intervention {intervention_id}.")
    return _intervention(row)


# ------------------------------------------------------------------- audit

# The case's events, what they caused (followed through causation ids, which only the
# services set), the intervention that opened the case, if one did (a notice, a school's or
# a whole trust's: the case names only its id, and only one of the three streams exists), and each delegation a
# decision on the case was taken under (its grant, any revocation, and its use here; not
# its uses on other cases). Not correlation ids: a caller chooses its X-Request-ID, so it
# could write itself into any case's trail. The expression indexes from migration 0005
# make each causation step an index lookup.
AUDIT_SQL = """
WITH RECURSIVE chained(event_id) AS (
    SELECT event_id FROM events WHERE stream_id = $1
    UNION
    SELECT e.event_id FROM chained c
      JOIN events e ON (e.metadata->>'causation_id') = c.event_id::text
),
opened_by(stream_id) AS (
    SELECT kind || '-' || (data->>'intervention_id')
      FROM events,
           unnest(ARRAY['intervention', 'school_intervention', 'trust_intervention']) AS kind
     WHERE stream_id = $1 AND event_type = 'commissioning.CaseOpened'
       AND data->>'intervention_id' IS NOT NULL
),
used(stream_id) AS (
    SELECT DISTINCT stream_id FROM events
     WHERE category = 'delegation' AND event_type = 'commissioning.DelegationUsed'
       AND data->>'case_id' = $3
),
trail(event_id, via) AS (
    SELECT c.event_id, CASE WHEN e.stream_id = $1 THEN 'case' ELSE 'causation' END
      FROM chained c JOIN events e ON e.event_id = c.event_id
    UNION
    SELECT e.event_id, 'intervention' FROM events e
      JOIN opened_by o ON o.stream_id = e.stream_id
     WHERE e.event_id NOT IN (SELECT event_id FROM chained)
    UNION
    SELECT e.event_id, 'delegation' FROM events e
      JOIN used u ON u.stream_id = e.stream_id
     WHERE e.event_type <> 'commissioning.DelegationUsed' OR e.data->>'case_id' = $3
)
SELECT e.position, e.event_id, e.event_type, e.stream_id, e.recorded_at, e.metadata, e.data,
       t.via
  FROM trail t JOIN events e USING (event_id)
 ORDER BY e.position
 LIMIT $2
"""


async def audit_trail(pool: asyncpg.Pool, case_id: str) -> AuditTrail:
    """The case's events and every event that followed from them, in log order."""
    stream = f"case-{case_id}"
    rows: Sequence[asyncpg.Record] = await pool.fetch(AUDIT_SQL, stream, AUDIT_LIMIT + 1, case_id)
    if not rows:
        raise NotFound(f"There is no case {case_id}.")
    entries = []
    for row in rows[:AUDIT_LIMIT]:
        meta = _json(row["metadata"])
        entries.append(
            CaseAuditEntry(
                position=row["position"],
                event_id=str(row["event_id"]),
                type=row["event_type"],
                stream=row["stream_id"],
                time=row["recorded_at"],
                actor=meta["actor"],
                reason=meta.get("reason"),
                source=meta.get("source"),
                correlation_id=meta.get("correlation_id"),
                causation_id=meta.get("causation_id"),
                scope=meta.get("scope"),
                authority=meta.get("authority"),
                via=row["via"],
                data=_json(row["data"]),
            )
        )
    return AuditTrail(case_id=case_id, entries=entries, truncated=len(rows) > AUDIT_LIMIT)
