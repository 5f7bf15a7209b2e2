"""Decision records: coded reasons, grade, equality duty, conditions and challenges.

``commissioning.commissioning_decisions`` gains, for each decision: ``record`` (its coded
reasons, the decision maker's grade, the policy versions it followed, the public sector
equality duty record, and the decision it supersedes), ``condition_status`` (each
condition: open, met with evidence, or waived with the reason), ``challenges`` (each
escalation or challenge of it) and ``superseded_by`` (the decision that replaced it). All
projected from the log; decisions recorded before have empty ones.

``commissioning.commissioning_projects``: one row per transfer or conversion project (its
id is its approval's): the significant date and whether it is confirmed, its changes, the
task list with who completed each, authority to proceed, handover and the actual date.
Grants come from 0009's default privileges in the schema.

``commissioning.commissioning_cases`` gains ``constraints``: what the case asks of every
candidate trust, once it sets its own (null: the defaults).

Revision ID: 0016_boards_projects_decisions
Revises: 0015_ofsted_eras_interventions
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0016_boards_projects_decisions"
down_revision = "0015_ofsted_eras_interventions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE commissioning.commissioning_decisions
            ADD COLUMN record jsonb NOT NULL DEFAULT '{}',
            ADD COLUMN condition_status jsonb NOT NULL DEFAULT '[]',
            ADD COLUMN challenges jsonb NOT NULL DEFAULT '[]',
            ADD COLUMN superseded_by text
        """
    )
    op.execute(
        """
        CREATE TABLE commissioning.commissioning_projects (
            project_id text PRIMARY KEY,
            case_id text NOT NULL,
            decision_id text NOT NULL,
            project_type text NOT NULL,
            urns integer[] NOT NULL,
            to_trust_uid integer NOT NULL,
            significant_date date NOT NULL,
            date_confirmed boolean NOT NULL DEFAULT false,
            date_changes jsonb NOT NULL DEFAULT '[]',
            template_version integer NOT NULL,
            tasks jsonb NOT NULL,
            authority_to_proceed_on date,
            authority_to_proceed_by text,
            handed_over_to text,
            handed_over_on date,
            actual_date date,
            opened_on date NOT NULL,
            version bigint NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """
    )
    op.execute("ALTER TABLE commissioning.commissioning_cases ADD COLUMN constraints jsonb")
    op.execute(
        "CREATE INDEX commissioning_projects_case ON commissioning.commissioning_projects (case_id)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE commissioning.commissioning_projects")
    op.execute("ALTER TABLE commissioning.commissioning_cases DROP COLUMN constraints")
    op.execute(
        """
        ALTER TABLE commissioning.commissioning_decisions
            DROP COLUMN superseded_by,
            DROP COLUMN challenges,
            DROP COLUMN condition_status,
            DROP COLUMN record
        """
    )
