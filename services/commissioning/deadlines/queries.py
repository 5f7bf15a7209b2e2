"""What falls due, from the interventions' and concerns' read models and working days in
England.

Notice responses: an issued termination warning notice still active (the notice ladder),
and a school intervention whose last step was a notice with a response period. A whole-trust intervention whose last step was a notice
with a response period (a termination warning notice to the whole trust). RISE windows: a school intervention whose last step started RISE, due at the window's end.
Concern reviews: a concern about a trust not yet closed, due on its review date. NTI reviews:
a notice to improve still active, due on its next review (its policy version's review
interval from its issue or its last change of status).
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from services.commissioning.deadlines.schemas import Deadline, DeadlineKind, DeadlineList
from services.commissioning.working_days import is_working_day

# A notice against a trust with no academy named is where most of the trust's open schools
# are (as authority places it).
_SQL = """
WITH due AS (
    SELECT 'notice_response' AS kind, i.response_due_on AS due_on, 'notice' AS source,
           i.intervention_id, NULL AS concern_id, i.urn, i.trust_uid,
           'Response to a ' || replace(i.kind, '_', ' ') AS what
      FROM commissioning_interventions i
     WHERE i.active AND i.status = 'issued' AND i.response_due_on IS NOT NULL
    UNION ALL
    SELECT 'notice_response', s.response_due_on, 'school_intervention', s.intervention_id,
           NULL, s.urn, s.trust_uid, 'Response to ' || replace(s.last_step, '_', ' ')
      FROM commissioning_school_interventions s
     WHERE s.response_due_on IS NOT NULL
    UNION ALL
    SELECT 'notice_response', t.response_due_on, 'trust_intervention', t.intervention_id,
           NULL, NULL, t.trust_uid, 'Trust response to ' || replace(t.last_step, '_', ' ')
      FROM commissioning_trust_interventions t
     WHERE t.response_due_on IS NOT NULL
    UNION ALL
    SELECT 'nti_review', i.review_due_on, 'notice', i.intervention_id, NULL, i.urn,
           i.trust_uid, 'Review of a ' || replace(i.kind, '_', ' ')
      FROM commissioning_interventions i
     WHERE i.active AND i.review_due_on IS NOT NULL
    UNION ALL
    SELECT 'rise_window', s.rise_window_end, 'school_intervention', s.intervention_id,
           NULL, s.urn, s.trust_uid, 'End of the RISE window: decide what follows'
      FROM commissioning_school_interventions s
     WHERE s.rise_open
    UNION ALL
    SELECT 'concern_review', c.review_on, 'concern', NULL, c.concern_id, NULL, c.trust_uid,
           'Review of a ' || replace(c.rag, '_', ' ') || ' ' || replace(c.concern_type, '_', ' ')
           || ' concern'
      FROM commissioning_trust_concerns c
     WHERE c.status <> 'closed' AND c.review_on IS NOT NULL
)
SELECT d.*, coalesce(f.region_code, (
           SELECT mode() WITHIN GROUP (ORDER BY t.region_code)
             FROM commissioning_school_facts t
            WHERE t.trust_uid = d.trust_uid AND NOT t.closed)) AS region_code
  FROM due d LEFT JOIN commissioning_school_facts f ON f.urn = d.urn
"""


def working_days_until(today: date, due: date) -> int:
    """Working days from ``today`` to ``due``: 0 on the day, negative once it has passed."""
    step = 1 if due >= today else -1
    count, day = 0, today
    while day != due:
        day += timedelta(days=step)
        if is_working_day(day):
            count += step
    return count


async def deadlines(
    pool: asyncpg.Pool, *, region: str | None, kind: DeadlineKind | None, today: date
) -> DeadlineList:
    """What falls due in ``region`` (everywhere if None), of ``kind`` (all if None)."""
    rows = await pool.fetch(_SQL)
    items = [
        Deadline(
            kind=r["kind"],
            due_on=r["due_on"],
            overdue=r["due_on"] < today,
            working_days=working_days_until(today, r["due_on"]),
            what=r["what"],
            source=r["source"],
            intervention_id=r["intervention_id"],
            concern_id=r["concern_id"],
            urn=r["urn"],
            trust_uid=r["trust_uid"],
            region_code=r["region_code"],
        )
        for r in rows
        if (region is None or r["region_code"] == region) and (kind is None or r["kind"] == kind)
    ]
    items.sort(key=lambda d: (not d.overdue, d.due_on, d.intervention_id or d.concern_id or ""))
    return DeadlineList(on=today, items=items)
