"""Whole-trust interventions and what commissioning knows of trust inspections.

``commissioning.commissioning_trust_inspections``: one row per Ofsted inspection of a trust
(the registry's ``TrustInspectionRecorded`` on ``trust-{uid}``), kept by the
``commissioning-knowledge`` consumer, so a whole-trust intervention can name an inspection
and check its outcomes against the policy's failing rule. The knowledge consumer has read
past inspections recorded before this table existed, so they are copied here from the log
(its rows are the projection's, column for column; a replay writes the same).

``commissioning.commissioning_trust_interventions``: one row per whole-trust intervention
(stream ``trust_intervention-{id}``), as its consumer (``commissioning-trust-interventions``)
projects it: its trigger, last step, a notice's response date (``GET /deadlines``), cases.
Grants come from 0009's default privileges in the schema.

Revision ID: 0022_trust_interventions
Revises: 0021_notice_policy
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0022_trust_interventions"
down_revision = "0021_notice_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE commissioning.commissioning_trust_inspections (
            trust_uid integer NOT NULL,
            inspection_id text NOT NULL,
            inspection_start date NOT NULL,
            publication_date date,
            inspection_type text,
            -- [{area, heading, outcome}] in the file's words, as the event gave them.
            outcomes jsonb NOT NULL,
            report_url text,
            format_version integer NOT NULL,
            PRIMARY KEY (trust_uid, inspection_id)
        )
        """
    )
    # Version 1 is the only version of the event: no upcasting needed.
    op.execute(
        """
        INSERT INTO commissioning.commissioning_trust_inspections
        SELECT (data ->> 'uid')::integer, data ->> 'inspection_id',
               (data ->> 'inspection_start')::date, (data ->> 'publication_date')::date,
               data ->> 'inspection_type', data -> 'outcomes', data ->> 'report_url',
               (data ->> 'format_version')::integer
          FROM eventlog.events
         WHERE event_type = 'registry.TrustInspectionRecorded'
        ON CONFLICT DO NOTHING
        """
    )
    op.execute(
        """
        CREATE TABLE commissioning.commissioning_trust_interventions (
            intervention_id text PRIMARY KEY,
            trust_uid integer NOT NULL,
            trigger text NOT NULL,
            trust_inspection_id text,
            policy_version integer NOT NULL,
            opened_on date NOT NULL,
            last_step text,
            -- The response date of a notice that is the last step taken.
            response_due_on date,
            case_ids text[] NOT NULL DEFAULT '{}',
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX commissioning_trust_interventions_trust"
        " ON commissioning.commissioning_trust_interventions (trust_uid)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS commissioning.commissioning_trust_interventions")
    op.execute("DROP TABLE IF EXISTS commissioning.commissioning_trust_inspections")
