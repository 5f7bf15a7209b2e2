"""The ``commissioning-school-interventions`` consumer: one row per school intervention.

A consumer of its own, so the cases consumer is left as it is; its effect and checkpoint
commit together, and a replay from the start gives the same rows.
"""

from __future__ import annotations

from shared.contracts.interventions import SchoolInterventionOpened, SchoolInterventionStepTaken
from shared.eventlog.model import RecordedEvent
from shared.eventlog.projection import Handlers, Projection
from shared.eventlog.subscriptions import HandlerContext

CONSUMER_NAME = "commissioning-school-interventions"
TABLE = "commissioning_school_interventions"
READ_MODEL_TABLES: tuple[str, ...] = (TABLE,)
HANDLERS = Handlers()


@HANDLERS.on(SchoolInterventionOpened)
async def _opened(e: SchoolInterventionOpened, event: RecordedEvent, ctx: HandlerContext) -> None:
    await ctx.conn.execute(
        f"""
        INSERT INTO {TABLE}
            (intervention_id, urn, trust_uid, school_kind, category_of_concern, policy_version,
             opened_on, version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (intervention_id) DO NOTHING
        """,
        e.intervention_id,
        e.urn,
        e.trust_uid,
        e.school_kind,
        e.category_of_concern,
        e.policy_version,
        e.opened_on,
        event.stream_version,
        event.recorded_at,
    )


@HANDLERS.on(SchoolInterventionStepTaken)
async def _step(e: SchoolInterventionStepTaken, event: RecordedEvent, ctx: HandlerContext) -> None:
    # Guarded by the stream version, so a replayed step changes nothing.
    await ctx.conn.execute(
        f"""
        UPDATE {TABLE}
           SET last_step = $2,
               rise_window_start = coalesce($3, rise_window_start),
               rise_window_end = coalesce($4, rise_window_end),
               rise_open = $4::date IS NOT NULL,
               response_due_on = $5,
               case_ids = CASE WHEN $6::text IS NULL THEN case_ids
                               ELSE array_append(case_ids, $6::text) END,
               version = $7,
               updated_at = $8
         WHERE intervention_id = $1 AND version < $7
        """,
        e.intervention_id,
        e.step,
        e.rise_window_start,
        e.rise_window_end,
        e.response_due_on,
        e.case_id,
        event.stream_version,
        event.recorded_at,
    )


def school_interventions_projection() -> Projection:
    """The consumer keeping the school interventions' read model (policy ``intervention``)."""
    return Projection(name=CONSUMER_NAME, handlers=HANDLERS, categories=("school_intervention",))
