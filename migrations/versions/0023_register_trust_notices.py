"""Whole-trust notices for the open register.

``commissioning.commissioning_trust_notices``: one row per notice step of a whole-trust
intervention (a direction to the trust, a termination warning notice, a termination
notice), kept by the ``commissioning-trust-interventions`` consumer beside its intervention
rows, so ``GET /register/notices`` can list them by issue date and log position as it lists
the academy ladder's notices. Its status is ``issued`` until a later ``notice_withdrawn`` or
``closed`` step of the same intervention makes it ``withdrawn`` (a termination warning
notice only) or ``closed``.

The consumer has read past steps recorded before this table existed, so they are copied
here from the log (its rows are the projection's, column for column; a replay writes the
same). Grants come from 0009's default privileges in the schema.

Revision ID: 0023_register_trust_notices
Revises: 0022_trust_interventions
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0023_register_trust_notices"
down_revision = "0022_trust_interventions"
branch_labels = None
depends_on = None

_STEP = "commissioning.TrustInterventionStepTaken"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE commissioning.commissioning_trust_notices (
            -- The log position of the step that issued it: unique, and the register's
            -- tie-break after the issue date.
            position bigint PRIMARY KEY,
            intervention_id text NOT NULL,
            trust_uid integer NOT NULL,
            step text NOT NULL,
            decided_on date NOT NULL,
            response_due_on date,
            status text NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX commissioning_trust_notices_issued"
        " ON commissioning.commissioning_trust_notices (decided_on, position)"
    )
    # Version 1 is the only version of the event: no upcasting needed.
    op.execute(
        f"""
        INSERT INTO commissioning.commissioning_trust_notices
        SELECT e.position, e.data ->> 'intervention_id', (e.data ->> 'trust_uid')::integer,
               e.data ->> 'step', (e.data ->> 'decided_on')::date,
               (e.data ->> 'response_due_on')::date,
               COALESCE(
                   (SELECT CASE later.data ->> 'step'
                               WHEN 'notice_withdrawn' THEN 'withdrawn' ELSE 'closed' END
                      FROM eventlog.events later
                     WHERE later.event_type = '{_STEP}'
                       AND later.data ->> 'intervention_id' = e.data ->> 'intervention_id'
                       AND (later.data ->> 'step' = 'closed'
                            OR (later.data ->> 'step' = 'notice_withdrawn'
                                AND e.data ->> 'step' = 'termination_warning_notice'))
                       AND later.position > e.position
                     ORDER BY later.position
                     LIMIT 1),
                   'issued')
          FROM eventlog.events e
         WHERE e.event_type = '{_STEP}'
           AND e.data ->> 'step' IN
               ('direction_to_trust', 'termination_warning_notice', 'termination_notice')
        ON CONFLICT DO NOTHING
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS commissioning.commissioning_trust_notices")
