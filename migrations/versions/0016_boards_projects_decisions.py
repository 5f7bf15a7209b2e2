"""Decision records: coded reasons, grade, equality duty, conditions and challenges.

``commissioning.commissioning_decisions`` gains, for each decision: ``record`` (its coded
reasons, the decision maker's grade, the policy versions it followed, the public sector
equality duty record, and the decision it supersedes), ``condition_status`` (each
condition: open, met with evidence, or waived with the reason), ``challenges`` (each
escalation or challenge of it) and ``superseded_by`` (the decision that replaced it). All
projected from the log; decisions recorded before have empty ones.

Revision ID: 0016_boards_projects_decisions
Revises: 0014_import_paths
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0016_boards_projects_decisions"
down_revision = "0014_import_paths"
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


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE commissioning.commissioning_decisions
            DROP COLUMN superseded_by,
            DROP COLUMN challenges,
            DROP COLUMN condition_status,
            DROP COLUMN record
        """
    )
