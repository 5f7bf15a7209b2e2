"""School interventions: the read model behind their views and what falls due.

``commissioning.commissioning_school_interventions``: one row per intervention in a school in
a category of concern (stream ``school_intervention-{id}``), as its consumer
(``commissioning-school-interventions``) projects it: the pathway it is on, the policy
version it follows, its last step, its RISE window and a notice's response date still open.
Ofsted's three eras and the stuck-school list need no table: the registry's history keeps
each inspection whole.

Revision ID: 0015_ofsted_eras_interventions
Revises: 0014_import_paths
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0015_ofsted_eras_interventions"
down_revision = "0014_import_paths"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Grants come from 0009's default privileges in the schema.
    op.execute(
        """
        CREATE TABLE commissioning.commissioning_school_interventions (
            intervention_id text PRIMARY KEY,
            urn integer NOT NULL,
            trust_uid integer,
            school_kind text NOT NULL,
            category_of_concern text NOT NULL,
            policy_version integer NOT NULL,
            opened_on date NOT NULL,
            last_step text,
            -- Open while RISE is the last step taken.
            rise_window_start date,
            rise_window_end date,
            rise_open boolean NOT NULL DEFAULT false,
            -- The response date of a notice that is the last step taken.
            response_due_on date,
            case_ids text[] NOT NULL DEFAULT '{}',
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX commissioning_school_interventions_urn"
        " ON commissioning.commissioning_school_interventions (urn)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS commissioning.commissioning_school_interventions")
