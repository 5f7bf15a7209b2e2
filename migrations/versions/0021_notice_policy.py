"""Notices follow the ``intervention`` policy: the version each follows and the next review.

``commissioning.commissioning_interventions`` gains ``policy_version`` (null for notices
recorded before the ladder was policy data: they keep the rules fixed then) and
``review_due_on`` (a notice to improve's next review, from its version's review interval,
shown on ``GET /deadlines``), and ``decided_by`` and ``decider_grade`` (who decided to issue
it, where given). All are projected from the intervention events; existing rows keep nulls,
as their events carry none of them.

Revision ID: 0021_notice_policy
Revises: 0020_trust_inspections
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0021_notice_policy"
down_revision = "0020_trust_inspections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE commissioning.commissioning_interventions
            ADD COLUMN policy_version integer,
            ADD COLUMN review_due_on date,
            ADD COLUMN decided_by text,
            ADD COLUMN decider_grade text
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE commissioning.commissioning_interventions
            DROP COLUMN decider_grade,
            DROP COLUMN decided_by,
            DROP COLUMN review_due_on,
            DROP COLUMN policy_version
        """
    )
