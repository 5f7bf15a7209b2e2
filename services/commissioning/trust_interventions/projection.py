"""The ``commissioning-trust-interventions`` consumer: one row per whole-trust intervention,
and one per notice it issued (for the open register's notices).

A consumer of its own, as school interventions have; its effect and checkpoint commit
together, and a replay from the start gives the same rows.
"""

from __future__ import annotations

from shared.contracts.interventions import TrustInterventionOpened, TrustInterventionStepTaken
from shared.eventlog.model import RecordedEvent
from shared.eventlog.projection import Handlers, Projection
from shared.eventlog.subscriptions import HandlerContext

CONSUMER_NAME = "commissioning-trust-interventions"
TABLE = "commissioning_trust_interventions"
NOTICES_TABLE = "commissioning_trust_notices"
READ_MODEL_TABLES: tuple[str, ...] = (TABLE, NOTICES_TABLE)
# The steps that are notices to the trust, public acts the open register lists; the steps
# that end one (a withdrawal, the intervention's closing) give the status it ends with.
NOTICE_STEPS: frozenset[str] = frozenset(
    {"direction_to_trust", "termination_warning_notice", "termination_notice"}
)
# A withdrawal ends the termination warning notice it answers; closing ends every notice
# still standing.
ENDING_STEPS: dict[str, tuple[str, frozenset[str]]] = {
    "notice_withdrawn": ("withdrawn", frozenset({"termination_warning_notice"})),
    "closed": ("closed", NOTICE_STEPS),
}
HANDLERS = Handlers()


@HANDLERS.on(TrustInterventionOpened)
async def _opened(e: TrustInterventionOpened, event: RecordedEvent, ctx: HandlerContext) -> None:
    await ctx.conn.execute(
        f"""
        INSERT INTO {TABLE}
            (intervention_id, trust_uid, trigger, trust_inspection_id, policy_version,
             opened_on, version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (intervention_id) DO NOTHING
        """,
        e.intervention_id,
        e.trust_uid,
        e.trigger,
        e.trust_inspection_id,
        e.policy_version,
        e.opened_on,
        event.stream_version,
        event.recorded_at,
    )


@HANDLERS.on(TrustInterventionStepTaken)
async def _step(e: TrustInterventionStepTaken, event: RecordedEvent, ctx: HandlerContext) -> None:
    # Guarded by the stream version, so a replayed step changes nothing. A notice's
    # response date stands while the notice is the last step taken.
    await ctx.conn.execute(
        f"""
        UPDATE {TABLE}
           SET last_step = $2,
               response_due_on = $3,
               case_ids = CASE WHEN $4::text IS NULL THEN case_ids
                               ELSE array_append(case_ids, $4::text) END,
               version = $5,
               updated_at = $6
         WHERE intervention_id = $1 AND version < $5
        """,
        e.intervention_id,
        e.step,
        e.response_due_on,
        e.case_id,
        event.stream_version,
        event.recorded_at,
    )
    # Keyed by log position, so a replayed step writes nothing new; an ending step touches
    # only notices issued before it (migration 0023 copies the same from the log).
    if e.step in NOTICE_STEPS:
        await ctx.conn.execute(
            f"""
            INSERT INTO {NOTICES_TABLE}
                (position, intervention_id, trust_uid, step, decided_on, response_due_on, status)
            VALUES ($1, $2, $3, $4, $5, $6, 'issued')
            ON CONFLICT (position) DO NOTHING
            """,
            event.position,
            e.intervention_id,
            e.trust_uid,
            e.step,
            e.decided_on,
            e.response_due_on,
        )
    elif e.step in ENDING_STEPS:
        status, ends = ENDING_STEPS[e.step]
        await ctx.conn.execute(
            f"""
            UPDATE {NOTICES_TABLE} SET status = $2
             WHERE intervention_id = $1 AND status = 'issued' AND position < $3
               AND step = ANY($4::text[])
            """,
            e.intervention_id,
            status,
            event.position,
            sorted(ends),
        )


def trust_interventions_projection() -> Projection:
    """The consumer keeping the whole-trust interventions' read model."""
    return Projection(name=CONSUMER_NAME, handlers=HANDLERS, categories=("trust_intervention",))
